"""When to ask a centre for its slots next: a cadence shaped by what its history has seen.

Pure: no Home Assistant, no I/O. A centre's day has a budget of polls (DAILY_POLLS, what
polling every minute costs); the planner spends it where openings are likely: fastest in its
release windows, faster in the hours of the week its openings came in over the last 30 days,
slowest in the hours of the day with none. With no history it is today's fixed minute.

Intervals here are before jitter: the coordinator adds the same share of jitter to each
(up to SLOT_JITTER_SECONDS for a minute), so the budget holds with it.
"""

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
import math

from .history import CentreHistory

# Never faster than 4 requests a minute to one centre, never slower than one in 5 minutes.
FASTEST = 15.0
SLOWEST = 300.0
# Slot requests a day per centre, before jitter: what polling every 60 s costs.
DAILY_POLLS = 1440
# The openings the shape of the week is read from.
BASIS = timedelta(days=30)
# Fewer openings than this in the basis, or a history shorter than it: too little to shape
# the week, it stays even.
MIN_OPENINGS = 20
# Half the weight on the hour of the week, half on the same hour of every day: a month has
# only four or five of each weekday.
WEEK_WEIGHT = 0.5
# Releases are looked for in the last 90 days (what the history keeps); a centre's own rule
# needs releases that follow it on at least this many days.
MIN_RELEASES = 2
# A learned window opens this long before the earliest release seen in it, and closes this
# long after the latest (a release is recorded at the poll that saw it, up to a period late).
RELEASE_MARGIN = timedelta(minutes=15)
# A learned window is at most this long: releases at scattered times are no window.
RELEASE_MAX_WINDOW = timedelta(hours=3)


def _nth(day: date) -> int:
    """Return the rank of a day's weekday in its month (1: the first Monday)."""
    return (day.day - 1) // 7 + 1


@dataclass(frozen=True, slots=True)
class ReleaseRule:
    """When a centre publishes its blocks of times: a weekday of the month, a time of day.

    `nth` is the weekday's rank in the month (1: the first Monday), or None for every week.
    The published rule (CBP: "released on the first Monday of each month by 9 a.m. local
    time") is the prior until a centre has its own.
    """

    weekday: int  # 0: Monday
    nth: int | None
    start: time
    end: time
    learned: bool

    def window(self, day: date, zone: tzinfo) -> tuple[datetime, datetime] | None:
        """Return the window on `day` (centre time), or None when it has none that day."""
        if day.weekday() != self.weekday or (self.nth is not None and _nth(day) != self.nth):
            return None
        return (
            datetime.combine(day, self.start, zone).astimezone(UTC),
            datetime.combine(day, self.end, zone).astimezone(UTC),
        )

    def next_window(self, now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
        """Return the window open at `now`, or the next one (within a little over a month)."""
        day = now.astimezone(zone).date()
        for offset in range(40):
            window = self.window(day + timedelta(days=offset), zone)
            if window is not None and window[1] > now:
                return window
        raise AssertionError("a weekday of a month comes within 40 days")  # pragma: no cover


PUBLISHED_RULE = ReleaseRule(0, 1, time(8, 45), time(10, 0), learned=False)
# Release windows a calendar lists at most, however long the range it is asked for.
MAX_WINDOWS_LISTED = 24


@dataclass(frozen=True, slots=True)
class ExpectedRelease:
    """A centre's next release window (or the one open now), and the rule it comes from."""

    start: datetime  # UTC
    end: datetime
    rule: ReleaseRule
    zone: tzinfo

    def windows(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Return the rule's windows overlapping `start` to `end`, from this one on.

        On the centre's clock, as its slots are.
        """
        found: list[tuple[datetime, datetime]] = []
        moment = max(start, self.start - timedelta(seconds=1))
        while len(found) < MAX_WINDOWS_LISTED:
            window = self.rule.next_window(moment, self.zone)
            if window[0] >= end:
                break
            found.append((window[0].astimezone(self.zone), window[1].astimezone(self.zone)))
            moment = window[1]
        return found


def release_rule(history: CentreHistory, zone: tzinfo) -> ReleaseRule:
    """Return the centre's own release rule when its releases follow one, else the published.

    A rule is followed on at least MIN_RELEASES days and on at least half of the days with
    a release: the same weekday of the month (the first Monday), else the same weekday every
    week. Days, not releases: blocks published minutes apart are one day's release.
    """
    local = [r.at.astimezone(zone) for r in history.releases]
    days = {m.date() for m in local}
    if len(days) < MIN_RELEASES:
        return PUBLISHED_RULE
    groups: dict[tuple[int, int | None], list[datetime]] = {}
    for moment in local:
        groups.setdefault((moment.weekday(), _nth(moment.date())), []).append(moment)
        groups.setdefault((moment.weekday(), None), []).append(moment)

    followed_on = {rule: len({m.date() for m in moments}) for rule, moments in groups.items()}
    # Most days first; a monthly rule before a weekly one that has no more.
    weekday, nth = max(groups, key=lambda rule: (followed_on[rule], rule[1] is not None))
    followed = groups[weekday, nth]
    if followed_on[weekday, nth] < MIN_RELEASES or 2 * followed_on[weekday, nth] < len(days):
        return PUBLISHED_RULE
    times = sorted(m.replace(tzinfo=None) - datetime.combine(m.date(), time()) for m in followed)
    start = max(times[0] - RELEASE_MARGIN, timedelta())
    end = min(times[-1] + RELEASE_MARGIN, timedelta(hours=23, minutes=59))
    if end - start > RELEASE_MAX_WINDOW:
        return PUBLISHED_RULE  # the same day, but at scattered times: no window to watch
    return ReleaseRule(weekday, nth, _clock(start), _clock(end), learned=True)


def _clock(offset: timedelta) -> time:
    minutes = int(offset.total_seconds() // 60)
    return time(minutes // 60, minutes % 60)


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of a centre's day polled at one interval (seconds, before jitter)."""

    start: datetime  # UTC
    end: datetime
    interval: float


class CentrePlan:
    """A centre's cadence: the interval at each moment, day by day within the daily budget."""

    def __init__(
        self,
        zone: tzinfo,
        rates: Sequence[float] | None,
        release: ReleaseRule | None,
        daily_polls: float | None = None,
    ) -> None:
        """Plan with openings per hour of the week (168, Monday 00:00 centre time first).

        `rates` None: no basis, every hour even (and no release window unless one is given).
        """
        self.zone = zone
        self.rates = rates
        self.release = release
        self.daily_polls = DAILY_POLLS if daily_polls is None else daily_polls
        self._days: dict[date, list[Segment]] = {}

    def day(self, day: date) -> list[Segment]:
        """Return the segments of one day (centre time); they spend the daily budget."""
        if (segments := self._days.get(day)) is None:
            if len(self._days) > 8:
                self._days.clear()
            segments = self._days[day] = self._plan_day(day)
        return segments

    def interval(self, when: datetime) -> float:
        """Return the interval (seconds, before jitter) at `when`."""
        segments = self.day(when.astimezone(self.zone).date())
        index = bisect_right([s.start for s in segments], when) - 1
        return segments[max(index, 0)].interval

    def next_poll(self, last: datetime) -> datetime:
        """When to poll after one at `last` (before jitter): a faster stretch is not waited out."""
        after = last + timedelta(seconds=self.interval(last))
        for segment in self._segments_between(last, after):
            if segment.start > last and segment.interval < self.interval(last):
                return max(segment.start, last + timedelta(seconds=FASTEST))
        return after

    def wait(self, last: datetime, jitter: float) -> float:
        """Seconds from a poll at `last` to the next, stretched by `jitter` (1 and a little)."""
        return (self.next_poll(last) - last).total_seconds() * jitter

    def expected_release(self, now: datetime) -> ExpectedRelease | None:
        """Return the release window open at `now` or the next; None with no basis."""
        if self.release is None:
            return None
        start, end = self.release.next_window(now, self.zone)
        return ExpectedRelease(start, end, self.release, self.zone)

    def _segments_between(self, start: datetime, end: datetime) -> Iterator[Segment]:
        day = start.astimezone(self.zone).date()
        while True:
            for segment in self.day(day):
                if segment.end > start and segment.start < end:
                    yield segment
            if datetime.combine(day + timedelta(days=1), time(), self.zone) >= end:
                return
            day += timedelta(days=1)

    def _plan_day(self, day: date) -> list[Segment]:
        begin = datetime.combine(day, time(), self.zone).astimezone(UTC)
        finish = datetime.combine(day + timedelta(days=1), time(), self.zone).astimezone(UTC)
        window = self.release.window(day, self.zone) if self.release else None
        # The day's hours (23 or 25 on a change of clocks), cut around a release window.
        hours = math.ceil((finish - begin).total_seconds() / 3600)
        cuts = {begin + timedelta(hours=n) for n in range(hours)} | {finish}
        if window is not None:
            cuts |= {min(max(edge, begin), finish) for edge in window}
        edges = sorted(cuts)
        pieces = [(a, b) for a, b in pairwise(edges) if b > a]
        fixed = [window is not None and window[0] <= a and b <= window[1] for a, b in pieces]
        seconds = [(b - a).total_seconds() for a, b in pieces]
        day_budget = self.daily_polls * sum(seconds) / 86400
        in_window = sum(s for s, f in zip(seconds, fixed, strict=True) if f)
        # The window at the fastest, unless the rest of the day could not then be polled at
        # all (every SLOWEST): the day's budget holds.
        least_elsewhere = (sum(seconds) - in_window) / SLOWEST
        fastest = max(FASTEST, in_window / max(day_budget - least_elsewhere, 1))
        budget = day_budget - (in_window / fastest if in_window else 0)
        rates = [self._rate(a) for a, _b in pieces]
        intervals = _spend(
            [s for s, f in zip(seconds, fixed, strict=True) if not f],
            [r for r, f in zip(rates, fixed, strict=True) if not f],
            budget,
        )
        spent = iter(intervals)
        return [
            Segment(a, b, fastest if f else next(spent))
            for (a, b), f in zip(pieces, fixed, strict=True)
        ]

    def _rate(self, moment: datetime) -> float:
        if self.rates is None:
            return 1.0
        local = moment.astimezone(self.zone)
        return self.rates[local.weekday() * 24 + local.hour]


def _spend(seconds: list[float], rates: list[float], budget: float) -> list[float]:
    """Intervals for stretches of `seconds` with opening `rates`, spending `budget` polls.

    Polls go where openings are: a stretch's interval goes as 1 / sqrt(its rate), which
    makes the mean wait for an opening the least for the polls spent; bounded by FASTEST and
    SLOWEST (a stretch with no opening at all: SLOWEST), the rest spread again.
    """
    if seconds and all(r == rates[0] for r in rates) and rates[0] > 0:
        even = sum(seconds) / max(budget, sum(seconds) / SLOWEST)
        return [min(max(even, FASTEST), SLOWEST)] * len(seconds)

    def interval(scale: float, rate: float) -> float:
        if rate <= 0:
            return SLOWEST
        return min(max(scale / math.sqrt(rate), FASTEST), SLOWEST)

    def polls(scale: float) -> float:
        return sum(s / interval(scale, r) for s, r in zip(seconds, rates, strict=True))

    low, high = 1e-9, 1e9  # polls(scale) falls as scale grows
    for _ in range(200):
        middle = math.sqrt(low * high)
        if polls(middle) > budget:
            low = middle
        else:
            high = middle
    return [interval(high, r) for r in rates]


def hourly_rates(history: CentreHistory, zone: tzinfo, now: datetime) -> list[float] | None:
    """Return openings per hour of the week (Monday 00:00 centre time first) in the basis.

    None when there are too few to shape the week, or the centre has not been watched for the
    whole basis. Half of each hour's weight is its own hour of the week, half the same hour
    of every day; an hour of the day with no opening in the basis has none at all.
    """
    since = now - BASIS
    opened = [o.opened.astimezone(zone) for o in history.openings if o.opened >= since]
    # Watched for the whole basis (something older is in the history), else a quiet hour may
    # only be one not watched yet.
    first = min((o.opened for o in history.openings[:1]), default=now)
    if len(opened) < MIN_OPENINGS or first > since:
        return None
    week = [0] * 168
    day = [0] * 24
    for moment in opened:
        week[moment.weekday() * 24 + moment.hour] += 1
        day[moment.hour] += 1
    days = BASIS.days
    return [
        0.0
        if day[h % 24] == 0
        else WEEK_WEIGHT * week[h] / (days / 7) + (1 - WEEK_WEIGHT) * day[h % 24] / days
        for h in range(168)
    ]


def plan(history: CentreHistory | None, zone: tzinfo, now: datetime) -> CentrePlan:
    """Plan a centre's polling from its history as of `now`.

    No history, or nothing in it: every minute, as before the planner. A history with a few
    openings and no releases of its own: an even day, with the published release window.
    """
    if history is None or not (history.openings or history.releases):
        return CentrePlan(zone, None, None)
    return CentrePlan(zone, hourly_rates(history, zone, now), release_rule(history, zone))

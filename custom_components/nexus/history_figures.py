"""What the history of openings says, per centre watch: counts, lifetimes, usual hours.

Pure: no Home Assistant, no I/O. `OpeningsBook` feeds each watched centre's history from its
open slots and keeps each watch's figures, computed again only when its history changed or a
window moved past one of its openings (`until`).
"""

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from math import ceil
from types import MappingProxyType
from typing import Any

from .const import WEEKDAYS
from .history import CentreHistory, Opening
from .ttp import Location, Slot
from .watch import CentreSlots, Wishes, slot_matches, unchanged

WEEK = timedelta(days=7)
LIFETIME_WINDOW = timedelta(days=30)
QUICKLY = timedelta(minutes=2)
USUAL_HOURS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class OpeningFigures:
    """A watch's figures from its centre's history."""

    week: int  # openings that fit the watch, first seen in the last 7 days
    lifetime_minutes: float | None  # their median lifetime over the last 30 days
    quickly_percent: float | None  # of those lifetimes, the share of 2 minutes or less
    usual_hours: tuple[str, ...]  # the hours (centre time) most of them opened, last 30 days
    per_day: tuple[tuple[str, int], ...]  # openings on each of the last 7 dates (centre time)
    last_release: datetime | None  # the centre's
    released: int | None  # slots in that release
    total: int  # openings that fit the watch since it was added: only ever grows


def fits(opening: Opening, wishes: Wishes) -> bool:
    """Tell whether an opening fits a watch's wishes (places as far as known)."""
    return opening.places >= wishes.minimum_places and slot_matches(opening, wishes)


class WatchTally:
    """One watch's figures, kept from its centre's history change by change.

    Each opening is looked at when it is recorded, when its end is seen and when it leaves the
    30 days: an update costs what changed, not the length of the history.
    """

    def __init__(self, wishes: Wishes, zone: tzinfo) -> None:
        """Start empty; the first update reads the whole history once."""
        self.wishes, self.zone = wishes, zone
        # The openings that fit, in the order they opened, with their date and hour there.
        self._events: list[tuple[Opening, date, int]] = []
        self._head = 0  # the first of them in the last 30 days
        self._week = 0  # the first of them in the last 7 days
        self._hours: Counter[int] = Counter()  # of those in the last 30 days
        self._days: Counter[date] = Counter()
        self._lifetimes: list[float] = []  # their known lifetimes in minutes, sorted
        self._open: list[Opening] = []  # those whose end may still be seen
        self._read = 0  # how many of the history's openings were read
        self._version = -1
        self._at = self.until = datetime.min.replace(tzinfo=UTC)
        self.value: OpeningFigures | None = None

    def update(self, history: CentreHistory, now: datetime, total: int) -> OpeningFigures:
        """Bring the figures to `now`; the same object while they do not change."""
        held = self._at <= now < self.until  # a wall clock set back moves the dates too
        if (
            self.value is not None
            and history.version == self._version
            and held
            and total == self.value.total
        ):
            return self.value
        self._version, self._at = history.version, now
        self._read_new(history)
        self._read_ends(history)
        self._forget_before(now - LIFETIME_WINDOW)
        while self._week < len(self._events) and self._events[self._week][0].opened <= now - WEEK:
            self._week += 1
        today = now.astimezone(self.zone).date()
        midnight = datetime.combine(today + timedelta(days=1), time(), self.zone)
        # They hold until the next midnight there (the dates move on) or until the windows
        # move past the oldest opening of the week or of the 30 days.
        until = [midnight.astimezone(UTC)]
        if self._week < len(self._events):
            until.append(self._events[self._week][0].opened + WEEK)
        if self._head < len(self._events):
            until.append(self._events[self._head][0].opened + LIFETIME_WINDOW)
        self.until = min(until)
        release = history.releases[-1] if history.releases else None
        lifetimes = self._lifetimes
        hours = sorted(((-n, hour) for hour, n in self._hours.items() if n))[:USUAL_HOURS]
        value = OpeningFigures(
            week=len(self._events) - self._week,
            lifetime_minutes=_middle(lifetimes),
            quickly_percent=_within(lifetimes, QUICKLY),
            usual_hours=tuple(f"{hour:02d}:00" for _n, hour in hours),
            per_day=tuple(
                (day.isoformat(), self._days[day])
                for day in (today - timedelta(days=back) for back in range(6, -1, -1))
            ),
            last_release=release.at if release else None,
            released=release.slots if release else None,
            total=total,
        )
        if self.value is None or value != self.value:
            self.value = value
        return self.value

    def _read_new(self, history: CentreHistory) -> None:
        new = history.appended - self._read
        self._read = history.appended
        for opening in history.openings[-new:] if new else ():
            if not fits(opening, self.wishes):
                continue
            local = opening.opened.astimezone(self.zone)
            self._events.append((opening, local.date(), local.hour))
            self._hours[local.hour] += 1
            self._days[local.date()] += 1
            self._open.append(opening)

    def _read_ends(self, history: CentreHistory) -> None:
        still = []
        for opening in self._open:
            if (life := opening.lifetime) is not None:
                insort(self._lifetimes, life.total_seconds() / 60)
            elif history.is_open(opening):
                still.append(opening)
        self._open = still

    def _forget_before(self, cutoff: datetime) -> None:
        events = self._events
        while self._head < len(events) and events[self._head][0].opened <= cutoff:
            opening, day, hour = events[self._head]
            self._hours[hour] -= 1
            self._days[day] -= 1
            if opening in self._open:  # its end not seen yet: no lifetime counted
                self._open.remove(opening)
            elif (life := opening.lifetime) is not None:
                del self._lifetimes[bisect_left(self._lifetimes, life.total_seconds() / 60)]
            self._head += 1
        if self._head > len(events) // 2:  # drop what was forgotten, now and then
            del events[: self._head]
            self._week = max(self._week - self._head, 0)
            self._head = 0


def _middle(ordered: list[float]) -> float | None:
    """Return the median of values already in order, without sorting them again."""
    if not ordered:
        return None
    half = len(ordered) // 2
    middle = ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2
    return round(middle, 1)


def _within(ordered: list[float], limit: timedelta) -> float | None:
    """Return the share (percent) of lifetimes in minutes, in order, of `limit` or less."""
    if not ordered:
        return None
    return round(100 * bisect_right(ordered, limit.total_seconds() / 60) / len(ordered), 1)


def _minutes(openings: Iterable[Opening]) -> list[float]:
    return sorted(life.total_seconds() / 60 for o in openings if (life := o.lifetime) is not None)


def summary(openings: list[Opening], zone: tzinfo) -> dict[str, Any]:
    """Say when openings appeared (weekday and hour, centre time) and how long they lasted."""
    by_weekday = dict.fromkeys(WEEKDAYS, 0)
    by_hour = {f"{hour:02d}": 0 for hour in range(24)}
    for opening in openings:
        local = opening.opened.astimezone(zone)
        by_weekday[WEEKDAYS[local.weekday()]] += 1
        by_hour[f"{local.hour:02d}"] += 1
    lifetimes = _minutes(openings)
    return {
        "openings": len(openings),
        "by_weekday": by_weekday,
        "by_hour": by_hour,
        "lifetimes_known": len(lifetimes),
        "median_lifetime_minutes": _middle(lifetimes),
        # Nearest rank: the lifetime that 90 % of openings did not outlast.
        "p90_lifetime_minutes": round(lifetimes[ceil(0.9 * len(lifetimes)) - 1], 1)
        if lifetimes
        else None,
        "gone_within_2_minutes_percent": _within(lifetimes, QUICKLY),
    }


class OpeningsBook:
    """The histories of the watched centres, and each watch's figures: the coordinator's."""

    def __init__(
        self,
        histories: dict[int, CentreHistory],
        watches: Mapping[str, tuple[int, Wishes]],
        totals: Mapping[str, int] | None = None,
    ) -> None:
        """Take the histories and totals read back, and feed the watched centres' histories.

        A centre no longer watched keeps its history until it ages out (watches are often
        added one at a time, or removed and added again), but follows no open slot: when it
        is watched again, its first update counts nothing.
        """
        self._watches = watches
        # Each watch's openings since it was added. Unlike the history, never pruned: its
        # long-term statistic sums it per day, week or month.
        self._totals = {sid: (totals or {}).get(sid, 0) for sid in watches}
        watched = {cid for cid, _wishes in watches.values()}
        for cid in histories.keys() - watched:
            histories[cid].stop_following()
            if not (histories[cid].openings or histories[cid].releases):
                del histories[cid]
        self._histories = histories
        self._observed: dict[int, tuple[Slot, ...]] = {}  # the slots each history last saw
        self._tallies: dict[str, WatchTally] = {}

    @property
    def histories(self) -> Mapping[int, CentreHistory]:
        """The histories, to be read (written to disk, answered by an action)."""
        return MappingProxyType(self._histories)

    @property
    def totals(self) -> Mapping[str, int]:
        """Each watch's openings since it was added, to be written to disk."""
        return MappingProxyType(self._totals)

    def update(self, centres: Mapping[int, CentreSlots], now: datetime) -> bool:
        """Show each watched centre's changed slot list to its history; True if one changed.

        When one changed, every history forgets what is older than it keeps (those no longer
        watched too), before it is written.
        """
        changed = False
        for cid, slots in centres.items():
            if unchanged(self._observed.get(cid), slots.slots):
                continue  # the same slots as last time: nothing opened or went
            self._observed[cid] = slots.slots
            history = self._histories.setdefault(cid, CentreHistory(cid))
            before = history.appended
            changed |= history.observe(slots.first, slots.places, now)
            if new := history.appended - before:
                self._count(cid, history.openings[-new:])
        if changed:
            for history in self._histories.values():
                history.prune(now)
        return changed

    def _count(self, location_id: int, openings: list[Opening]) -> None:
        for sid, (cid, wishes) in self._watches.items():
            if cid == location_id:
                self._totals[sid] += sum(fits(opening, wishes) for opening in openings)

    def figures(self, centres: Mapping[int, Location], now: datetime) -> dict[str, OpeningFigures]:
        """Bring each watch's figures to `now`, once its centre is listed (its time zone)."""
        for sid, (cid, wishes) in self._watches.items():
            history, centre = self._histories.get(cid), centres.get(cid)
            if history is None or centre is None:
                continue
            tally = self._tallies.get(sid)
            if tally is None:
                tally = self._tallies[sid] = WatchTally(wishes, centre.time_zone)
            tally.update(history, now, self._totals[sid])
        return {sid: tally.value for sid, tally in self._tallies.items() if tally.value is not None}

    def until(self) -> datetime | None:
        """When the first of the figures moves with the clock alone (a window, a midnight)."""
        return min((tally.until for tally in self._tallies.values()), default=None)

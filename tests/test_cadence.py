"""The cadence planner: where a centre's daily polls go, from its history. Pure."""

from datetime import UTC, date, datetime, time, timedelta
import random
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from custom_components.nexus.cadence import (
    DAILY_POLLS,
    FASTEST,
    PUBLISHED_RULE,
    SLOWEST,
    CentrePlan,
    plan,
    release_rule,
)
from custom_components.nexus.history import CentreHistory, Opening, Release

TORONTO = ZoneInfo("America/Toronto")
NOW = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # a Friday, noon in Toronto
FIRST_MONDAY = date(2027, 1, 4)


def opening(opened: datetime, n: int) -> Opening:
    start = opened + timedelta(days=10)
    return Opening(
        key=f"5022 {n}",
        start=start,
        end=start + timedelta(minutes=10),
        places=1,
        opened=opened,
        gone=opened + timedelta(minutes=2),
    )


def daytime_history(
    count: int = 300, hours: tuple[int, int] = (8, 20), releases: list[datetime] | None = None
) -> CentreHistory:
    """Openings at random moments of the last 30 days, only between `hours` (Toronto)."""
    rng = random.Random(4)  # noqa: S311 (believable, not secret)
    openings: list[Opening] = []
    while len(openings) < count:
        moment = NOW - timedelta(days=rng.uniform(0, 30))
        if hours[0] <= moment.astimezone(TORONTO).hour < hours[1]:
            openings.append(opening(moment, len(openings)))
    watched_since = opening(NOW - timedelta(days=40), count)  # watched for more than a month
    return CentreHistory(
        5022, [watched_since, *openings], [Release(at, 40) for at in releases or []]
    )


def polls_in(centre: CentrePlan, day: date) -> float:
    """The slot requests the plan makes on a day (centre time), before jitter."""
    return sum((s.end - s.start).total_seconds() / s.interval for s in centre.day(day))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TORONTO).astimezone(UTC)


def test_no_history_is_every_minute() -> None:
    for history in (None, CentreHistory(5022)):
        centre = plan(history, TORONTO, NOW)
        for day in (NOW.date(), FIRST_MONDAY):  # no release window either
            assert {s.interval for s in centre.day(day)} == {60.0}
        assert centre.next_poll(NOW) == NOW + timedelta(seconds=60)
        assert centre.release is None


def test_a_release_window_is_polled_fastest() -> None:
    centre = plan(daytime_history(), TORONTO, NOW)
    # No release recorded: the published rule, the first Monday 08:45-10:00 centre time.
    assert centre.release == PUBLISHED_RULE
    assert centre.interval(at(FIRST_MONDAY, 9, 30)) == FASTEST
    assert centre.interval(at(FIRST_MONDAY, 8, 50)) == FASTEST
    assert centre.interval(at(FIRST_MONDAY, 10, 30)) > FASTEST
    assert centre.interval(at(FIRST_MONDAY + timedelta(days=7), 9, 30)) > FASTEST  # 2nd Monday
    # A slow stretch is not waited out when the window opens within it.
    assert centre.next_poll(at(FIRST_MONDAY, 8, 44)) <= at(FIRST_MONDAY, 8, 45)


def test_a_quiet_hour_is_polled_slowest() -> None:
    centre = plan(daytime_history(), TORONTO, NOW)
    friday = NOW.astimezone(TORONTO).date() + timedelta(days=7)
    night, day = centre.interval(at(friday, 3)), centre.interval(at(friday, 11))
    assert night == SLOWEST  # no opening at 03:00 in 30 days
    assert FASTEST <= day < 60  # the day's hours get what the night does not spend


def test_too_little_history_keeps_the_day_even() -> None:
    friday = NOW.astimezone(TORONTO).date() + timedelta(days=7)
    centre = plan(daytime_history(count=5), TORONTO, NOW)
    assert {s.interval for s in centre.day(friday)} == {60.0}
    # Many openings, but a centre watched for only a few days: its quiet hours may only be
    # hours not watched yet.
    recent = daytime_history()
    recent.openings = [o for o in recent.openings if o.opened > NOW - timedelta(days=5)]
    assert len(recent.openings) >= 20
    centre = plan(recent, TORONTO, NOW)
    assert {s.interval for s in centre.day(friday)} == {60.0}


def test_the_daily_budget_holds_every_day() -> None:
    centre = plan(daytime_history(), TORONTO, NOW)
    # Two weeks (the plan keeps only the days last asked for), with a release window.
    week = [FIRST_MONDAY + timedelta(days=n) for n in range(14)]
    for day in week:
        assert abs(polls_in(centre, day) - DAILY_POLLS) < 0.01
    # A day with a change of clocks is an hour shorter or longer: the budget goes with it.
    assert abs(polls_in(centre, date(2027, 3, 14)) - DAILY_POLLS * 23 / 24) < 0.01


def test_planned_polls_add_up_to_the_budget() -> None:
    """Walk the plan poll by poll over a week: as many requests as polling every minute."""
    centre = plan(daytime_history(), TORONTO, NOW)
    start = at(FIRST_MONDAY, 0)
    moment, polls = start, 0
    while moment < start + timedelta(days=7):
        moment = centre.next_poll(moment)
        polls += 1
    assert abs(polls - 7 * DAILY_POLLS) / (7 * DAILY_POLLS) < 0.01


def test_a_centre_learns_its_own_release_rule() -> None:
    # Three releases on the second Tuesday of a month, between 13:05 and 13:20 centre time.
    releases = [
        at(date(2026, 9, 8), 13, 5),
        at(date(2026, 10, 13), 13, 20),
        at(date(2026, 11, 10), 13, 10),
    ]
    history = daytime_history(releases=releases)
    rule = release_rule(history, TORONTO)
    assert (rule.weekday, rule.nth, rule.learned) == (1, 2, True)
    assert (rule.start, rule.end) == (time(12, 50), time(13, 35))
    centre = plan(history, TORONTO, NOW)
    assert centre.release.next_window(NOW, TORONTO) == (
        at(date(2026, 12, 8), 12, 50),
        at(date(2026, 12, 8), 13, 35),
    )
    assert centre.interval(at(date(2026, 12, 8), 13, 0)) == FASTEST
    assert centre.interval(at(FIRST_MONDAY, 9, 30)) > FASTEST  # the published rule is gone


def test_scattered_releases_leave_the_published_rule() -> None:
    releases = [at(date(2026, 11, d), 6) for d in (3, 12, 20, 23)]  # Tue, Thu, Fri, Mon
    assert release_rule(daytime_history(releases=releases), TORONTO) == PUBLISHED_RULE
    # Blocks published minutes apart on one day are one day's release: no rule yet.
    releases = [at(date(2026, 12, 3), 22, 16), at(date(2026, 12, 3), 22, 31)]
    assert release_rule(daytime_history(releases=releases), TORONTO) == PUBLISHED_RULE
    # The same weekday of the month, but hours apart: no window to watch either.
    releases = [at(date(2026, 10, 6), 6), at(date(2026, 11, 3), 15)]  # first Tuesdays
    assert release_rule(daytime_history(releases=releases), TORONTO) == PUBLISHED_RULE


@settings(max_examples=60, deadline=None)
@given(
    hours=st.lists(st.integers(0, 23), min_size=0, max_size=400),
    days=st.lists(st.floats(0, 29.9), min_size=400, max_size=400),
    releases=st.lists(st.integers(0, 89 * 24 * 60), max_size=6),
    day=st.integers(0, 400),
    zone=st.sampled_from(["America/Toronto", "America/St_Johns", "America/Vancouver"]),
)
def test_limits_hold_for_any_history(
    hours: list[int], days: list[float], releases: list[int], day: int, zone: str
) -> None:
    tz = ZoneInfo(zone)
    openings = []
    for n, (hour, back) in enumerate(zip(hours, days, strict=False)):
        moment = (NOW - timedelta(days=back)).astimezone(tz).replace(hour=hour)
        openings.append(opening(moment.astimezone(UTC), n))
    history = CentreHistory(
        5022, openings, [Release(NOW - timedelta(minutes=m), 40) for m in releases]
    )
    centre = plan(history, tz, NOW)
    when = NOW.date() + timedelta(days=day)
    segments = centre.day(when)
    assert all(FASTEST <= s.interval <= SLOWEST for s in segments)
    length = (segments[-1].end - segments[0].start).total_seconds()
    assert abs(polls_in(centre, when) - DAILY_POLLS * length / 86400) < 0.5
    # Poll by poll through the day: never two polls closer than the fastest interval.
    moment = segments[0].start
    while moment < segments[-1].end:
        following = centre.next_poll(moment)
        assert FASTEST <= (following - moment).total_seconds() <= SLOWEST
        moment = following


def test_a_calendar_lists_a_bounded_number_of_windows() -> None:
    expected = plan(daytime_history(), TORONTO, NOW).expected_release(NOW)
    assert expected is not None
    assert (expected.start, expected.end) == (
        at(date(2026, 12, 7), 8, 45),
        at(date(2026, 12, 7), 10),
    )
    # Asked for ten years: two years of first Mondays, on the centre's clock.
    windows = expected.windows(NOW, NOW + timedelta(days=3650))
    assert len(windows) == 24
    assert windows[1][0] == datetime.combine(FIRST_MONDAY, time(8, 45), TORONTO)
    assert all(start.weekday() == 0 and start.day <= 7 for start, _end in windows)

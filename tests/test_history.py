"""The history of openings, from successive answers: pure, no Home Assistant."""

from collections import Counter
from datetime import UTC, datetime, time, timedelta
import json
import random
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from custom_components.nexus.history import (
    HISTORY_KEPT,
    MAX_OPENINGS,
    RELEASE_MIN_SLOTS,
    CentreHistory,
    Opening,
    Release,
)
from custom_components.nexus.history_figures import (
    OpeningFigures,
    OpeningsBook,
    WatchTally,
    fits,
    summary,
)
from custom_components.nexus.ttp import Slot
from custom_components.nexus.ttp.fields import LIMITS
from custom_components.nexus.watch import CentreSlots, Wishes

TORONTO = ZoneInfo("America/Toronto")
T0 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def slot_at(start: datetime) -> Slot:
    """A ten-minute slot at Fort Erie."""
    return Slot(
        location_id=5022,
        start=start,
        end=start + timedelta(minutes=10),
        active=True,
        duration=10,
        remote=False,
    )


def slot(day: int, hour: int, minute: int = 0) -> Slot:
    return slot_at(datetime(2027, 1, day, hour, minute, tzinfo=TORONTO))


def listing(*slots: Slot) -> dict[str, Slot]:
    return {s.key: s for s in slots}


def one_place(_slot: Slot) -> int:
    return 1


def polls(history: CentreHistory, *answers: dict[str, Slot], start: datetime = T0) -> datetime:
    """Show the answers one poll (a minute) apart; return the time of the last."""
    now = start
    for index, answer in enumerate(answers):
        now = start + index * MINUTE
        history.observe(answer, one_place, now)
    return now


A, B, C = slot(4, 9), slot(4, 10), slot(5, 13, 20)


def test_first_update_counts_nothing() -> None:
    history = CentreHistory(5022)
    polls(history, listing(A, B), listing(A, B))
    assert history.openings == []


def test_an_opening_is_recorded_with_when_it_opened_and_went() -> None:
    history = CentreHistory(5022)
    polls(history, listing(A), listing(A, C), listing(A, C), listing(A))
    (opening,) = history.openings
    assert (opening.key, opening.start, opening.end) == (C.key, C.start, C.end)
    assert opening.opened == T0 + MINUTE
    assert opening.gone == T0 + 3 * MINUTE
    assert opening.lifetime == 2 * MINUTE


def test_a_slot_that_opens_again_is_a_new_opening() -> None:
    history = CentreHistory(5022)
    polls(history, listing(A), listing(A, C), listing(A), listing(A, C))
    first, second = history.openings
    assert first.key == second.key == C.key
    assert first.lifetime == MINUTE
    assert second.opened == T0 + 3 * MINUTE
    assert second.gone is None


def test_a_release_is_one_release_not_openings() -> None:
    history = CentreHistory(5022)
    block = [slot(20, 8, 10 * i) for i in range(RELEASE_MIN_SLOTS)]
    polls(history, listing(A), listing(A, *block), listing(A, *block[1:]), listing(A, C))
    assert history.releases == [Release(T0 + MINUTE, RELEASE_MIN_SLOTS)]
    # The released slots are not openings, nor is one of them being taken; C is.
    assert [o.key for o in history.openings] == [C.key]


def test_fewer_new_slots_than_a_release_are_openings() -> None:
    history = CentreHistory(5022)
    few = [slot(20, 8, 10 * i) for i in range(RELEASE_MIN_SLOTS - 1)]
    polls(history, listing(A), listing(A, *few))
    assert history.releases == []
    assert len(history.openings) == RELEASE_MIN_SLOTS - 1


def test_an_empty_answer_that_comes_back_was_a_glitch() -> None:
    history = CentreHistory(5022)
    polls(history, listing(A), listing(A, C), {}, {}, listing(A, C))
    (opening,) = history.openings
    assert opening.gone is None  # still open: never gone


def test_slots_gone_in_an_empty_answer_went_at_that_answer() -> None:
    history = CentreHistory(5022)
    polls(history, listing(A), listing(A, C), {}, {}, listing(A, B))
    (c, b) = history.openings
    assert c.gone == T0 + 2 * MINUTE  # the first empty answer, not the one that ended it
    assert b.key == B.key
    assert b.opened == T0 + 4 * MINUTE


def test_a_slot_whose_time_came_was_not_taken() -> None:
    history = CentreHistory(5022)
    start = slot(2, 9)
    history.observe(listing(A), one_place, T0)
    history.observe(listing(A, start), one_place, T0 + MINUTE)
    history.observe(listing(A), one_place, start.start.astimezone(UTC) + MINUTE)
    assert history.openings[0].gone is None


def test_history_survives_a_restart() -> None:
    history = CentreHistory(5022)
    now = polls(history, listing(A), listing(A, B), listing(A), listing(A, C))
    data = json.loads(json.dumps(history.as_data()))
    restored, lost = CentreHistory.from_data(5022, data, now)
    assert lost == 0
    assert [(o.key, o.opened, o.gone, o.places) for o in restored.openings] == [
        (o.key, o.opened, o.gone, o.places) for o in history.openings
    ]
    # After the restart: B (opened while stopped) is not counted; C, still open, is followed.
    later = now + 10 * MINUTE
    restored.observe(listing(A, B, C), one_place, later)
    restored.observe(listing(A, B), one_place, later + MINUTE)
    assert len(restored.openings) == 2
    assert restored.openings[-1].key == C.key
    assert restored.openings[-1].gone == later + MINUTE


def test_an_opening_that_went_while_stopped_has_no_known_lifetime() -> None:
    history = CentreHistory(5022)
    now = polls(history, listing(A), listing(A, C))
    restored, _lost = CentreHistory.from_data(5022, history.as_data(), now)
    restored.observe(listing(A), one_place, now + timedelta(hours=2))
    assert restored.openings[0].gone is None
    restored.observe(listing(A, C), one_place, now + timedelta(hours=2, minutes=1))
    assert len(restored.openings) == 2  # it opened again, seen this time


def test_unreadable_rows_are_left_out() -> None:
    good = [C.start.isoformat(), 10, 1, round(T0.timestamp()), round(T0.timestamp()) + 60]
    data = {
        "openings": [
            good,
            ["not a time", 10, 1, 1, None],
            [C.start.isoformat(), 10, 1, round(T0.timestamp()), round(T0.timestamp()) - 60],
            [C.start.replace(tzinfo=None).isoformat(), 10, 1, round(T0.timestamp()), None],
            [C.start.isoformat(), 0, 1, round(T0.timestamp()), None],
            # Beyond the places the client accepts at one time (the limit it is written with).
            [C.start.isoformat(), 10, LIMITS.max_places + 1, round(T0.timestamp()), None],
            [C.start.isoformat(), 10, True, round(T0.timestamp()), None],
            # At the edges of the calendar: no place on the timeline, or none after its end.
            ["9999-12-31T23:59:00-05:00", 10, 1, round(T0.timestamp()), None],
            ["0001-01-01T00:00:00+05:00", 10, 1, round(T0.timestamp()), None],
            "row",
            [1, 2, 3],
        ],
        "releases": [[round(T0.timestamp()), 12], [round(T0.timestamp()), -1], ["x", 3], [1]],
        "open": [C.key, 5, None, "k" * 100_000],
    }
    history, lost = CentreHistory.from_data(5022, data, T0 + MINUTE)
    assert [o.lifetime for o in history.openings] == [MINUTE]
    assert history.releases == [Release(T0, 12)]
    assert history.open_keys == [C.key]
    assert lost == 10 + 3
    for garbage in (None, [], "x", {"openings": "x", "releases": {}, "open": 3}):
        assert CentreHistory.from_data(5022, garbage, T0)[0].openings == []


def test_the_largest_places_written_are_read_back() -> None:
    history = CentreHistory(5022)
    polls(history, listing(A), listing(A, C))
    history.observe(listing(A, C, B), lambda _slot: 10 * LIMITS.max_places, T0 + 10 * MINUTE)
    assert history.openings[-1].places == LIMITS.max_places
    restored, lost = CentreHistory.from_data(5022, history.as_data(), T0 + 11 * MINUTE)
    assert lost == 0
    assert [o.places for o in restored.openings] == [o.places for o in history.openings]


def test_times_after_now_are_read_as_now() -> None:
    """Written while the clock ran a day fast; read after it was set right."""
    ahead = round((T0 + timedelta(days=1)).timestamp())
    data = {
        "openings": [[C.start.isoformat(), 10, 1, ahead, ahead + 60]],
        "releases": [[ahead, 12]],
    }
    history, lost = CentreHistory.from_data(5022, data, T0)
    assert lost == 0
    assert [(o.opened, o.gone, o.lifetime) for o in history.openings] == [(T0, T0, timedelta())]
    assert history.releases == [Release(T0, 12)]
    # Written back as read now, not as it was.
    assert history.as_data()["openings"][0][3:] == [round(T0.timestamp())] * 2


def test_a_clock_set_back_never_makes_a_lifetime_negative() -> None:
    history = CentreHistory(5022)
    polls(history, listing(A), listing(A, C))
    opened = history.openings[0].opened
    history.observe(listing(A), one_place, opened - timedelta(days=1))
    assert history.openings[0].lifetime == timedelta()


def test_a_year_of_openings_stays_bounded() -> None:
    """A busy centre for a year: 40 openings a day, a release every other day."""
    rng = random.Random(15)  # noqa: S311
    history = CentreHistory(5022)
    now = T0
    history.observe({}, one_place, now)
    open_now: dict[str, Slot] = {}
    for day in range(365):
        for _ in range(40):
            now += timedelta(minutes=rng.randint(10, 50))
            start = (now + timedelta(days=rng.randint(1, 60))).astimezone(TORONTO)
            new = slot_at(start.replace(second=0, microsecond=0))
            open_now[new.key] = new
            history.observe(dict(open_now), one_place, now)
            if len(open_now) > 3:  # the oldest is taken
                del open_now[next(iter(open_now))]
        if day % 2:
            block = {}
            for i in range(RELEASE_MIN_SLOTS + 5):
                start = (now + timedelta(days=70)).astimezone(TORONTO)
                start = start.replace(hour=8, minute=0, second=0, microsecond=0)
                start += timedelta(minutes=10 * i)
                block[f"5022@{start.isoformat()}"] = slot_at(start)
            history.observe(open_now | block, one_place, now + MINUTE)
            history.observe(dict(open_now), one_place, now + 2 * MINUTE)
    assert len(history.openings) <= MAX_OPENINGS
    assert all(o.opened >= now - HISTORY_KEPT for o in history.openings)
    assert all(r.at >= now - HISTORY_KEPT for r in history.releases)
    size = len(json.dumps(history.as_data()))
    # The stated bound (README): under 250 KB per watched centre.
    assert size < 250_000, size
    assert len(history.openings) > 2000  # the busy centre does fill it


def opening(opened: datetime, minutes: float | None, start: Slot = C) -> Opening:
    return Opening(
        key=start.key,
        start=start.start,
        end=start.end,
        places=1,
        opened=opened,
        gone=None if minutes is None else opened + timedelta(minutes=minutes),
    )


def test_summary_counts_by_weekday_and_hour_in_centre_time_across_dst() -> None:
    # Toronto falls back on Sunday 2026-11-01 at 02:00 EDT: 01:30 happens twice.
    openings = [
        opening(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), 1),  # 01:30 EDT
        opening(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), 2),  # 01:30 EST
        opening(datetime(2026, 11, 1, 7, 30, tzinfo=UTC), 3),  # 02:30 EST
        opening(datetime(2026, 11, 2, 14, 0, tzinfo=UTC), 30),  # Monday 09:00 EST
        opening(datetime(2026, 10, 31, 13, 0, tzinfo=UTC), 10),  # Saturday 09:00 EDT
        opening(datetime(2026, 11, 3, 4, 59, tzinfo=UTC), None),  # Monday 23:59 EST
    ]
    result = summary(openings, TORONTO)
    assert result["openings"] == 6
    assert result["by_weekday"] == {
        "mon": 2,
        "tue": 0,
        "wed": 0,
        "thu": 0,
        "fri": 0,
        "sat": 1,
        "sun": 3,
    }
    hours = {hour: n for hour, n in result["by_hour"].items() if n}
    assert hours == {"01": 2, "02": 1, "09": 2, "23": 1}
    assert len(result["by_hour"]) == 24
    # Lifetimes known: 1, 2, 3, 10, 30 minutes.
    assert result["lifetimes_known"] == 5
    assert result["median_lifetime_minutes"] == 3
    assert result["p90_lifetime_minutes"] == 30
    assert result["gone_within_2_minutes_percent"] == 40


def test_summary_of_nothing() -> None:
    result = summary([], TORONTO)
    assert result["openings"] == 0
    assert result["median_lifetime_minutes"] is None
    assert result["p90_lifetime_minutes"] is None
    assert result["gone_within_2_minutes_percent"] is None


def reference(history: CentreHistory, wishes: Wishes, now: datetime) -> OpeningFigures:
    """The figures as their definitions say, from the whole history at once."""
    month = [o for o in history.openings if o.opened > now - timedelta(days=30) and fits(o, wishes)]
    week = [o for o in month if o.opened > now - timedelta(days=7)]
    lifetimes = [o.lifetime.total_seconds() / 60 for o in month if o.lifetime is not None]
    hours = Counter(o.opened.astimezone(TORONTO).hour for o in month)
    daily = Counter(o.opened.astimezone(TORONTO).date() for o in month)
    today = now.astimezone(TORONTO).date()
    release = history.releases[-1] if history.releases else None
    return OpeningFigures(
        week=len(week),
        lifetime_minutes=round(median(lifetimes), 1) if lifetimes else None,
        quickly_percent=round(100 * sum(m <= 2 for m in lifetimes) / len(lifetimes), 1)
        if lifetimes
        else None,
        usual_hours=tuple(f"{h:02d}:00" for _n, h in sorted((-n, h) for h, n in hours.items())[:3]),
        per_day=tuple(
            ((today - timedelta(days=b)).isoformat(), daily[today - timedelta(days=b)])
            for b in range(6, -1, -1)
        ),
        last_release=release.at if release else None,
        released=release.slots if release else None,
        total=0,
    )


def test_figures_count_what_fits_the_watch_in_their_windows() -> None:
    now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    morning, afternoon = slot(4, 9), slot(5, 13, 20)
    history = CentreHistory(
        5022,
        [
            opening(now - timedelta(days=1), 1, morning),
            opening(now - timedelta(days=2), 3, morning),
            opening(now - timedelta(days=3), 120, afternoon),  # does not fit: afternoon
            opening(now - timedelta(days=10), 5, morning),  # lifetime counts, week does not
            opening(now - timedelta(days=40), 60, morning),  # outside both windows
            opening(now - timedelta(hours=1), None, morning),  # its end not seen
        ],
        [Release(now - timedelta(days=2), 24)],
    )
    mornings = WatchTally(Wishes(time_until=time(12)), TORONTO)
    value = mornings.update(history, now, 0)
    assert value.week == 3
    assert value.lifetime_minutes == 3  # median of 1, 3, 5
    assert value.last_release == now - timedelta(days=2)
    assert value.released == 24
    # Openings per date, on the centre's calendar.
    assert value.per_day[-3:] == (("2026-11-29", 1), ("2026-11-30", 1), ("2026-12-01", 1))
    assert len(value.per_day) == 7
    assert value.usual_hours[0] == "13:00"
    # Unchanged, the same object; five days on, the opening of 2 days ago has left the week.
    assert mornings.update(history, now + timedelta(hours=5), 0) is value
    five_days_on = now + timedelta(days=5, seconds=1)
    later = mornings.update(history, five_days_on, 0)
    assert later.week == 2
    assert later == reference(history, Wishes(time_until=time(12)), five_days_on)
    every = WatchTally(Wishes(), TORONTO).update(history, now, 0)
    assert every.week == 4
    assert every.lifetime_minutes == 4  # median of 1, 3, 5, 120


@pytest.mark.parametrize("seed", range(3))
def test_figures_kept_change_by_change_equal_their_definition(seed: int) -> None:
    """Weeks of random polls: after each, the kept figures are the computed ones."""
    rng = random.Random(seed)  # noqa: S311
    history = CentreHistory(5022)
    wishes = [Wishes(), Wishes(time_until=time(12)), Wishes(minimum_places=2)]
    tallies = [WatchTally(w, TORONTO) for w in wishes]
    open_now: dict[str, Slot] = {}
    now = T0
    for _ in range(800):
        now += timedelta(minutes=rng.choice([1, 1, 2, 30, 240, 1440]))
        if rng.random() < 0.4 and open_now:
            del open_now[rng.choice(list(open_now))]
        for _new in range(rng.choice([0, 0, 1, 1, 2, RELEASE_MIN_SLOTS])):
            start = (now + timedelta(days=rng.randint(1, 40))).astimezone(TORONTO)
            start = start.replace(hour=rng.randint(8, 15), minute=0, second=0, microsecond=0)
            new = slot_at(start)
            open_now[new.key] = new
        history.observe(dict(open_now), lambda _s: rng.choice([1, 2]), now)
        for tally, wish in zip(tallies, wishes, strict=True):
            assert tally.update(history, now, 0) == reference(history, wish, now)
    assert len(history.openings) > 150


def test_a_centre_no_longer_watched_follows_nothing_and_ages_out() -> None:
    history = CentreHistory(5022)
    now = polls(history, listing(A), listing(A, C))
    history.stop_following()
    assert history.open_keys == []
    # Watched again: its first update counts nothing, even a slot it had not seen.
    history.observe(listing(A, B, C), one_place, now + MINUTE)
    assert [o.key for o in history.openings] == [C.key]
    version = history.version
    history.prune(now + HISTORY_KEPT - MINUTE)
    assert history.version == version  # nothing old enough yet
    history.prune(now + HISTORY_KEPT + MINUTE)
    assert history.openings == []
    assert history.version == version + 1


def answer(*slots: Slot) -> CentreSlots:
    """Fort Erie's open slots as the coordinator hands them over, one place each."""
    return CentreSlots(slots, {s.key: s for s in slots}, {}, 1, {})


def test_each_watch_counts_its_openings_for_good() -> None:
    watches = {
        "mornings": (5022, Wishes(time_until=time(12))),
        "any": (5022, Wishes()),
        "elsewhere": (5020, Wishes()),
    }
    book = OpeningsBook({}, watches, {"any": 7, "gone": 3})
    assert book.totals == {"mornings": 0, "any": 7, "elsewhere": 0}
    book.update({5022: answer(A)}, T0)  # the first update counts nothing
    book.update({5022: answer(A, C)}, T0 + MINUTE)  # C is in the afternoon
    book.update({5022: answer(A, B, C)}, T0 + 2 * MINUTE)
    assert book.totals == {"mornings": 1, "any": 9, "elsewhere": 0}
    # A release is not openings; nor is a slot that goes.
    block = [slot(6, hour) for hour in range(8, 8 + RELEASE_MIN_SLOTS)]
    book.update({5022: answer(A, *block)}, T0 + 3 * MINUTE)
    assert book.totals == {"mornings": 1, "any": 9, "elsewhere": 0}
    # The history forgets after 90 days; the totals do not go down.
    later = T0 + HISTORY_KEPT + timedelta(days=1)
    book.update({5022: answer(A, B, *block)}, later)
    assert book.histories[5022].openings[0].opened == later
    assert book.totals == {"mornings": 2, "any": 10, "elsewhere": 0}

"""Which slots match a watch: dates, weekdays and times on the centre's own wall clock."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st
import pytest

from custom_components.nexus.config_flow import _watch_errors
from custom_components.nexus.ttp import Slot
from custom_components.nexus.watch import (
    Wishes,
    index_open_slots,
    matching,
    slot_matches,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
HALIFAX = ZoneInfo("America/Halifax")
NEW_YORK = ZoneInfo("America/New_York")


def slot(start: datetime, minutes: int = 15) -> Slot:
    end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)
    return Slot(location_id=5020, start=start, end=end, active=True, duration=minutes, remote=False)


def test_no_wishes_match_everything() -> None:
    assert slot_matches(slot(datetime(2027, 1, 2, 23, 45, tzinfo=PACIFIC)), Wishes())


def test_dates_are_inclusive_and_local() -> None:
    wishes = Wishes(earliest=date(2027, 1, 10), latest=date(2027, 1, 20))
    # 16:00 in Blaine on 20 January is already 21 January in UTC: still matches.
    assert slot_matches(slot(datetime(2027, 1, 20, 16, 0, tzinfo=PACIFIC)), wishes)
    assert slot_matches(slot(datetime(2027, 1, 10, 8, 0, tzinfo=PACIFIC)), wishes)
    assert not slot_matches(slot(datetime(2027, 1, 9, 23, 0, tzinfo=PACIFIC)), wishes)
    assert not slot_matches(slot(datetime(2027, 1, 21, 8, 0, tzinfo=PACIFIC)), wishes)


def test_weekdays_on_the_centres_calendar() -> None:
    weekdays_only = Wishes(weekdays=frozenset(range(5)))
    friday_evening = datetime(2027, 1, 8, 17, 0, tzinfo=PACIFIC)  # Saturday in UTC
    assert slot_matches(slot(friday_evening), weekdays_only)
    assert not slot_matches(slot(datetime(2027, 1, 9, 9, 0, tzinfo=PACIFIC)), weekdays_only)


def test_time_window_holds_the_whole_slot() -> None:
    morning = Wishes(time_from=time(9, 0), time_until=time(12, 0))
    assert slot_matches(slot(datetime(2027, 1, 8, 9, 0, tzinfo=HALIFAX)), morning)
    assert slot_matches(slot(datetime(2027, 1, 8, 11, 45, tzinfo=HALIFAX)), morning)
    assert not slot_matches(slot(datetime(2027, 1, 8, 11, 50, tzinfo=HALIFAX)), morning)
    assert not slot_matches(slot(datetime(2027, 1, 8, 8, 59, tzinfo=HALIFAX)), morning)


def test_slot_ending_after_midnight_is_outside_a_window() -> None:
    late = Wishes(time_until=time(23, 59))
    assert not slot_matches(slot(datetime(2027, 1, 8, 23, 50, tzinfo=HALIFAX)), late)


def test_month_end_and_leap_day() -> None:
    wishes = Wishes(earliest=date(2028, 2, 29), latest=date(2028, 3, 1))
    assert slot_matches(slot(datetime(2028, 2, 29, 10, 0, tzinfo=NEW_YORK)), wishes)
    assert slot_matches(slot(datetime(2028, 3, 1, 10, 0, tzinfo=NEW_YORK)), wishes)
    assert not slot_matches(slot(datetime(2028, 2, 28, 10, 0, tzinfo=NEW_YORK)), wishes)


def test_dst_change_day() -> None:
    # 8 March 2026: clocks go forward in New York; a 09:00 slot is 09:00 on the wall.
    morning = Wishes(time_from=time(9, 0), time_until=time(10, 0))
    assert slot_matches(slot(datetime(2026, 3, 8, 9, 0, tzinfo=NEW_YORK)), morning)


def test_matching_slots_future_and_sorted_across_zones() -> None:
    now = datetime(2027, 1, 8, 16, 0, tzinfo=UTC)
    slots = [
        slot(datetime(2027, 1, 9, 9, 0, tzinfo=PACIFIC)),  # 17:00 UTC on the 9th
        slot(datetime(2027, 1, 9, 9, 0, tzinfo=HALIFAX)),  # 13:00 UTC on the 9th
        slot(datetime(2027, 1, 8, 7, 0, tzinfo=PACIFIC)),  # past
    ]
    open_slots, _repeated = index_open_slots(slots, now)
    assert list(matching(open_slots, Wishes()).values()) == [slots[1], slots[0]]


def test_a_time_listed_once_per_open_place_is_one_slot() -> None:
    """The scheduler may list a time once per open place: one slot, and how often it was."""
    now = datetime(2027, 1, 8, 16, 0, tzinfo=UTC)
    nine, ten = (datetime(2027, 1, 11, hour, 0, tzinfo=PACIFIC) for hour in (9, 10))
    first, repeated = index_open_slots([slot(nine), slot(nine), slot(ten), slot(nine)], now)
    assert list(first.values()) == [slot(nine), slot(ten)]
    assert repeated == {slot(nine).key: 3}


def test_wishes_from_subentry_data() -> None:
    wishes = Wishes.from_data(
        {
            "location_id": 5020,
            "earliest_date": "2027-01-01",
            "weekdays": ["mon", "sun"],
            "time_from": "09:30:00",
            "minimum_places": 3,
        }
    )
    assert wishes == Wishes(
        earliest=date(2027, 1, 1),
        weekdays=frozenset({0, 6}),
        time_from=time(9, 30),
        minimum_places=3,
    )
    assert Wishes.from_data({"location_id": 5020}) == Wishes()


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(2030, 12, 31),  # noqa: DTZ001
        timezones=st.just(NEW_YORK),
    ),
    earliest=st.none() | st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    span=st.integers(min_value=0, max_value=400),
    weekdays=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
)
def test_matching_is_what_the_wishes_say(
    start: datetime, earliest: date | None, span: int, weekdays: frozenset[int]
) -> None:
    latest = None if earliest is None else earliest + timedelta(days=span)
    wishes = Wishes(earliest=earliest, latest=latest, weekdays=weekdays)
    expected = (
        (earliest is None or earliest <= start.date())
        and (latest is None or start.date() <= latest)
        and start.weekday() in weekdays
    )
    assert slot_matches(slot(start), wishes) is expected


@pytest.mark.parametrize("minutes", [0, 15, 600])
def test_time_window_property(minutes: int) -> None:
    window = Wishes(time_from=time(8), time_until=time(16))
    start = datetime(2027, 3, 3, 8, tzinfo=PACIFIC)
    assert slot_matches(slot(start, minutes), window) is (minutes <= 480)


@given(
    earliest=st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    latest=st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    weekdays=st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])),
    start=st.none() | st.times(),
    end=st.none() | st.times(),
)
def test_watch_form_errors_are_exactly_the_impossible_wishes(
    earliest: date | None,
    latest: date | None,
    weekdays: list[str],
    start: time | None,
    end: time | None,
) -> None:
    user_input = {
        "location_id": "5020",
        "earliest_date": earliest.isoformat() if earliest else None,
        "latest_date": latest.isoformat() if latest else None,
        "weekdays": weekdays,
        "time_from": start.isoformat() if start else None,
        "time_until": end.isoformat() if end else None,
    }
    errors = _watch_errors({k: v for k, v in user_input.items() if v is not None})
    assert ("latest_date" in errors) is bool(earliest and latest and latest < earliest)
    assert ("weekdays" in errors) is (not weekdays)
    assert ("time_until" in errors) is bool(start and end and end <= start)
    if not errors:
        # What the form accepts, the matcher can read.
        Wishes.from_data({k: v for k, v in user_input.items() if v is not None})

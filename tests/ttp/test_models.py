"""Parsing at the edge: time zones, DST, optional and drifted fields."""

from datetime import UTC, datetime, timedelta
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.nexus.ttp import CapacitySlot, Location, Slot, TTPParseError
from custom_components.nexus.ttp.models import (
    SlotParser,
    parse_capacity,
    parse_locations,
    parse_slots,
)
from tests.conftest import LOCATIONS_FIXTURE, load_json

NEW_YORK = ZoneInfo("America/New_York")


def slot(**changes: Any) -> dict[str, Any]:
    """The real captured slot, with some fields changed."""
    return load_json("slots_soonest_sample.json") | changes


def blaine(**changes: Any) -> dict[str, Any]:
    """The real Blaine record, with some fields changed."""
    record = next(c for c in load_json(LOCATIONS_FIXTURE) if c["id"] == 5020)
    return record | changes


def test_slot_availability_capture_parses_as_slots() -> None:
    """The /slot-availability capture carries the same slot objects as /slots."""
    sample = load_json("slot-availability_sample.json")
    (parsed,) = parse_slots(sample["availableSlots"], ZoneInfo("America/Los_Angeles"))
    assert parsed.location_id == 5446
    assert parsed.start.isoformat() == "2023-12-27T18:15:00-08:00"


def test_dst_gap_does_not_crash_or_lose_the_duration() -> None:
    # 2026-03-08 02:30 does not exist in New York: clocks jump from 02:00 to 03:00.
    parsed = Slot.from_json(
        slot(startTimestamp="2026-03-08T02:30", endTimestamp="2026-03-08T02:40"), NEW_YORK
    )
    assert parsed.start.tzinfo is NEW_YORK
    assert (parsed.start.hour, parsed.start.minute) == (2, 30)
    # Read with the offset in force just before the gap (EST).
    assert parsed.start.utcoffset() == timedelta(hours=-5)
    assert parsed.end.astimezone(UTC) - parsed.start.astimezone(UTC) == timedelta(minutes=10)


def test_dst_fold_reads_the_first_occurrence() -> None:
    # 2026-11-01 01:30 happens twice in New York; the first is still EDT.
    parsed = Slot.from_json(
        slot(startTimestamp="2026-11-01T01:30", endTimestamp="2026-11-01T01:40"), NEW_YORK
    )
    assert parsed.start.utcoffset() == timedelta(hours=-4)
    assert parsed.end - parsed.start == timedelta(minutes=10)


def test_slot_ending_across_the_fold_keeps_its_duration() -> None:
    # Wall clock says 01:55 to 01:05: the end is after the clocks went back.
    parsed = Slot.from_json(
        slot(startTimestamp="2026-11-01T01:55", endTimestamp="2026-11-01T01:05", duration=10),
        NEW_YORK,
    )
    assert parsed.end.astimezone(UTC) - parsed.start.astimezone(UTC) == timedelta(minutes=10)


@pytest.mark.parametrize(
    "end", ["2027-11-01T10:00", "9998-12-31T10:00"], ids=["a year long", "in year 9998"]
)
def test_a_slot_end_beyond_a_day_is_read_from_its_duration(end: str) -> None:
    parsed = Slot.from_json(
        slot(startTimestamp="2026-11-02T10:00", endTimestamp=end, duration=10), NEW_YORK
    )
    assert parsed.end - parsed.start == timedelta(minutes=10)


def test_slot_with_offsets_across_the_fold() -> None:
    # 01:50 EDT to 01:05 EST: the wall clock goes back, the instant goes forward 15 minutes.
    parsed = Slot.from_json(
        slot(startTimestamp="2026-11-01T01:50-04:00", endTimestamp="2026-11-01T01:05-05:00"),
        NEW_YORK,
    )
    assert parsed.end.astimezone(UTC) - parsed.start.astimezone(UTC) == timedelta(minutes=15)


def test_summer_and_winter_offsets() -> None:
    summer = Slot.from_json(slot(startTimestamp="2026-07-01T09:00"), NEW_YORK)
    winter = Slot.from_json(slot(startTimestamp="2026-12-01T09:00"), NEW_YORK)
    assert summer.start.astimezone(UTC).hour == 13
    assert winter.start.astimezone(UTC).hour == 14


def test_timestamp_with_seconds_or_offset() -> None:
    with_seconds = Slot.from_json(slot(startTimestamp="2023-11-28T08:25:00"), NEW_YORK)
    assert with_seconds.start == datetime(2023, 11, 28, 8, 25, tzinfo=NEW_YORK)
    with_offset = Slot.from_json(slot(startTimestamp="2023-11-28T13:25:00+00:00"), NEW_YORK)
    assert with_offset.start == datetime(2023, 11, 28, 8, 25, tzinfo=NEW_YORK)
    assert with_offset.start.tzinfo is NEW_YORK


def test_unknown_fields_are_ignored() -> None:
    parsed = Slot.from_json(slot(newField={"x": 1}), NEW_YORK)
    assert parsed.location_id == 5001


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"locationId": None}, "locationId"),
        ({"locationId": "5001"}, "locationId"),
        ({"locationId": True}, "locationId"),
        ({"startTimestamp": "tomorrow"}, "startTimestamp"),
        ({"startTimestamp": 1700000000}, "startTimestamp"),
        ({"endTimestamp": None}, "endTimestamp"),
        ({"duration": -5}, "duration"),
        ({"duration": 10**12}, "duration"),
        # A day long, ending after the last day datetime can hold.
        (
            {
                "startTimestamp": "9999-12-31T12:00",
                "endTimestamp": "9999-12-31T11:00",
                "duration": 1440,
            },
            "duration",
        ),
        ({"active": "yes"}, "active"),
    ],
)
def test_drifted_slot_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(TTPParseError) as caught:
        Slot.from_json(
            slot(**changes) | {"endTimestamp": changes.get("endTimestamp", "2023-11-28T08:20")},
            NEW_YORK,
        )
    assert caught.value.field == field
    assert field in str(caught.value)


def test_missing_slot_field() -> None:
    record = slot()
    del record["startTimestamp"]
    with pytest.raises(TTPParseError, match="startTimestamp"):
        Slot.from_json(record, NEW_YORK)


def test_optional_slot_fields() -> None:
    record = slot()
    for key in ("active", "duration", "remoteInd"):
        del record[key]
    parsed = Slot.from_json(record, NEW_YORK)
    assert parsed.active
    assert not parsed.remote
    assert parsed.duration == 0


def test_location_optional_fields_absent_or_null() -> None:
    record = blaine(shortName=None, postalCode=None, mapFileName=None)
    for key in ("address", "addressAdditional", "state", "locationType", "operational"):
        del record[key]
    parsed = Location.from_json(record)
    assert parsed.short_name == ""
    assert parsed.map_file_name is None
    assert parsed.operational
    assert parsed.place == "Blaine, US"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "5020"}, "id"),
        ({"tzData": "Mars/Olympus_Mons"}, "tzData"),
        ({"tzData": "../../etc/passwd"}, "tzData"),
        ({"services": None}, "services"),
        ({"services": [{"id": 2}]}, "name"),
        ({"services": ["NEXUS"]}, "services[]"),
        ({"countryCode": 1}, "countryCode"),
        ({"operational": "true"}, "operational"),
        ({"name": "   "}, "name"),  # would be shown as an empty label
    ],
)
def test_drifted_location_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(TTPParseError) as caught:
        Location.from_json(blaine(**changes))
    assert caught.value.field == field


def test_capacity_rows() -> None:
    rows = parse_capacity(load_json("location-window-slots_sample.json"), NEW_YORK)
    assert rows[0] == CapacitySlot(
        start=datetime(2023, 2, 5, 8, 30, tzinfo=NEW_YORK),
        end=datetime(2023, 2, 5, 8, 45, tzinfo=NEW_YORK),
        available=2,
        total=2,
        pending=0,
        conflicts=0,
        duration=15,
        remote=False,
    )


def test_capacity_taken_never_negative() -> None:
    row = load_json("location-window-slots_sample.json")[0] | {"active": 5, "total": 2}
    assert parse_capacity([row], NEW_YORK)[0].taken == 0


def test_capacity_missing_count() -> None:
    row = load_json("location-window-slots_sample.json")[0]
    del row["total"]
    with pytest.raises(TTPParseError, match="total"):
        parse_capacity([row], NEW_YORK)


@pytest.mark.parametrize("data", [None, {}, "[]", 5])
def test_top_level_must_be_a_list(data: object) -> None:
    with pytest.raises(TTPParseError):
        parse_locations(data)
    with pytest.raises(TTPParseError):
        parse_slots(data, NEW_YORK)


def test_list_of_non_objects() -> None:
    with pytest.raises(TTPParseError, match="expected an object"):
        parse_slots([1, 2], NEW_YORK)


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59", "0001-01-01T00:00+14:00"])
def test_timestamp_off_the_timeline(stamp: str) -> None:
    with pytest.raises(TTPParseError, match="startTimestamp"):
        Slot.from_json(slot(startTimestamp=stamp), NEW_YORK)


def test_parser_parses_each_unchanged_slot_once() -> None:
    """A slot equal to one of the previous answer is the same object; a changed one is new."""
    parser = SlotParser(NEW_YORK)
    first = [slot(), slot(startTimestamp="2023-11-28T08:40", endTimestamp="2023-11-28T08:50")]
    kept, later = parser.parse(first)
    # Decoded afresh, as the next poll is: equal, not identical.
    again = parser.parse(json.loads(json.dumps(first)))
    assert again[0] is kept
    assert again[1] is later

    moved = parser.parse([first[0] | {"endTimestamp": "2023-11-28T08:45"}])
    assert moved[0] is not kept
    assert moved[0].end == datetime(2023, 11, 28, 8, 45, tzinfo=NEW_YORK)
    assert moved[0].key == kept.key == "5001@2023-11-28T08:25:00-05:00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"duration": "10"}, "duration"), ({"startTimestamp": None}, "startTimestamp")],
)
def test_parser_checks_a_changed_slot(changes: dict[str, Any], field: str) -> None:
    """A slot that was valid and comes back malformed is a parse error, not the old slot."""
    parser = SlotParser(NEW_YORK)
    parser.parse([slot()])
    with pytest.raises(TTPParseError, match=field):
        parser.parse([slot(**changes)])

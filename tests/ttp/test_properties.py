"""Whatever JSON the scheduler sends either parses or raises the client's parse error."""

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from custom_components.nexus.ttp import TTPParseError
from custom_components.nexus.ttp.models import parse_capacity, parse_locations, parse_slots
from tests.conftest import LOCATIONS_FIXTURE, load_json

ZONE = ZoneInfo("America/Toronto")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["2026-03-08T02:30", "9999-12-31T23:59", "0001-01-01T00:00+14:00", "UTC"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)

REAL_RECORDS: list[tuple[Any, Any]] = [
    (parse_locations, load_json(LOCATIONS_FIXTURE)[19]),
    (lambda data: parse_slots(data, ZONE), load_json("slots_soonest_sample.json")),
    (
        lambda data: parse_capacity(data, ZONE),
        load_json("location-window-slots_sample.json")[0],
    ),
]


def parses_or_raises_parse_error(parse: Any, data: object) -> None:
    try:
        result = parse(data)
    except TTPParseError:
        return
    assert isinstance(result, tuple)
    for item in result:
        for moment in (getattr(item, "start", None), getattr(item, "end", None)):
            assert moment is None or moment.tzinfo is not None
            if moment is not None:
                moment.astimezone(UTC)


@settings(max_examples=300, deadline=None)
@given(data=json_values)
def test_any_json_value(data: object) -> None:
    for parse, _record in REAL_RECORDS:
        parses_or_raises_parse_error(parse, data)


@settings(max_examples=300, deadline=None)
@given(
    which=st.integers(min_value=0, max_value=len(REAL_RECORDS) - 1),
    key_choice=st.integers(min_value=0, max_value=50),
    value=json_values,
    drop=st.booleans(),
)
def test_real_record_with_one_field_changed(
    which: int, key_choice: int, value: object, drop: bool
) -> None:
    parse, record = REAL_RECORDS[which]
    changed = dict(record)
    key = sorted(changed)[key_choice % len(changed)]
    if drop:
        del changed[key]
    else:
        changed[key] = value
    parses_or_raises_parse_error(parse, [changed])

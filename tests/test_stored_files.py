"""Whatever a stored file holds, reading it gives bounded, valid values, never an exception.

Hypothesis draws arbitrary JSON and arbitrary-but-plausible rows (times at the edges of the
calendar and of the clock, numbers at and past every limit) for each of the three files, as
tests/ttp/test_hostile.py does for the scheduler's answers. Component tests of the same files
through setup are in tests/components/test_stored_files.py.
"""

from datetime import UTC, date, datetime, timedelta, timezone
import json
from typing import Any

from hypothesis import given, settings, strategies as st

from custom_components.nexus.const import MAX_KNOWN_CENTRES, SLOT_LIMIT
from custom_components.nexus.history import MAX_OPENINGS, MAX_RELEASES, CentreHistory
from custom_components.nexus.stored import (
    MAX_CENTRES_KEPT,
    MAX_TOTAL,
    read_centres,
    read_histories,
    read_seen,
    read_totals,
)
from custom_components.nexus.ttp.fields import LIMITS, is_text
from tests.strategies import huge_integers, json_of

NOW = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
TODAY = NOW.date()
WATCHES = ("watch_a", "watch_b")

nasty_text = st.one_of(
    st.text(st.characters(categories=["Cs", "Cc", "Lu", "Nd", "Zs"]), max_size=20),
    st.sampled_from(["", " ", "x" * (LIMITS.text + 1), "Halifax (Goffs, NS)", "a\x00b", "\ud83d"]),
)
nasty_int = huge_integers(0, 1, -1, LIMITS.max_places, LIMITS.max_places + 1, 10**11, 2**63)
_leaves, json_values = json_of(nasty_text, nasty_int)
centre_keys = st.one_of(
    st.integers(min_value=-5, max_value=LIMITS.max_id + 5).map(str),
    st.sampled_from(["5020", "00005022", "99999999999", "x", "", "5.0"]),
)
# Moments around now, far from it and at the edges of what a timestamp can hold.
epoch_seconds = st.one_of(
    st.integers(
        min_value=round((NOW - timedelta(days=120)).timestamp()),
        max_value=round((NOW + timedelta(days=60)).timestamp()),
    ),
    st.sampled_from([0, 1, 10**11 - 1, 10**11, -1, True]),
    st.none(),
)
wall_times = st.one_of(
    # Hypothesis takes naive bounds and makes the times aware itself.
    st.datetimes(
        min_value=datetime(1, 1, 2),  # noqa: DTZ001
        max_value=datetime(9999, 12, 30),  # noqa: DTZ001
        timezones=st.just(UTC),
    ).map(datetime.isoformat),
    st.sampled_from(
        [
            "9999-12-31T23:59:00-05:00",
            "0001-01-01T00:00:00+05:00",
            "2026-12-10T09:00:00",  # no offset
            "2026-12-10T09:00:00-08:00",
            "2026-13-45T25:61",
        ]
    ),
    st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001
        max_value=datetime(2028, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-8))]),
    ).map(datetime.isoformat),
)
opening_rows = st.one_of(
    st.tuples(
        wall_times,
        st.one_of(nasty_int, st.integers(0, 2000)),
        st.one_of(nasty_int, st.integers(0, 200)),
        epoch_seconds,
        epoch_seconds,
    ).map(list),
    json_values,
)
histories = st.fixed_dictionaries(
    {},
    optional={
        "openings": st.lists(opening_rows, max_size=12) | json_values,
        "releases": st.lists(st.tuples(epoch_seconds, nasty_int).map(list), max_size=5),
        "open": st.lists(nasty_text | json_values, max_size=5) | json_values,
    },
)
files_of_centres = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "canadian": st.dictionaries(centre_keys, nasty_text | json_values, max_size=8),
            "listed_on": st.dictionaries(
                centre_keys,
                st.one_of(
                    st.dates().map(date.isoformat),
                    st.sampled_from(["9999-12-31", "0001-01-01", "not a date"]),
                    json_values,
                ),
                max_size=8,
            ),
            "interviewing": st.dictionaries(centre_keys, json_values, max_size=8),
        },
    ),
)
files_of_seen = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "watches": st.dictionaries(
                st.sampled_from([*WATCHES, "gone"]),
                st.lists(nasty_text | json_values, max_size=6) | json_values,
            ),
            "totals": st.dictionaries(st.sampled_from([*WATCHES, "gone"]), json_values)
            | json_values,
        }
    ),
)
files_of_openings = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "centres": st.dictionaries(centre_keys, histories | json_values, max_size=4),
        }
    ),
)


@settings(max_examples=300, deadline=None)
@given(files_of_centres)
def test_any_centres_file_reads_as_bounded_values(data: Any) -> None:
    read, lost = read_centres(data, TODAY)
    known, listed_on, interviewing = read.canadian, read.listed_on, read.interviewing
    assert lost >= 0
    assert len(known) <= MAX_KNOWN_CENTRES
    assert len(interviewing) <= MAX_CENTRES_KEPT
    for cid, label in known.items():
        assert 0 < cid <= LIMITS.max_id
        assert is_text(label)
    assert listed_on.keys() <= known.keys()
    assert all(date.fromisoformat(day) <= TODAY for day in listed_on.values())
    assert all(type(value) is bool for value in interviewing.values())


@settings(max_examples=300, deadline=None)
@given(files_of_seen)
def test_any_seen_file_reads_as_bounded_values(data: Any) -> None:
    seen, lost = read_seen(data, WATCHES)
    assert lost >= 0
    assert seen.keys() <= set(WATCHES)
    for keys in seen.values():
        assert len(keys) <= SLOT_LIMIT
        assert all(isinstance(key, str) and len(key) <= LIMITS.text for key in keys)
    totals, lost_totals = read_totals(data, WATCHES)
    assert lost_totals >= 0
    assert totals.keys() <= set(WATCHES)
    assert all(type(n) is int and 0 <= n <= MAX_TOTAL for n in totals.values())


@settings(max_examples=300, deadline=None)
@given(files_of_openings)
def test_any_openings_file_reads_as_bounded_values(data: Any) -> None:
    read, lost = read_histories(data, NOW, {5020})
    assert lost >= 0
    assert len(read) <= MAX_CENTRES_KEPT
    for cid, history in read.items():
        assert 0 < cid <= LIMITS.max_id
        assert len(history.openings) <= MAX_OPENINGS
        assert len(history.releases) <= MAX_RELEASES
        assert len(history.open_keys) <= MAX_OPENINGS
        for opening in history.openings:
            assert 0 < opening.places <= LIMITS.max_places
            assert opening.opened <= NOW
            assert opening.gone is None or opening.opened <= opening.gone <= NOW
            assert opening.lifetime is None or opening.lifetime >= timedelta()
            minutes = (opening.end - opening.start).total_seconds() / 60
            assert 0 < minutes <= LIMITS.max_minutes
            opening.start.astimezone(UTC)  # on the timeline
        assert all(r.at <= NOW and 0 < r.slots <= LIMITS.max_places for r in history.releases)
        # What is read is written back as it will be read again: nothing more is lost.
        again, unread = CentreHistory.from_data(cid, json.loads(json.dumps(history.as_data())), NOW)
        assert unread == 0
        assert [o.row() for o in again.openings] == [o.row() for o in history.openings]

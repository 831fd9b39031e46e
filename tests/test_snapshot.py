"""The pure snapshot builder: what is told, what is kept, what is handed on unchanged."""

from collections.abc import Mapping, Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.nexus.centres import CentreStatus, centre_labels
from custom_components.nexus.snapshot import Answers, CapacityView, NexusData, build
from custom_components.nexus.ttp import CapacitySlot, Location, Slot
from custom_components.nexus.ttp.models import parse_locations
from custom_components.nexus.watch import Wishes

from .conftest import LOCATIONS_FIXTURE, load_json

TORONTO_ZONE = ZoneInfo("America/Toronto")
FORT_ERIE = 5022
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
CENTRES: dict[int, Location] = {
    c.id: c for c in parse_locations(load_json(LOCATIONS_FIXTURE)) if c.offers("NEXUS")
}
WATCHES = {"w": (FORT_ERIE, Wishes())}


def answers(
    found: tuple[Slot, ...] | None,
    *,
    centres: Mapping[int, Location] = CENTRES,
    capacity: Mapping[int, CapacityView] | None = None,
    interviewing: Mapping[int, bool] | None = None,
) -> Answers:
    """The scheduler's answers at NOW: Fort Erie's slots (None: not asked, as when unlisted)."""
    return Answers(
        now=NOW,
        centres=centres,
        slots={} if found is None else {(FORT_ERIE, 1): found},
        capacity=capacity or {},
        labels=centre_labels(centres.values()),
        interviewing=interviewing or {},
    )


def at(stamp: str) -> Slot:
    """A 10-minute Fort Erie slot starting at a wall-clock time (fold=0)."""
    start = datetime.fromisoformat(stamp).replace(tzinfo=TORONTO_ZONE)
    end = (start.astimezone(UTC) + timedelta(minutes=10)).astimezone(TORONTO_ZONE)
    return Slot(location_id=FORT_ERIE, start=start, end=end, active=True, duration=10, remote=False)


A, B, C = at("2026-11-10T09:00"), at("2026-11-10T09:10"), at("2026-11-11T13:30")
# 01:30 on 7 November 2027 happens twice in Toronto; the scheduler's wall clock reads the first.
FOLD = at("2027-11-07T01:30")


@dataclass
class Run:
    """Successive answers for Fort Erie, and the openings each update tells."""

    polls: list[tuple[Slot, ...]]
    told: list[list[Slot]]
    seen: Mapping[str, AbstractSet[str]] | None = None  # stored from an earlier run


def run(case: Run) -> tuple[list[list[Slot]], NexusData]:
    previous: NexusData | None = None
    seen: Mapping[str, AbstractSet[str]] = case.seen or {}
    told: list[list[Slot]] = []
    for found in case.polls:
        previous, seen = build(previous, answers(found), WATCHES, seen, {})
        told.append(list(previous.watches["w"].opened))
    assert previous is not None
    return told, previous


CASES = {
    "first update tells nothing": Run(polls=[(A, B)], told=[[]]),
    "a new slot is told once": Run(polls=[(A,), (A, B), (A, B)], told=[[], [B], []]),
    "several in one update": Run(polls=[(A,), (A, B, C)], told=[[], [B, C]]),
    "taken and reopened is told again": Run(
        polls=[(A,), (A, B), (A,), (A, B)], told=[[], [B], [], [B]]
    ),
    "an empty answer keeps the seen set": Run(
        polls=[(A,), (A, B), (), (A, B)], told=[[], [B], [], []]
    ),
    "an empty answer is no opening either": Run(polls=[(A,), (), (A, C)], told=[[], [], [C]]),
    "what was stored is not told again": Run(
        polls=[(A, B, C)], told=[[C]], seen={"w": {A.key, B.key}}
    ),
    "a slot in a DST fold is told once": Run(
        polls=[(A,), (A, FOLD), (A, FOLD)], told=[[], [FOLD], []]
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_openings(case: Run) -> None:
    told, _last = run(case)
    assert told == case.told


def test_fold_slot_keeps_its_first_occurrence() -> None:
    _told, last = run(Run(polls=[(FOLD,)], told=[[]]))
    (slot,) = last.watches["w"].matching
    assert slot.start.utcoffset() == timedelta(hours=-4)  # EDT, before the clocks go back
    assert slot.end - slot.start == timedelta(minutes=10)


def test_equal_answers_give_an_equal_snapshot_and_hand_on_the_watch() -> None:
    first, seen = build(None, answers((A, B)), WATCHES, {}, {})
    # The same values in new objects, as a new decode of the same answer gives.
    again = answers((at(A.start.isoformat()[:16]), B), centres=dict(CENTRES))
    second, seen_again = build(first, again, WATCHES, seen, {})
    assert second == first
    assert second.watches["w"] is first.watches["w"]
    assert seen_again == seen


def test_a_centre_not_listed_shows_no_slot_and_keeps_the_seen_set() -> None:
    first, seen = build(None, answers((A,)), WATCHES, {}, {})
    unlisted = {cid: c for cid, c in CENTRES.items() if cid != FORT_ERIE}
    second, seen_after = build(first, answers(None, centres=unlisted), WATCHES, seen, {})
    watch = second.watches["w"]
    assert watch.location is None
    assert watch.matching == ()
    assert watch.backlog.days_to_soonest is None
    assert seen_after == seen


def test_backlog_from_the_soonest_slot_and_the_capacity_view() -> None:
    rows = tuple(
        CapacitySlot(
            start=s.start,
            end=s.end,
            available=available,
            total=4,
            pending=0,
            conflicts=0,
            duration=10,
            remote=False,
        )
        for s, available in ((A, 1), (B, 0), (C, 3))
    )
    capacity = {FORT_ERIE: CapacityView.of(FORT_ERIE, rows)}
    data, _seen = build(None, answers((A, C), capacity=capacity), WATCHES, {}, {})
    watch = data.watches["w"]
    # 9:00 EST on 10 November is 14:00 UTC, 8 days and 2 hours after noon UTC on the 2nd.
    assert watch.backlog.days_to_soonest == 8.1
    assert watch.backlog.open_places_30d == 4
    assert watch.backlog.taken_percent_30d == round(100 * 8 / 12, 1)
    assert watch.places(C) == 3
    assert watch.places(A) == 1


def test_status_and_label_of_the_watched_centre() -> None:
    unread, _seen = build(None, answers((A,)), WATCHES, {}, {5031: "Halifax (Goffs, NS)"})
    assert unread.watches["w"].status is None  # not read yet: unknown, not closed
    assert unread.watches["w"].label == "Buffalo-Ft. Erie (Fort Erie, ON)"
    assert unread.status == {5022: None, 5031: None}

    read, _seen = build(
        unread,
        answers((A,), interviewing={FORT_ERIE: True, 5031: False}),
        WATCHES,
        {},
        {5031: "Halifax (Goffs, NS)"},
    )
    assert read.watches["w"].status is CentreStatus.INTERVIEWING
    assert read.canadian(CentreStatus.NOT_INTERVIEWING) == ("Halifax (Goffs, NS)",)
    assert read.canadian(CentreStatus.INTERVIEWING) == ()  # Fort Erie was never remembered

    gone = {cid: c for cid, c in CENTRES.items() if cid != 5031}
    after, _seen = build(
        read, answers((A,), centres=gone), WATCHES, {}, {5031: "Halifax (Goffs, NS)"}
    )
    assert after.canadian(CentreStatus.NOT_LISTED) == ("Halifax (Goffs, NS)",)

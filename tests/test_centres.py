"""Centre labels people recognise, and what counts as interviewing: on the real capture."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
import re

import pytest

from custom_components.nexus.centres import (
    CentreStatus,
    KnownCentres,
    centre_label,
    centre_labels,
    is_event,
    next_reads,
    notice,
    publishes_times,
    statuses,
)
from custom_components.nexus.ttp import CapacitySlot, Location
from custom_components.nexus.ttp.models import parse_locations

from .conftest import LOCATIONS_FIXTURE, load_json

ALL = parse_locations(load_json(LOCATIONS_FIXTURE))
NEXUS = [c for c in ALL if c.offers("NEXUS")]
BY_ID = {c.id: c for c in ALL}
GENERIC = {"nexus", "fast", "and", "enrollment", "center", "ec"}


def test_labels_are_unique_in_the_whole_list() -> None:
    labels = centre_labels(ALL)
    assert len(set(labels.values())) == len(ALL) == 133
    nexus = centre_labels(NEXUS)
    assert len(set(nexus.values())) == len(NEXUS) == 26


@pytest.mark.parametrize("centre", NEXUS, ids=[str(c.id) for c in NEXUS])
def test_each_label_keeps_what_distinguishes_the_centre(centre: Location) -> None:
    label = centre_labels(NEXUS)[centre.id]
    # Every word of the name that is not one every centre repeats (case and punctuation
    # aside), and the centre's state.
    for word in re.findall(r"[A-Za-z]+", centre.name):
        if word.casefold() not in GENERIC and word != centre.state:
            assert word.casefold() in label.casefold(), (word, label)
    assert label.endswith((f"{centre.state})", f", {centre.state}"))


@pytest.mark.parametrize(
    ("location_id", "label"),
    [
        (5031, "Halifax (Goffs, NS)"),
        (5027, "Toronto (Mississauga, ON)"),
        (5026, "Vancouver (Richmond, BC)"),
        (5041, "Vancouver Urban (Vancouver, BC)"),
        (5022, "Buffalo-Ft. Erie (Fort Erie, ON)"),
        (5520, "Lansdowne, ON"),
        (5028, "Montreal, QC"),
        (5025, "Ottawa International Airport (Ottawa, ON)"),
        (5020, "Blaine, WA"),
        (5080, "Sault Ste. Marie, MI"),
        (5101, "Houlton POE/Woodstock (Houlton, ME)"),
    ],
)
def test_labels_people_recognise(location_id: int, label: str) -> None:
    assert centre_label(BY_ID[location_id]) == label


def test_two_centres_with_one_label_are_told_apart() -> None:
    blaine = BY_ID[5020]
    twin = replace(blaine, id=9999)
    labels = centre_labels([blaine, twin])
    assert labels == {5020: "Blaine, WA #5020", 9999: "Blaine, WA #9999"}


def test_a_name_with_its_own_brackets_gets_no_second_pair() -> None:
    lansdowne = replace(BY_ID[5520], name="Lansdowne (Thousand Islands Bridge)")
    assert centre_label(lansdowne) == "Lansdowne (Thousand Islands Bridge), ON"
    # Where the name does not hold the town, the place follows in full.
    bridge = replace(BY_ID[5520], name="Thousand Islands (Hill Island)")
    assert centre_label(bridge) == "Thousand Islands (Hill Island), Lansdowne, ON"
    assert centre_label(BY_ID[9040]) == "Singapore (Singapore, U.S. Embassy)"


def test_an_enrolment_event_is_told_from_a_centre() -> None:
    events = {c.id for c in ALL if is_event(c)}
    assert events == {16482, 16485, 16502}  # Grand Forks, Billings, Detroit: by their names
    assert is_event(replace(BY_ID[5020], temporary=True))


def row(total: int, available: int = 0) -> CapacitySlot:
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    return CapacitySlot(
        start=start,
        end=start + timedelta(minutes=15),
        available=available,
        total=total,
        pending=0,
        conflicts=0,
        duration=15,
        remote=False,
    )


def test_a_fully_booked_centre_interviews_a_closed_one_does_not() -> None:
    assert publishes_times([row(total=3, available=0)])
    assert not publishes_times([])
    assert not publishes_times([row(total=0)])


def test_statuses() -> None:
    listed = {5022: BY_ID[5022], 5027: BY_ID[5027], 5031: BY_ID[5031]}
    result = statuses(listed, {5022: True, 5027: False}, [5022, 5027, 5031, 5025])
    assert result == {
        5022: CentreStatus.INTERVIEWING,
        5027: CentreStatus.NOT_INTERVIEWING,
        5031: None,  # not read yet: unknown, not closed
        5025: CentreStatus.NOT_LISTED,
    }


def test_reads_after_a_burst_are_spread_over_the_interval() -> None:
    now = 86_400.0  # monotonic seconds
    due = next_reads([5031, 5022, 5027], now, timedelta(hours=6).total_seconds())
    assert sorted(due.values()) == [now + h * 3600 for h in (6, 8, 10)]


def test_notice_from_the_scheduler() -> None:
    fort_erie = notice(BY_ID[5022])
    assert fort_erie is not None
    assert fort_erie.startswith("**OPEN with new two-step interview process")
    assert len(fort_erie) <= 300
    assert "\n" not in fort_erie
    toronto = notice(BY_ID[5027])
    assert toronto is not None
    assert "closed until further notice" in toronto
    assert notice(None) is None
    assert notice(replace(BY_ID[5022], notes="  Closed\n today. ")) == "Closed today."
    assert notice(replace(BY_ID[5022], notes=" \n ")) is None


def test_centres_not_listed_for_a_year_are_forgotten() -> None:
    day = date(2026, 1, 1)
    known = KnownCentres().listed({5031: "Halifax (Goffs, NS)"}, {5031}, day)
    known = known.read({5031: False})
    known = known.listed(
        {5022: "Buffalo-Ft. Erie (Fort Erie, ON)"}, {5022}, day + timedelta(days=364)
    )
    assert set(known.canadian) == {5022, 5031}
    known = known.listed(
        {5022: "Buffalo-Ft. Erie (Fort Erie, ON)"}, {5022}, day + timedelta(days=366)
    )
    assert set(known.canadian) == {5022}
    assert known.interviewing == {}

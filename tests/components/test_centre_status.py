"""Canadian centres open means interviewing: read from published times, on the 2023 capture."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.nexus.const import DOMAIN
from simulator import Scenario, load_scenario
from simulator.scenario import CentreSlots
from tests.conftest import RunningSimulator

from .conftest import BLAINE, CYCLE, FORT_ERIE, TORONTO, advance, watch

CANADIAN_OPEN = "binary_sensor.nexus_canadian_enrolment_centres_open"
COUNT = "sensor.nexus_canadian_centres_open"
LANSDOWNE = 5520
HALIFAX = 5031
# The capture of 2 March 2023: all eleven Canadian NEXUS centres listed as operational.
CANADIAN = {
    5022: "Buffalo-Ft. Erie (Fort Erie, ON)",
    5025: "Ottawa International Airport (Ottawa, ON)",
    5026: "Vancouver (Richmond, BC)",
    5027: "Toronto (Mississauga, ON)",
    5028: "Montreal, QC",
    5029: "Winnipeg, MB",
    5030: "Calgary, AB",
    5031: "Halifax (Goffs, NS)",
    5032: "Edmonton, AB",
    5041: "Vancouver Urban (Vancouver, BC)",
    5520: "Lansdowne, ON",
}
SLOTS = CentreSlots(open_slots=3, days=(5, 80), hours=(9, 15), duration=15, capacity=2)


@pytest.fixture
def publishing() -> set[int]:
    """The centres that publish interview times: in March 2023, Fort Erie and Lansdowne."""
    return {FORT_ERIE, LANSDOWNE}


@pytest.fixture
def scenario(publishing: set[int]) -> Scenario:
    """The real capture; only the `publishing` centres and the US ones have times."""
    demo = load_scenario("demo")
    us = {int(c["id"]) for c in demo.locations if c["countryCode"] == "US"}
    return replace(demo, centres=dict.fromkeys(us | publishing, SLOTS), timeline=[])


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """No watch: the program's state alone."""
    return []


def names(state: Any, key: str) -> list[str]:
    return list(state.attributes[key])


async def test_only_the_centres_publishing_times_are_open(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    state = hass.states.get(CANADIAN_OPEN)
    assert state.state == "on"
    assert names(state, "interviewing") == [CANADIAN[FORT_ERIE], CANADIAN[LANSDOWNE]]
    closed = sorted(label for cid, label in CANADIAN.items() if cid not in {FORT_ERIE, LANSDOWNE})
    assert names(state, "not_interviewing") == closed
    assert names(state, "not_listed") == []
    assert hass.states.get(COUNT).state == "2"


@pytest.mark.parametrize("publishing", [set()])
async def test_listed_but_none_publishing_is_closed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: RunningSimulator
) -> None:
    state = hass.states.get(CANADIAN_OPEN)
    assert state.state == "off"
    assert names(state, "interviewing") == []
    assert len(names(state, "not_interviewing")) == 11
    assert hass.states.get(COUNT).state == "0"
    # Each Canadian centre was read over 90 days, in two windows since none had times.
    assert simulator.state.counts["capacity"] == 22


async def test_a_centre_that_starts_publishing_opens_after_its_next_read(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: RunningSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.state.reopen(HALIFAX)
    reads = simulator.state.counts["capacity"]
    # Read no more than once every 6 hours: five hours on, nothing was asked again.
    for _ in range(5):
        await advance(hass, freezer, timedelta(hours=1))
    assert simulator.state.counts["capacity"] == reads
    assert CANADIAN[HALIFAX] not in names(hass.states.get(CANADIAN_OPEN), "interviewing")

    # The second reads are spread over the next six hours, not made at once: one centre at a
    # time, each read once (two requests where the first 30 days hold no time).
    gaps: list[int] = []
    for _ in range(13):
        before = simulator.state.counts["capacity"]
        await advance(hass, freezer, timedelta(minutes=30))
        gaps.append(simulator.state.counts["capacity"] - before)
    assert max(gaps) <= 2
    assert sum(gaps) == 8 * 2 + 3
    state = hass.states.get(CANADIAN_OPEN)
    assert CANADIAN[HALIFAX] in names(state, "interviewing")
    assert hass.states.get(COUNT).state == "3"


async def test_a_failed_read_keeps_the_last_status(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: RunningSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    before = hass.states.get(CANADIAN_OPEN)
    simulator.state.set_fault("capacity", "status", {"status": 500})
    for _ in range(14):
        await advance(hass, freezer, timedelta(hours=1))
    after = hass.states.get(CANADIAN_OPEN)
    assert after.state == "on"
    assert after.attributes == before.attributes
    # Read again 30 minutes after a failure, not at every poll.
    failed = simulator.state.counts["capacity"]
    await advance(hass, freezer, timedelta(minutes=10))
    assert simulator.state.counts["capacity"] == failed


async def test_a_refused_read_backs_off_on_its_own(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: RunningSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.state.set_fault("capacity", "status", {"status": 429, "retry_after": 3600})
    config_entry.add_to_hass(hass)
    # Status reads refused at start cost the statuses only: the entry sets up.
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(CANADIAN_OPEN)
    assert state.state == "unknown"
    refused = simulator.state.counts["capacity"]
    assert refused == 11
    await advance(hass, freezer, timedelta(minutes=50))
    assert simulator.state.counts["capacity"] == refused  # waits the hour asked
    simulator.state.clear_faults()
    await advance(hass, freezer, timedelta(minutes=11))
    state = hass.states.get(CANADIAN_OPEN)
    assert state.state == "on"
    assert names(state, "interviewing") == [CANADIAN[FORT_ERIE], CANADIAN[LANSDOWNE]]


async def test_statuses_and_the_centres_seen_survive_a_restart(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: RunningSimulator,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await advance(hass, freezer, timedelta(seconds=5))
    stored = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.centres"]["data"]
    assert stored["interviewing"][str(FORT_ERIE)] is True
    assert stored["interviewing"][str(HALIFAX)] is False
    assert await hass.config_entries.async_unload(config_entry.entry_id)

    # Restarted while the capacity view fails and Ottawa airport is no longer listed.
    simulator.state.set_fault("capacity", "status", {"status": 500})
    simulator.state.unlisted.add(5025)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(CANADIAN_OPEN)
    assert state.state == "on"
    assert names(state, "interviewing") == [CANADIAN[FORT_ERIE], CANADIAN[LANSDOWNE]]
    assert names(state, "not_listed") == [CANADIAN[5025]]
    assert CANADIAN[5025] not in names(state, "not_interviewing")


@pytest.mark.parametrize(
    "subentries",
    [
        [
            watch("Buffalo-Ft. Erie (Fort Erie, ON)", FORT_ERIE, "watch_fort_erie"),
            watch("Toronto (Mississauga, ON)", TORONTO, "watch_toronto"),
            watch("Blaine, WA", BLAINE, "watch_blaine"),
        ]
    ],
)
async def test_each_watch_shows_its_centre_status_and_notice(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: RunningSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    fort_erie = hass.states.get("sensor.buffalo_ft_erie_fort_erie_on_centre_status")
    assert fort_erie.state == "interviewing"
    assert fort_erie.attributes["notice"].startswith("**OPEN with new two-step interview")
    toronto = hass.states.get("sensor.toronto_mississauga_on_centre_status")
    assert toronto.state == "not_interviewing"
    assert "closed until further notice" in toronto.attributes["notice"]
    assert hass.states.get("sensor.blaine_wa_centre_status").state == "interviewing"
    # The watched centres' hourly capacity view serves the status: the 30 days ahead of
    # Fort Erie and Blaine, and Toronto's 90 days in two windows.
    assert hass.states.get(CANADIAN_OPEN).state == "on"

    simulator.state.unlisted.add(TORONTO)
    await advance(hass, freezer, timedelta(hours=6))
    await advance(hass, freezer, CYCLE)
    toronto = hass.states.get("sensor.toronto_mississauga_on_centre_status")
    assert toronto.state == "not_listed"
    assert toronto.attributes["notice"] is None

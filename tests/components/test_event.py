"""Openings are announced once each: no duplicates, no losses, across outages and restarts."""

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.nexus.const import DOMAIN
from tests.conftest import RunningSimulator

from .conftest import BLAINE, CYCLE, Openings as Told, advance, closed_time, open_slot, watch

EVENT_ENTITY = "event.blaine_wa_us_slot_opened"
SEEN_KEY = f"{DOMAIN}.nexus_entry.seen"


@pytest.fixture
def subentries() -> list[Any]:
    return [watch("Blaine, WA, US", BLAINE, "watch_blaine")]


def aware(simulator: RunningSimulator, moment: datetime, location_id: int = BLAINE) -> str:
    return moment.replace(tzinfo=simulator.state.zone(location_id)).isoformat()


async def test_first_refresh_of_a_new_watch_announces_nothing(
    hass: HomeAssistant, simulator: RunningSimulator, config_entry: MockConfigEntry
) -> None:
    told = Told(hass)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert int(hass.states.get("sensor.blaine_wa_us_matching_slots_open").state) == 25
    assert told.starts() == []
    assert hass.states.get(EVENT_ENTITY).state == "unknown"


async def test_an_opening_is_told_once_with_its_details(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    told = Told(hass)
    moment = open_slot(simulator, places=2)

    await advance(hass, freezer, CYCLE)
    await advance(hass, freezer, CYCLE)
    await advance(hass, freezer, CYCLE)

    assert told.starts() == [aware(simulator, moment)]
    attributes = told.events[0]
    assert attributes["centre"] == "Blaine, WA"
    assert attributes["centre_location"] == "Blaine, WA, US"
    assert attributes["local_time"] == moment.strftime("%Y-%m-%d %H:%M")
    assert attributes["time_zone"] == "America/Los_Angeles"
    assert attributes["places"] >= 1
    assert attributes["end"] == aware(simulator, moment + timedelta(minutes=10))
    assert attributes["scheduler_url"].startswith("https://ttp.cbp.dhs.gov")
    # The event entity belongs to the watch, so an automation knows which watch told.
    entry = er.async_get(hass).async_get(EVENT_ENTITY)
    assert entry is not None
    assert entry.config_subentry_id == "watch_blaine"


async def test_several_openings_in_one_cycle_are_told_in_one_alert(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    told = Told(hass)
    moments = [closed_time(simulator, skip=n) for n in (0, 5, 9)]
    for moment in moments:
        simulator.state.set_time(BLAINE, moment, 1)

    await advance(hass, freezer, CYCLE)

    assert told.starts() == [aware(simulator, m) for m in moments]
    (alert,) = told.events
    assert alert["count"] == 3
    assert alert["start"] == aware(simulator, moments[0])  # the soonest, in full


async def test_no_repeat_across_a_failed_refresh(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    told = Told(hass)
    moment = open_slot(simulator)
    await advance(hass, freezer, CYCLE)

    simulator.state.set_fault("slots", "status", {"status": 500})
    await advance(hass, freezer, CYCLE)
    assert hass.states.get(EVENT_ENTITY).state == STATE_UNAVAILABLE
    simulator.state.clear_faults()
    await advance(hass, freezer, CYCLE)

    assert told.starts() == [aware(simulator, moment)]


async def test_a_slot_opening_during_an_outage_is_told_after_it(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    told = Told(hass)
    simulator.state.set_fault("*", "disconnect")
    await advance(hass, freezer, CYCLE)
    moment = open_slot(simulator)
    await advance(hass, freezer, CYCLE)
    simulator.state.clear_faults()
    await advance(hass, freezer, CYCLE)

    assert told.starts() == [aware(simulator, moment)]


async def test_taken_and_reopened_is_told_again(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    told = Told(hass)
    moment = open_slot(simulator)
    await advance(hass, freezer, CYCLE)
    simulator.state.set_time(BLAINE, moment, 0)
    await advance(hass, freezer, CYCLE)
    simulator.state.set_time(BLAINE, moment, 1)
    await advance(hass, freezer, CYCLE)

    assert told.starts() == [aware(simulator, moment)] * 2


async def test_restart_keeps_the_seen_set(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    told = Told(hass)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    opened_before = open_slot(simulator)
    await advance(hass, freezer, CYCLE)
    assert told.starts() == [aware(simulator, opened_before)]
    await advance(hass, freezer, timedelta(seconds=2))
    stored = hass_storage[SEEN_KEY]["data"]["watches"]["watch_blaine"]
    assert f"{BLAINE}@{aware(simulator, opened_before)}" in stored
    assert len(stored) == 26

    # Home Assistant stops; meanwhile one more slot opens; it starts again.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    opened_while_down = open_slot(simulator, skip=3)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await advance(hass, freezer, CYCLE)

    assert told.starts() == [aware(simulator, opened_before), aware(simulator, opened_while_down)]


async def test_seen_set_drops_past_and_taken_slots(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    await advance(hass, freezer, CYCLE)
    await advance(hass, freezer, timedelta(seconds=2))
    first = hass_storage[SEEN_KEY]["data"]["watches"]["watch_blaine"]
    soonest = min(first, key=lambda key: datetime.fromisoformat(key.split("@")[1]))

    await advance(hass, freezer, timedelta(days=3, hours=2))
    await advance(hass, freezer, timedelta(seconds=2))
    later = hass_storage[SEEN_KEY]["data"]["watches"]["watch_blaine"]
    assert soonest not in later
    assert len(later) < len(first)


async def test_reconfigure_tells_only_newly_matching_slots(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    told = Told(hass)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_subentry(
        config_entry,
        config_entry.subentries["watch_blaine"],
        data=dict(config_entry.subentries["watch_blaine"].data) | {"weekdays": ["mon", "tue"]},
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    before = int(hass.states.get("sensor.blaine_wa_us_matching_slots_open").state)
    assert told.starts() == []

    result = await config_entry.start_subentry_reconfigure_flow(hass, "watch_blaine")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "location_id": str(BLAINE),
            "weekdays": ["mon", "tue", "wed", "thu", "fri"],
            "minimum_places": 1,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    await hass.async_block_till_done()

    after = int(hass.states.get("sensor.blaine_wa_us_matching_slots_open").state)
    assert after > before
    starts = told.starts()
    assert len(starts) == after - before
    assert all(datetime.fromisoformat(s).weekday() in (2, 3, 4) for s in starts)


async def test_slot_opened_entity_is_not_told_twice_when_added_again(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    told = Told(hass)
    moment = open_slot(simulator)
    await advance(hass, freezer, CYCLE)
    assert len(told) == 1
    # Updates that change the watch without opening anything tell nothing: a slot open from
    # the start is taken, then a poll with nothing new.
    now = simulator.state.local_now(BLAINE)
    rows = simulator.state.schedules[BLAINE]
    other = next(m for m, row in sorted(rows.items()) if row.available and m > now and m != moment)
    simulator.state.set_time(BLAINE, other, 0)
    await advance(hass, freezer, CYCLE)
    await advance(hass, freezer, CYCLE)
    assert len(told) == 1
    # Removed and added again, as an entity id change does: still told once.
    renamed = Told(hass, "event.blaine_openings")
    er.async_get(hass).async_update_entity(EVENT_ENTITY, new_entity_id="event.blaine_openings")
    await hass.async_block_till_done()
    assert hass.states.get("event.blaine_openings") is not None
    assert len(told) + len(renamed) == 1

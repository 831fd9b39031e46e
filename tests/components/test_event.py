"""Openings are announced once each: no duplicates, no losses, across outages and restarts."""

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.nexus.const import DOMAIN, EVENT_SLOT_OPENED
from tests.conftest import RunningSimulator

from .conftest import BLAINE, CYCLE, advance, closed_time, watch

EVENT_ENTITY = "event.blaine_wa_us_slot_opened"
SEEN_KEY = f"{DOMAIN}.nexus_entry.seen"


@pytest.fixture
def subentries() -> list[Any]:
    return [watch("Blaine, WA, US", BLAINE, "watch_blaine")]


class Told:
    """Every slot_opened the event entity recorded and every bus event, in order."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.entity: list[dict[str, Any]] = []
        self.bus = async_capture_events(hass, EVENT_SLOT_OPENED)

        @callback
        def changed(event: Event[Any]) -> None:
            # As an automation sees it: coming back from unavailable restores the last
            # event, which is not a new one.
            old, new = event.data["old_state"], event.data["new_state"]
            if old is None or new is None or STATE_UNAVAILABLE in (old.state, new.state):
                return
            if new.attributes.get("event_type") == "slot_opened":
                self.entity.append(dict(new.attributes))

        async_track_state_change_event(hass, EVENT_ENTITY, changed)

    def starts(self) -> list[str]:
        assert [e["start"] for e in self.entity] == [e.data["start"] for e in self.bus]
        return [e["start"] for e in self.entity]


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
    moment = closed_time(simulator)
    simulator.state.set_time(BLAINE, moment, 2)

    await advance(hass, freezer, CYCLE)
    await advance(hass, freezer, CYCLE)
    await advance(hass, freezer, CYCLE)

    assert told.starts() == [aware(simulator, moment)]
    attributes = told.entity[0]
    assert attributes["centre"] == "Blaine NEXUS And FAST Enrollment Center"
    assert attributes["centre_location"] == "Blaine, WA, US"
    assert attributes["local_time"] == moment.strftime("%Y-%m-%d %H:%M")
    assert attributes["time_zone"] == "America/Los_Angeles"
    assert attributes["places"] >= 1
    assert attributes["end"] == aware(simulator, moment + timedelta(minutes=10))
    assert attributes["scheduler_url"].startswith("https://ttp.cbp.dhs.gov")
    assert told.bus[0].data["subentry_id"] == "watch_blaine"


async def test_several_openings_in_one_cycle_are_each_told(
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


async def test_no_repeat_across_a_failed_refresh(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    told = Told(hass)
    moment = closed_time(simulator)
    simulator.state.set_time(BLAINE, moment, 1)
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
    moment = closed_time(simulator)
    simulator.state.set_time(BLAINE, moment, 1)
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
    moment = closed_time(simulator)
    simulator.state.set_time(BLAINE, moment, 1)
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
    opened_before = closed_time(simulator)
    simulator.state.set_time(BLAINE, opened_before, 1)
    await advance(hass, freezer, CYCLE)
    assert told.starts() == [aware(simulator, opened_before)]
    await advance(hass, freezer, timedelta(seconds=2))
    stored = hass_storage[SEEN_KEY]["data"]["watches"]["watch_blaine"]
    assert f"{BLAINE}@{aware(simulator, opened_before)}" in stored
    assert len(stored) == 26

    # Home Assistant stops; meanwhile one more slot opens; it starts again.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    opened_while_down = closed_time(simulator, skip=3)
    simulator.state.set_time(BLAINE, opened_while_down, 1)
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
    simulator.state.set_time(BLAINE, closed_time(simulator), 1)
    await advance(hass, freezer, CYCLE)
    coordinator = loaded_entry.runtime_data
    entity = next(
        e for e in hass.data["entity_components"]["event"].entities if e.entity_id == EVENT_ENTITY
    )
    entity._tell_openings()
    assert len(told.entity) == 1
    assert coordinator.told["watch_blaine"] == coordinator.data.generation

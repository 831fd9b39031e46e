"""Entity states, as a user sees them on a dashboard."""

from datetime import UTC, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from tests.conftest import RunningSimulator

from .conftest import BLAINE, CYCLE, advance
from .entity_snapshot import snapshot_entities


@pytest.mark.parametrize(
    "platform", [Platform.SENSOR, Platform.BINARY_SENSOR, Platform.CALENDAR, Platform.EVENT]
)
async def test_entities(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    config_entry.add_to_hass(hass)
    with patch("custom_components.nexus.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_entities(hass, entity_registry, snapshot, config_entry.entry_id)


WATCH_ENTITIES = (
    "sensor.blaine_wa_us_next_matching_slot",
    "sensor.blaine_wa_us_matching_slots_open",
    "binary_sensor.blaine_wa_us_matching_slot_available",
    "calendar.blaine_wa_us_open_slots",
    "binary_sensor.nexus_canadian_enrolment_centres_open",
)


async def test_unchanged_update_writes_no_state(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: RunningSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An update that changes nothing shown leaves the states alone; a change is written."""
    before = {entity_id: hass.states.get(entity_id) for entity_id in WATCH_ENTITIES}
    # Home Assistant moves last_reported (in place) whenever a state is written again unchanged.
    reported = {entity_id: state.last_reported for entity_id, state in before.items()}
    await advance(hass, freezer, CYCLE)
    for entity_id, state in before.items():
        assert hass.states.get(entity_id) == state
        assert hass.states.get(entity_id).last_reported == reported[entity_id], entity_id

    soonest = simulator.state.open_times(BLAINE)[0][0]
    simulator.state.set_time(BLAINE, soonest, 0)
    await advance(hass, freezer, CYCLE)
    assert hass.states.get("sensor.blaine_wa_us_next_matching_slot").state != (
        before["sensor.blaine_wa_us_next_matching_slot"].state
    )
    assert hass.states.get("sensor.blaine_wa_us_matching_slots_open").state == str(
        int(before["sensor.blaine_wa_us_matching_slots_open"].state) - 1
    )


async def test_a_started_slot_is_no_longer_next_even_if_still_listed(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: RunningSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The scheduler may list a slot that has started; it is not the next slot any more."""
    blaine = ZoneInfo("America/Los_Angeles")
    soonest, second = (
        m.replace(tzinfo=blaine) for m, _row in simulator.state.open_times(BLAINE)[:2]
    )
    next_slot = "sensor.blaine_wa_us_next_matching_slot"
    assert hass.states.get(next_slot).state == soonest.astimezone(UTC).isoformat()

    later = soonest - dt_util.utcnow() + timedelta(minutes=1)
    # The stand-in's clock stays behind: it answers the same, byte for byte.
    simulator.state.advance(-later.total_seconds())
    await advance(hass, freezer, later)

    assert hass.states.get(next_slot).state == second.astimezone(UTC).isoformat()

"""What the recorder keeps of the integration's states: the history without repetition."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from tests.conftest import RunningSimulator

from .conftest import BLAINE, CYCLE, closed_time

NEXT_SLOT = "sensor.blaine_wa_us_next_matching_slot"
OPENED = "event.blaine_wa_us_slot_opened"
CALENDAR = "calendar.blaine_wa_us_open_slots"


async def test_history_keeps_what_changed_not_what_follows(
    simulator: RunningSimulator,  # first: it freezes time before the recorder starts
    recorder_mock: Recorder,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An opening and a taken soonest slot are recorded without the attributes that follow."""
    start = dt_util.utcnow()
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    soonest, opening = simulator.state.open_times(BLAINE)[0][0], closed_time(simulator)
    simulator.state.set_time(BLAINE, soonest, 0)
    simulator.state.set_time(BLAINE, opening, 2)
    # The recorder's own timers do not run on frozen time: refresh directly.
    freezer.tick(CYCLE)
    await config_entry.runtime_data.async_refresh()
    await async_wait_recording_done(hass)

    # The live states keep every attribute.
    assert {"end", "local_time", "time_zone"} <= set(hass.states.get(NEXT_SLOT).attributes)
    assert "centre" in hass.states.get(OPENED).attributes
    assert "location" in hass.states.get(CALENDAR).attributes

    history = await hass.async_add_executor_job(
        get_significant_states,
        hass,
        start - timedelta(seconds=1),
        None,
        [NEXT_SLOT, OPENED, CALENDAR],
        None,
        True,  # include start time state
        False,  # significant changes only
    )
    next_slots = history[NEXT_SLOT]
    assert len(next_slots) == 2  # the first soonest, then the next one when it was taken
    assert set(next_slots[-1].attributes) == {"places", "device_class", "friendly_name"}
    (opening,) = [s for s in history[OPENED] if s.state != "unknown"]
    assert set(opening.attributes) == {
        "event_type",
        "start",
        "centre_id",
        "places",
        "alert",
        "count",
        "friendly_name",
    }
    assert opening.attributes["start"] == hass.states.get(OPENED).attributes["start"]
    assert set(history[CALENDAR][-1].attributes) == {"all_day", "friendly_name"}

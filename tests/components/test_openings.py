"""The history of openings, from real polls: the watch's figures, a restart, the action."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.nexus.const import DOMAIN, OPENINGS_SAVE_DELAY, SEEN_SAVE_DELAY
from custom_components.nexus.history import RELEASE_MIN_SLOTS
from tests.conftest import RunningSimulator

from .conftest import (
    BLAINE,
    CYCLE,
    FORT_ERIE,
    TORONTO,
    advance,
    closed_times,
    open_slot,
    set_up,
    stored,
    subentry_device,
    watch,
)

WEEK = "sensor.blaine_wa_us_openings_in_the_last_7_days"
LIFETIME = "sensor.blaine_wa_us_typical_opening_lifetime"
RELEASE = "sensor.blaine_wa_us_last_release"
MORNINGS_WEEK = "sensor.blaine_mornings_openings_in_the_last_7_days"
STORE_KEY = f"{DOMAIN}.nexus_entry.openings"
SEEN_KEY = f"{DOMAIN}.nexus_entry.seen"


@pytest.fixture
def subentries() -> list[Any]:
    return [
        watch("Blaine, WA, US", BLAINE, "watch_blaine"),
        # The same centre, early mornings for two: what opens in the afternoon is not its.
        watch("Blaine mornings", BLAINE, "watch_mornings", time_until="08:30:00", minimum_places=2),
        watch("Fort Erie, ON, CA", FORT_ERIE, "watch_fort_erie"),
    ]


def afternoon(simulator: RunningSimulator, skip: int = 0) -> datetime:
    """A closed afternoon time at Blaine, to open."""
    return [m for m in closed_times(simulator) if m.hour >= 13][skip]


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


async def test_openings_and_their_lifetimes_are_recorded_from_polls(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The slots open at the first update opened at an unknown time: not counted.
    assert state(hass, WEEK) == "0"
    assert state(hass, LIFETIME) == "unknown"
    assert state(hass, RELEASE) == "unknown"

    moment = afternoon(simulator)
    simulator.state.set_time(BLAINE, moment, 1)
    await advance(hass, freezer, CYCLE)
    assert state(hass, WEEK) == "1"
    assert state(hass, LIFETIME) == "unknown"  # still open

    await advance(hass, freezer, CYCLE)
    simulator.state.set_time(BLAINE, moment, 0)  # taken
    await advance(hass, freezer, CYCLE)
    assert state(hass, WEEK) == "1"
    # Open at two polls, gone at the third: two polls apart, to the polling cadence.
    assert float(state(hass, LIFETIME)) == pytest.approx(2 * CYCLE.total_seconds() / 60, abs=0.1)
    # The early-morning watch of the same centre counts only what fits it.
    assert state(hass, MORNINGS_WEEK) == "0"

    # It opens again: a new opening.
    simulator.state.set_time(BLAINE, moment, 1)
    await advance(hass, freezer, CYCLE)
    assert state(hass, WEEK) == "2"
    attributes = hass.states.get(WEEK).attributes
    # Both were seen around 09:10 in Blaine (17:10 UTC), on the same date there.
    assert attributes["usual_hours"] == ["09:00"]
    assert list(attributes["per_day"].values()) == [0, 0, 0, 0, 0, 0, 2]
    assert list(attributes["per_day"])[-1] == "2026-11-30"


async def test_a_release_is_recorded_once(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    for skip in range(RELEASE_MIN_SLOTS + 3):
        open_slot(simulator, skip)
    await advance(hass, freezer, CYCLE)

    released = hass.states.get(RELEASE)
    assert released is not None
    assert released.state != "unknown"
    assert released.attributes["slots_released"] == RELEASE_MIN_SLOTS + 3
    assert state(hass, WEEK) == "0"


async def test_history_survives_a_restart_and_is_written_off_the_polling_path(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    await advance(hass, freezer, timedelta(seconds=OPENINGS_SAVE_DELAY + 1))
    written = hass_storage[STORE_KEY]["data"]
    moment = open_slot(simulator)
    await advance(hass, freezer, CYCLE)
    assert state(hass, WEEK) == "1"
    # The poll that saw it did not write; the file is written a while after.
    assert hass_storage[STORE_KEY]["data"] == written
    freezer.tick(timedelta(seconds=OPENINGS_SAVE_DELAY + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    rows = hass_storage[STORE_KEY]["data"]["centres"][str(BLAINE)]["openings"]
    assert len(rows) == 1
    assert rows[0][0].startswith(moment.strftime("%Y-%m-%dT%H:%M"))

    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, WEEK) == "1"


async def test_removing_the_integration_deletes_its_history(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    await advance(hass, freezer, timedelta(seconds=OPENINGS_SAVE_DELAY + 1))
    assert STORE_KEY in hass_storage
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert STORE_KEY not in hass_storage
    assert f"{DOMAIN}.{loaded_entry.entry_id}.seen" not in hass_storage


def stored_history(opened: datetime) -> dict[str, Any]:
    """A stored history of one opening, as the integration writes it."""
    start = "2027-01-11T09:00:00-05:00"
    stamp = round(opened.timestamp())
    return {"openings": [[start, 10, 1, stamp, stamp + 60]], "releases": [], "open": []}


@pytest.mark.parametrize("subentries", [[watch("Blaine, WA, US", BLAINE, "watch_blaine")]])
async def test_a_centre_not_watched_now_keeps_its_history_until_it_ages_out(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    now = datetime.now(UTC)
    centres = {
        # Fort Erie was watched last week (its watch removed, to be added again).
        str(FORT_ERIE): stored_history(now - timedelta(days=7)),
        # Toronto was watched long ago: its last opening is older than 90 days.
        str(TORONTO): stored_history(now - timedelta(days=91)),
    }
    hass_storage[STORE_KEY] = stored(STORE_KEY, {"centres": centres})
    await set_up(hass, config_entry)
    await advance(hass, freezer, timedelta(seconds=OPENINGS_SAVE_DELAY + 1))

    centres = hass_storage[STORE_KEY]["data"]["centres"]
    assert len(centres[str(FORT_ERIE)]["openings"]) == 1
    assert str(TORONTO) not in centres
    assert str(BLAINE) in centres


async def get_openings(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "get_openings", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def test_get_openings_of_a_watch_and_of_a_centre(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    moment = afternoon(simulator)
    simulator.state.set_time(BLAINE, moment, 1)
    await advance(hass, freezer, CYCLE)
    simulator.state.set_time(BLAINE, moment, 0)
    await advance(hass, freezer, CYCLE)

    centre = await get_openings(hass, centre_id=BLAINE)
    assert centre["centre"] == "Blaine, WA"
    assert centre["time_zone"] == "America/Los_Angeles"
    (opening,) = centre["openings"]
    assert opening["start"].startswith(moment.strftime("%Y-%m-%dT%H:%M"))
    assert opening["places"] >= 1
    assert opening["lifetime_minutes"] == round(CYCLE.total_seconds() / 60, 1)
    summary = centre["summary"]
    assert summary["openings"] == 1
    assert summary["median_lifetime_minutes"] == opening["lifetime_minutes"]
    assert summary["gone_within_2_minutes_percent"] == 0
    assert sum(summary["by_hour"].values()) == sum(summary["by_weekday"].values()) == 1
    assert centre["releases"] == []

    mornings = subentry_device(device_registry, loaded_entry, "watch_mornings")
    assert (await get_openings(hass, watch=mornings))["openings"] == []
    everything = subentry_device(device_registry, loaded_entry, "watch_blaine")
    assert len((await get_openings(hass, watch=everything))["openings"]) == 1
    # A date range of when openings were seen, on the centre's calendar.
    seen_on = (
        datetime.fromisoformat(opening["opened"]).astimezone(simulator.state.zone(BLAINE)).date()
    )
    after = seen_on + timedelta(days=1)
    assert (await get_openings(hass, centre_id=BLAINE, start_date=after))["openings"] == []
    assert len((await get_openings(hass, centre_id=BLAINE, end_date=seen_on))["openings"]) == 1
    # A watched centre with nothing seen yet has an empty history.
    assert (await get_openings(hass, centre_id=FORT_ERIE))["summary"]["openings"] == 0


NEXT_SLOT = "sensor.blaine_wa_us_next_matching_slot"


async def _an_opening_a_week_ago(
    hass: HomeAssistant, simulator: RunningSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Record one opening at Blaine, taken again; move to just before it leaves the 7 days.

    Nothing else the scheduler answers changes from then on.
    """
    moment = afternoon(simulator)
    simulator.state.set_time(BLAINE, moment, 1)
    await advance(hass, freezer, CYCLE)
    simulator.state.set_time(BLAINE, moment, 0)
    await advance(hass, freezer, CYCLE)
    assert state(hass, WEEK) == "1"
    await advance(hass, freezer, timedelta(days=7) - 2 * CYCLE)
    assert state(hass, WEEK) == "1"


async def test_an_opening_leaving_the_7_days_is_shown_within_one_poll(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _an_opening_a_week_ago(hass, simulator, freezer)
    shown = hass.states.get(NEXT_SLOT)
    await advance(hass, freezer, CYCLE)  # the 7 days move past the opening: a clock change
    assert state(hass, WEEK) == "0"
    assert list(hass.states.get(WEEK).attributes["per_day"].values()) == [0] * 7
    # What the scheduler answered did not change: only the clock moved the figure.
    assert hass.states.get(NEXT_SLOT) == shown


async def test_without_polling_the_figures_still_move_with_the_clock(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _an_opening_a_week_ago(hass, simulator, freezer)
    # Polling off, as for a user who drives updates from an automation: none comes.
    hass.config_entries.async_update_entry(loaded_entry, pref_disable_polling=True)
    await hass.async_block_till_done()
    before = sum(simulator.state.counts.values())
    await advance(hass, freezer, CYCLE)
    assert state(hass, WEEK) == "0"
    assert sum(simulator.state.counts.values()) == before  # not a single request

    # At Blaine's midnight the dates of `per_day` move on, again with no poll.
    zone = ZoneInfo("America/Los_Angeles")
    local = datetime.now(UTC).astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
    await advance(hass, freezer, midnight - local + timedelta(seconds=1))
    per_day = hass.states.get(WEEK).attributes["per_day"]
    assert list(per_day)[-1] == (local.date() + timedelta(days=1)).isoformat()
    assert sum(simulator.state.counts.values()) == before


@pytest.mark.parametrize("subentries", [[watch("Blaine, WA, US", BLAINE, "watch_blaine")]])
async def test_the_history_file_of_an_earlier_release_moves_to_the_entry(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    legacy = f"{DOMAIN}.openings"  # one file for all entries, as earlier releases kept it
    opened = datetime.now(UTC) - timedelta(days=2)
    hass_storage[legacy] = stored(legacy, {"centres": {str(BLAINE): stored_history(opened)}})
    await set_up(hass, config_entry)

    assert state(hass, WEEK) == "1"  # the opening of two days ago, read from the old file
    assert legacy not in hass_storage
    rows = hass_storage[STORE_KEY]["data"]["centres"][str(BLAINE)]["openings"]
    assert rows == stored_history(opened)["openings"]
    # A second entry (or a restart) finds no old file, and its own history stands.
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, WEEK) == "1"


async def test_a_figure_that_moves_during_an_outage_is_right_after_it(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _an_opening_a_week_ago(hass, simulator, freezer)
    simulator.state.set_fault("slots", "status", {"status": 500})
    await advance(hass, freezer, CYCLE - timedelta(seconds=10))  # fails before the 7 days end
    await advance(hass, freezer, CYCLE)  # the opening leaves the 7 days meanwhile
    assert state(hass, WEEK) == STATE_UNAVAILABLE  # not a stale count shown as current
    simulator.state.clear_faults()
    await advance(hass, freezer, CYCLE)
    assert state(hass, WEEK) == "0"


async def test_openings_counted_go_on_across_a_restart(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    counted = "sensor.blaine_wa_us_openings_counted"
    mornings = "sensor.blaine_mornings_openings_counted"
    found = hass.states.get(counted)
    assert found is not None
    assert found.state == "0"
    assert found.attributes["state_class"] == "total_increasing"
    simulator.state.set_time(BLAINE, afternoon(simulator), 1)
    await advance(hass, freezer, CYCLE)
    simulator.state.set_time(BLAINE, afternoon(simulator), 1)
    await advance(hass, freezer, CYCLE)
    assert (state(hass, counted), state(hass, mornings)) == ("2", "0")

    # On disk within seconds, with the seen slots: not a minute later with the history, so
    # a power cut cannot set it below what the recorder already has.
    await advance(hass, freezer, timedelta(seconds=SEEN_SAVE_DELAY + 1))
    assert hass_storage[SEEN_KEY]["data"]["totals"] == {
        "watch_blaine": 2,
        "watch_mornings": 0,
        "watch_fort_erie": 0,
    }

    # Home Assistant stops (the entry unloads, its files are written) and starts again.
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, counted) == "2"
    simulator.state.set_time(BLAINE, afternoon(simulator), 1)
    await advance(hass, freezer, CYCLE)
    assert state(hass, counted) == "3"

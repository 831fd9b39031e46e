"""The coordinator through Home Assistant: request budget, outages, back-off, restarts, repairs."""

from datetime import timedelta
import itertools
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.nexus.const import DOMAIN
from tests.conftest import RunningSimulator

from .conftest import (
    BLAINE,
    CYCLE,
    FORT_ERIE,
    OTTAWA_AIRPORT,
    TORONTO,
    advance,
    card,
    subentry_device,
    watch,
)

NEXT_SLOT = "sensor.blaine_wa_us_next_matching_slot"
CANADIAN_OPEN = "binary_sensor.nexus_canadian_enrolment_centres_open"


def counts(simulator: RunningSimulator) -> dict[str, int]:
    return dict(simulator.state.counts)


@pytest.fixture
def subentries() -> list[Any]:
    """Three watches on two centres (two share Blaine), and a card."""
    return [
        watch("Blaine, WA, US", BLAINE, "watch_blaine"),
        watch("Blaine mornings", BLAINE, "watch_blaine_2", time_until="12:00:00"),
        watch("Fort Erie, ON, CA", FORT_ERIE, "watch_fort_erie"),
        card("Alex", "2027-06-15", "card_alex"),
    ]


async def test_one_request_per_distinct_centre(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The capacity view of the two watched centres, and at start whether each Canadian
    # centre interviews: Fort Erie's own view tells, Halifax publishes nothing in the next 30
    # days and is read over the 60 after too, the nine others show times in the first 30.
    assert counts(simulator) == {"locations": 1, "slots": 2, "capacity": 2 + 9 + 2}

    await advance(hass, freezer, CYCLE)
    assert counts(simulator) == {"locations": 1, "slots": 4, "capacity": 13}

    for _ in range(18):  # an hour later the capacity view is due again
        await advance(hass, freezer, CYCLE)
    assert counts(simulator) == {"locations": 1, "slots": 40, "capacity": 15}


async def test_outage_makes_entities_unavailable_and_logs_once(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = hass.states.get(NEXT_SLOT).state
    simulator.state.set_fault("slots", "status", {"status": 502})

    for _ in range(3):
        await advance(hass, freezer, CYCLE)
        assert hass.states.get(NEXT_SLOT).state == STATE_UNAVAILABLE
        assert hass.states.get(CANADIAN_OPEN).state == STATE_UNAVAILABLE
    # Cards need no network: they stay available.
    assert hass.states.get("sensor.alex_days_until_expiry").state == "197"
    assert caplog.text.count("Error fetching nexus data") == 1
    assert "HTTP 502" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info]

    simulator.state.clear_faults()
    await advance(hass, freezer, CYCLE)
    assert hass.states.get(NEXT_SLOT).state == before
    assert caplog.text.count("Fetching nexus data recovered") == 1


async def test_retry_after_is_honoured(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.state.set_fault("slots", "status", {"status": 429, "retry_after": 900})
    await advance(hass, freezer, CYCLE)
    refused_at = counts(simulator)["slots"]

    for _ in range(4):  # 13 minutes: still waiting
        await advance(hass, freezer, CYCLE)
    assert counts(simulator)["slots"] == refused_at

    simulator.state.clear_faults()
    await advance(hass, freezer, timedelta(minutes=3))
    assert counts(simulator)["slots"] == refused_at + 2
    assert hass.states.get(NEXT_SLOT).state != STATE_UNAVAILABLE


async def test_backoff_doubles_caps_at_an_hour_and_resets(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.state.set_fault("*", "status", {"status": 403})
    seen: list[float] = []
    elapsed = 0.0
    last = counts(simulator)["locations"] + counts(simulator)["slots"]
    step = timedelta(seconds=30)
    while elapsed < 4 * 3600:
        await advance(hass, freezer, step)
        elapsed += step.total_seconds()
        total = counts(simulator).get("locations", 0) + counts(simulator)["slots"]
        if total != last:
            seen.append(elapsed)
            last = total
    gaps = [round(b - a) for a, b in itertools.pairwise(seen)]
    # 6, 12, 24, 48 minutes, then one hour at most; never faster than the normal interval.
    assert gaps[:4] == [360, 720, 1440, 2880]
    assert all(gap == 3600 for gap in gaps[4:])
    assert min(gaps) >= 180

    # Refused for over an hour: a repair issue says so, and goes once it works again.
    issue_registry = ir.async_get(hass)
    assert issue_registry.async_get_issue(DOMAIN, "scheduler_refuses") is not None
    simulator.state.clear_faults()
    await advance(hass, freezer, timedelta(hours=1))
    assert issue_registry.async_get_issue(DOMAIN, "scheduler_refuses") is None
    assert hass.states.get(NEXT_SLOT).state != STATE_UNAVAILABLE
    before = counts(simulator)["slots"]
    await advance(hass, freezer, CYCLE)
    assert counts(simulator)["slots"] == before + 2


async def test_known_canadian_centres_survive_a_restart(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await advance(hass, freezer, timedelta(seconds=5))
    stored = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.centres"]["data"]["canadian"]
    assert stored[str(OTTAWA_AIRPORT)] == "Ottawa International Airport (Ottawa, ON)"
    assert len(stored) == 11

    # "Restart": unload, the scheduler stops listing Ottawa airport, set up again.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    simulator.state.unlisted.add(OTTAWA_AIRPORT)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get(CANADIAN_OPEN)
    assert state.state == "on"
    ottawa = "Ottawa International Airport (Ottawa, ON)"
    assert state.attributes["not_listed"] == [ottawa]
    assert ottawa not in state.attributes["interviewing"]
    # Every other Canadian centre publishes times in the demo, but Halifax.
    assert state.attributes["not_interviewing"] == ["Halifax (Goffs, NS)"]
    assert hass.states.get("sensor.nexus_canadian_centres_open").state == "9"


async def test_no_canadian_centre_listed(
    hass: HomeAssistant, simulator: RunningSimulator, config_entry: MockConfigEntry
) -> None:
    canadian = [i for i, c in simulator.state.locations.items() if c["countryCode"] == "CA"]
    simulator.state.unlisted.update(canadian)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CANADIAN_OPEN).state == "off"
    assert hass.states.get("sensor.nexus_canadian_centres_open").state == "0"
    # Fort Erie is not listed: its watch shows no slot, and a repair issue explains why.
    assert hass.states.get("sensor.fort_erie_on_ca_matching_slots_open").state == "0"
    assert hass.states.get("binary_sensor.fort_erie_on_ca_matching_slot_available").state == "off"
    assert ir.async_get(hass).async_get_issue(DOMAIN, "centre_not_listed_watch_fort_erie")


async def test_repair_removes_the_watch_of_a_gone_centre(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    issue_id = "centre_not_listed_watch_fort_erie"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    simulator.state.unlisted.add(FORT_ERIE)
    await advance(hass, freezer, timedelta(hours=6))
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {"watch": "Fort Erie, ON, CA"}

    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    flow = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"] == {"watch": "Fort Erie, ON, CA"}
    result = await manager.async_configure(flow["flow_id"], {})
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()

    assert "watch_fort_erie" not in loaded_entry.subentries
    assert subentry_device(device_registry, loaded_entry, "watch_fort_erie") is None
    assert hass.states.get("sensor.fort_erie_on_ca_next_matching_slot") is None


async def test_repair_when_the_watch_was_already_removed(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.state.unlisted.add(FORT_ERIE)
    await advance(hass, freezer, timedelta(hours=6))
    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    flow = await manager.async_init(DOMAIN, data={"issue_id": "centre_not_listed_watch_fort_erie"})
    hass.config_entries.async_remove_subentry(loaded_entry, "watch_fort_erie")
    await hass.async_block_till_done()

    result = await manager.async_configure(flow["flow_id"], {})

    assert result["type"] == "create_entry"
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_centre_listed_again_clears_the_issue(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.state.unlisted.add(FORT_ERIE)
    await advance(hass, freezer, timedelta(hours=6))
    simulator.state.unlisted.discard(FORT_ERIE)
    await advance(hass, freezer, timedelta(hours=6))
    assert ir.async_get(hass).async_get_issue(DOMAIN, "centre_not_listed_watch_fort_erie") is None


async def test_remove_subentry_removes_device_and_entities(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    device = subentry_device(device_registry, loaded_entry, "card_alex")
    assert device is not None
    assert er.async_entries_for_device(entity_registry, device)

    assert hass.config_entries.async_remove_subentry(loaded_entry, "card_alex")
    await hass.async_block_till_done()

    assert subentry_device(device_registry, loaded_entry, "card_alex") is None
    assert hass.states.get("sensor.alex_days_until_expiry") is None
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_unload(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(NEXT_SLOT).state == STATE_UNAVAILABLE


async def test_setup_retries_when_the_scheduler_is_down(
    hass: HomeAssistant, simulator: RunningSimulator, config_entry: MockConfigEntry
) -> None:
    simulator.state.set_fault("locations", "hang", {"seconds": 60})
    simulator.state.set_fault("locations", "disconnect")
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_card_counts_down_at_midnight(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    assert hass.states.get("sensor.alex_days_until_expiry").state == "197"
    assert hass.config.time_zone == "US/Pacific"
    freezer.move_to("2026-12-01T07:59:59+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.alex_days_until_expiry").state == "197"
    freezer.move_to("2026-12-01T08:00:00+00:00")  # midnight in Home Assistant's time zone
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.alex_days_until_expiry").state == "196"


async def test_forced_updates_ask_the_scheduler_at_most_every_30_seconds(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    await advance(hass, freezer, CYCLE)
    start = counts(simulator)["slots"]
    coordinator = loaded_entry.runtime_data
    # A burst: twenty refreshes asked for within 28 seconds, as an automation looping on
    # homeassistant.update_entity would.
    for _ in range(10):
        await coordinator.async_refresh()
        await hass.services.async_call(
            "homeassistant", "update_entity", {"entity_id": NEXT_SLOT}, blocking=True
        )
        await advance(hass, freezer, timedelta(seconds=2.8))
    assert counts(simulator)["slots"] == start
    assert hass.states.get(NEXT_SLOT).state != STATE_UNAVAILABLE

    await advance(hass, freezer, timedelta(seconds=3))
    await coordinator.async_refresh()
    assert counts(simulator)["slots"] == start + 2  # Blaine and Fort Erie, once each


async def test_another_cadence_with_polling_off_and_an_automation(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The entry's system options: polling off; an automation asks when it wants instead.
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, pref_disable_polling=True)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": [{"trigger": "event", "event_type": "check_nexus_now"}],
                "actions": [
                    {"action": "homeassistant.update_entity", "target": {"entity_id": NEXT_SLOT}}
                ],
            }
        },
    )
    start = counts(simulator)["slots"]
    for _ in range(20):
        await advance(hass, freezer, timedelta(minutes=1))
    # Twenty minutes with polling off: the integration asked nothing by itself...
    assert counts(simulator)["slots"] == start
    for _ in range(3):
        hass.bus.async_fire("check_nexus_now")
        await advance(hass, freezer, timedelta(minutes=5))
    # ...and each time the automation asked, both watched centres were read once.
    assert counts(simulator)["slots"] == start + 3 * 2


async def test_a_retry_after_of_a_year_is_honoured_for_six_hours_at_most(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.state.set_fault("slots", "status", {"status": 429, "retry_after": 31536000}, 1)
    await advance(hass, freezer, CYCLE)
    assert hass.states.get(NEXT_SLOT).state == STATE_UNAVAILABLE
    # A wait that long is a problem at once, not after another refusal an hour later.
    assert ir.async_get(hass).async_get_issue(DOMAIN, "scheduler_refuses") is not None
    refused = counts(simulator)["slots"]

    await advance(hass, freezer, timedelta(hours=5, minutes=50))
    assert counts(simulator)["slots"] == refused
    # Six hours on it tries again by itself, and the scheduler answers again.
    await advance(hass, freezer, timedelta(minutes=11))
    assert counts(simulator)["slots"] > refused
    assert hass.states.get(NEXT_SLOT).state != STATE_UNAVAILABLE
    assert ir.async_get(hass).async_get_issue(DOMAIN, "scheduler_refuses") is None


async def test_a_hostile_centre_list_cannot_break_saving_config_entries(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    # Half an emoji in a city, as a backend that cuts strings sends it (escaped JSON).
    simulator.state.locations[TORONTO]["city"] = "Missis\ud83dsauga"
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()

    flow = await hass.config_entries.subentries.async_init(
        (loaded_entry.entry_id, "centre_watch"), context={"source": "user"}
    )
    # The list is refused as a whole, with the form's own message; nothing is saved from it.
    assert flow["type"] == "abort"
    assert flow["reason"] == "unexpected_response"

    # Home Assistant still saves its config entries, and reads them back.
    hass.config_entries.async_update_entry(loaded_entry, title="NEXUS (renamed)")
    await advance(hass, freezer, timedelta(seconds=30))
    stored = hass_storage["core.config_entries"]
    text = json.dumps(stored, ensure_ascii=False).encode("utf-8").decode("utf-8")
    assert "NEXUS (renamed)" in text
    assert "\ud83d" not in text
    assert await hass.config_entries.async_reload(loaded_entry.entry_id) is False
    simulator.state.locations[TORONTO]["city"] = "Mississauga"
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)


async def test_the_remembered_centres_stay_bounded(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    # A list that invents three new Canadian centres at every read (every 6 hours).
    template = simulator.state.locations[TORONTO]
    for read in range(60):
        fresh = [100_000 + 3 * read + n for n in range(3)]
        for cid in fresh:
            simulator.state.locations[cid] = template | {"id": cid}
            simulator.state.order.append(cid)
        await advance(hass, freezer, timedelta(hours=6))
        simulator.state.unlisted.update(fresh)
    await advance(hass, freezer, timedelta(seconds=5))
    stored = hass_storage[f"{DOMAIN}.{loaded_entry.entry_id}.centres"]["data"]
    assert len(stored["canadian"]) <= 100
    assert len(stored["interviewing"]) <= 100 + 26
    state = hass.states.get("binary_sensor.nexus_canadian_enrolment_centres_open")
    assert len(state.attributes["not_listed"]) <= 100

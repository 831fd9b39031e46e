"""Both blueprints validate, and run in real automations against the integration."""

from datetime import timedelta
import json
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.blueprint import BLUEPRINT_SCHEMA, Blueprint
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.nexus.const import BOOKING_URL, DOMAIN
from tests.conftest import RunningSimulator

from .conftest import BLAINE, CYCLE, advance, closed_time, open_slot, subentry_device
from .test_event import EVENT_ENTITY

BLUEPRINTS = Path(__file__).parents[2] / "blueprints"


@pytest.mark.parametrize("name", ["announce_openings.yaml", "renewal_reminder.yaml"])
def test_blueprint_is_valid(name: str) -> None:
    data = load_yaml_dict(str(BLUEPRINTS / "automation" / "nexus" / name))
    blueprint = Blueprint(data, expected_domain="automation", schema=BLUEPRINT_SCHEMA)
    assert blueprint.metadata["source_url"].endswith(f"blueprints/automation/nexus/{name}")


@pytest.fixture
async def blueprints(hass: HomeAssistant, tmp_path: Path) -> None:
    """Install the repository's blueprints as a user who imported them would have them."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints")


async def automation(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {"automation": {"use_blueprint": {"path": f"nexus/{path}", "input": inputs}}},
    )
    await hass.async_block_till_done()


@pytest.fixture
def calls(hass: HomeAssistant) -> dict[str, list[ServiceCall]]:
    return {
        "phone": async_mock_service(hass, "notify", "mobile_app_phone"),
        "entities": async_mock_service(hass, "notify", "send_message"),
        "speak": async_mock_service(hass, "tts", "speak"),
    }


ANNOUNCE = {
    "slot_event": EVENT_ENTITY,
    "notify_actions": ["notify.mobile_app_phone"],
    "notify_entities": ["notify.kitchen_display"],
    "speaker": "media_player.living_room",
    "tts_engine": "tts.home_assistant_cloud",
}


async def test_announce_an_opening(
    hass: HomeAssistant,
    blueprints: None,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
) -> None:
    await automation(hass, "announce_openings.yaml", ANNOUNCE)
    moment = closed_time(simulator)
    simulator.state.set_time(BLAINE, moment, 2)

    await advance(hass, freezer, CYCLE)
    await advance(hass, freezer, CYCLE)  # still open: no second announcement

    (phone,) = calls["phone"]
    when = moment.strftime("%A %-d %B %Y at %H:%M")
    assert phone.data["title"] == "NEXUS slot open: Blaine, WA"
    assert phone.data["message"].startswith(f"Blaine, WA: {when} (centre time)")
    assert BOOKING_URL in phone.data["message"]
    # Seen at once: time-sensitive on iOS, high priority and its own channel on Android,
    # with a button that opens the booking page.
    assert phone.data["data"] == {
        "url": BOOKING_URL,
        "clickAction": BOOKING_URL,
        "actions": [{"action": "URI", "title": "Book now", "uri": BOOKING_URL}],
        "ttl": 0,
        "priority": "high",
        "channel": "NEXUS openings",
        "push": {"interruption-level": "time-sensitive"},
    }
    (entities,) = calls["entities"]
    assert entities.data["entity_id"] == ["notify.kitchen_display"]
    assert entities.data["message"] == phone.data["message"]
    (speak,) = calls["speak"]
    assert speak.data["entity_id"] == ["tts.home_assistant_cloud"]
    assert speak.data["media_player_entity_id"] == "media_player.living_room"
    assert speak.data["message"] == f"A NEXUS interview slot is open at Blaine, WA, on {when}."


async def test_critical_alert_rings_through_silent_mode(
    hass: HomeAssistant,
    blueprints: None,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
) -> None:
    await automation(hass, "announce_openings.yaml", ANNOUNCE | {"critical": True})
    open_slot(simulator)
    await advance(hass, freezer, CYCLE)

    (phone,) = calls["phone"]
    assert phone.data["data"]["channel"] == "alarm_stream"
    assert phone.data["data"]["push"] == {
        "interruption-level": "critical",
        "sound": {"name": "default", "critical": 1, "volume": 1.0},
    }
    assert phone.data["data"]["actions"][0]["uri"] == BOOKING_URL


async def test_quiet_hours_silence_only_the_speaker(
    hass: HomeAssistant,
    blueprints: None,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
) -> None:
    # Frozen time is 09:00 in Home Assistant's zone: inside 08:00-10:00.
    await automation(
        hass,
        "announce_openings.yaml",
        ANNOUNCE | {"quiet_start": "08:00:00", "quiet_end": "10:00:00"},
    )
    simulator.state.set_time(BLAINE, closed_time(simulator), 1)

    await advance(hass, freezer, CYCLE)

    assert len(calls["phone"]) == 1
    assert calls["speak"] == []


async def test_no_announcement_when_coming_back_from_an_outage(
    hass: HomeAssistant,
    blueprints: None,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
) -> None:
    await automation(hass, "announce_openings.yaml", ANNOUNCE)
    simulator.state.set_time(BLAINE, closed_time(simulator), 1)
    await advance(hass, freezer, CYCLE)
    simulator.state.set_fault("slots", "status", {"status": 503})
    await advance(hass, freezer, CYCLE)
    # An opening during the outage is announced once it is over; the old one is not again.
    opened_during = closed_time(simulator, skip=2)
    simulator.state.set_time(BLAINE, opened_during, 1)
    simulator.state.clear_faults()
    await advance(hass, freezer, CYCLE)

    assert len(calls["phone"]) == 2
    assert opened_during.strftime("%H:%M") in calls["phone"][1].data["message"]


def card_picker_admits(device: dr.DeviceEntry) -> bool:
    """Tell whether the renewal reminder's card picker offers a device of the integration."""
    data = load_yaml_dict(str(BLUEPRINTS / "automation" / "nexus" / "renewal_reminder.yaml"))
    (rule,) = data["blueprint"]["input"]["card"]["selector"]["device"]["filter"]
    return rule["integration"] == DOMAIN and device.model == rule["model"]


async def test_renewal_reminder_offers_only_cards(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    devices = dr.async_entries_for_config_entry(device_registry, loaded_entry.entry_id)
    offered = {device.name for device in devices if card_picker_admits(device)}
    # Neither the centre watches (whose "Days to the soonest slot" sensors are also durations)
    # nor the NEXUS service device: only the card.
    assert len(devices) == 4
    assert offered == {"Alex"}


async def test_blueprints_need_the_oldest_supported_release() -> None:
    oldest = json.loads((BLUEPRINTS.parent / "hacs.json").read_text(encoding="utf-8"))
    for name in ("announce_openings.yaml", "renewal_reminder.yaml"):
        data = load_yaml_dict(str(BLUEPRINTS / "automation" / "nexus" / name))
        assert data["blueprint"]["homeassistant"]["min_version"] == oldest["homeassistant"]


async def test_renewal_reminder(
    hass: HomeAssistant,
    blueprints: None,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
    device_registry: dr.DeviceRegistry,
) -> None:
    card = subentry_device(device_registry, loaded_entry, "card_alex")
    await automation(
        hass,
        "renewal_reminder.yaml",
        {
            "card": card,
            "thresholds": ["365", "196", "30"],
            "at_time": "10:00:00",
            "notify_actions": ["notify.mobile_app_phone"],
            "notify_entities": ["notify.kitchen_display"],
        },
    )
    # Today (197 days left) is not a threshold: nothing at 10:00.
    await advance(hass, freezer, timedelta(hours=1))
    assert calls["phone"] == []

    # Tomorrow, 196 days left: reminded once, at 10:00.
    await advance(hass, freezer, timedelta(hours=14))
    assert hass.states.get("sensor.alex_days_until_expiry").state == "196"
    assert calls["phone"] == []
    await advance(hass, freezer, timedelta(hours=10))
    (phone,) = calls["phone"]
    assert phone.data["title"] == "Renew the NEXUS card: Alex"
    assert phone.data["message"].startswith("The NEXUS card (Alex) expires in 196 days.")
    assert calls["entities"][0].data["entity_id"] == ["notify.kitchen_display"]

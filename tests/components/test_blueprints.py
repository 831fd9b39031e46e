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
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.nexus.const import BOOKING_URL, DOMAIN
from tests.conftest import RunningSimulator

from .conftest import (
    BLAINE,
    CYCLE,
    FORT_ERIE,
    Openings as Told,
    advance,
    closed_time,
    closed_times,
    open_slot,
    subentry_device,
    watch,
)
from .test_cadence import NIGHT, watched_for_a_month
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
    assert phone.data["message"].startswith(f"Blaine, WA: {when} (centre time). Book now at")
    assert BOOKING_URL in phone.data["message"]
    # Seen at once: time-sensitive on iOS, high priority and its own channel on Android,
    # with a button that opens the booking page; tagged, so that its withdrawal replaces it.
    assert phone.data["data"] == {
        "tag": hass.states.get(EVENT_ENTITY).attributes["alert"],
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


@pytest.mark.parametrize("when_gone", ["replace", "clear"])
async def test_a_release_is_one_alert_and_its_withdrawal_one_more(
    hass: HomeAssistant,
    blueprints: None,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
    when_gone: str,
) -> None:
    await automation(hass, "announce_openings.yaml", ANNOUNCE | {"when_gone": when_gone})
    released = [open_slot(simulator) for _ in range(30)]  # a block of 30 times, in one poll
    await advance(hass, freezer, CYCLE)

    (phone,) = calls["phone"]
    alert = hass.states.get(EVENT_ENTITY).attributes
    assert alert["count"] == 30
    assert len(alert["slots"]) == 20  # the list is cut; the count is not
    soonest = min(released).strftime("%A %-d %B %Y at %H:%M")
    assert phone.data["title"] == "NEXUS: 30 slots open at Blaine, WA"
    assert phone.data["message"].startswith(
        f"30 slots open at Blaine, WA, soonest {soonest} (centre time)."
    )
    assert len(calls["entities"]) == 1
    assert len(calls["speak"]) == 1

    for moment in released:  # all taken
        simulator.state.set_time(BLAINE, moment, 0)
    await advance(hass, freezer, CYCLE)
    await advance(hass, freezer, CYCLE)  # nothing more to tell

    first, gone = calls["phone"]
    gone_event = hass.states.get(EVENT_ENTITY).attributes
    assert gone_event["event_type"] == "slots_gone"
    assert gone_event["alert"] == alert["alert"]
    assert gone_event["lasted_seconds"] == round(CYCLE.total_seconds())
    # The same tag: the phone replaces (or clears) the notification it showed.
    if when_gone == "replace":
        assert gone.data == {
            "title": "NEXUS: gone at Blaine, WA",
            "message": "Gone after 3 min 16 s: the 30 slots at Blaine, WA.",
            "data": {"tag": first.data["data"]["tag"]},
        }
    else:
        assert gone.data == {
            "title": "",
            "message": "clear_notification",
            "data": {"tag": first.data["data"]["tag"]},
        }
    assert len(calls["entities"]) == 1  # notify entities have no tag to replace
    assert len(calls["speak"]) == 1


async def test_the_alert_says_how_long_slots_last_there(
    hass: HomeAssistant,
    blueprints: None,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
) -> None:
    await automation(hass, "announce_openings.yaml", ANNOUNCE)
    moment = open_slot(simulator)
    await advance(hass, freezer, CYCLE)
    await advance(hass, freezer, CYCLE)
    simulator.state.set_time(BLAINE, moment, 0)  # gone two polls after it opened: 6.5 min
    await advance(hass, freezer, CYCLE)
    lifetime = hass.states.get("sensor.blaine_wa_us_typical_opening_lifetime")
    assert lifetime.attributes["gone_within_2_minutes_percent"] == 0.0
    open_slot(simulator, skip=3)
    await advance(hass, freezer, CYCLE)

    first, _gone, second = calls["phone"]
    assert "usually" not in first.data["message"]  # nothing known yet
    usual = hass.states.get(EVENT_ENTITY).attributes["usual_lifetime_minutes"]
    assert usual == float(lifetime.state) == pytest.approx(2 * CYCLE.total_seconds() / 60, abs=0.1)
    assert (
        f"(centre time). Slots here usually go within about {round(usual)} min. Book now"
        in (second.data["message"])
    )


async def test_an_announcement_of_slots_gone_meanwhile_is_not_spoken(
    hass: HomeAssistant,
    blueprints: None,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    moment = closed_time(simulator)
    phoned: list[ServiceCall] = []

    async def slow_phone(call: ServiceCall) -> None:
        """A phone that takes a while to answer; meanwhile the slot is taken, and seen so."""
        phoned.append(call)
        if len(phoned) == 1:
            simulator.state.set_time(BLAINE, moment, 0)
            freezer.tick(timedelta(seconds=31))  # past the 30 s floor: the scheduler is asked
            await hass.services.async_call(
                "homeassistant", "update_entity", {"entity_id": EVENT_ENTITY}, blocking=True
            )

    hass.services.async_register("notify", "mobile_app_slow", slow_phone)
    await automation(
        hass, "announce_openings.yaml", ANNOUNCE | {"notify_actions": ["notify.mobile_app_slow"]}
    )
    simulator.state.set_time(BLAINE, moment, 1)
    await advance(hass, freezer, CYCLE)

    assert hass.states.get(EVENT_ENTITY).attributes["event_type"] == "slots_gone"
    assert calls["speak"] == []  # the slot it would have announced is gone
    assert [call.data["message"] for call in phoned][1].startswith("Gone after")


@pytest.mark.parametrize(
    "subentries", [[watch("Blaine, WA, US", BLAINE, "watch_blaine", max_alerts_per_hour=2)]]
)
async def test_openings_past_the_hourly_cap_come_in_the_next_alert(
    hass: HomeAssistant,
    blueprints: None,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
) -> None:
    told = Told(hass)
    await automation(hass, "announce_openings.yaml", ANNOUNCE)
    opened = []
    for _ in range(5):  # one opening per poll, five polls: two alerts, then the cap
        opened.append(open_slot(simulator))
        await advance(hass, freezer, CYCLE)
    assert len(calls["phone"]) == 2
    assert len(told) == 2
    # The hour since the first alert ends: the three held, still open, come in one alert.
    await advance(hass, freezer, timedelta(hours=1) - 4 * CYCLE)
    assert len(calls["phone"]) == 3
    assert told.local_times() == [m.strftime("%Y-%m-%d %H:%M") for m in opened]
    assert told.events[-1]["count"] == 3
    for _ in range(3):  # none told twice
        await advance(hass, freezer, CYCLE)
    assert len(told) == 5


async def home_assistant_notifications(hass_ws_client: WebSocketGenerator) -> dict[str, Any]:
    """The notifications Home Assistant shows under its bell, by id, as the frontend reads them."""
    client = await hass_ws_client()
    await client.send_json_auto_id({"type": "persistent_notification/get"})
    reply = await client.receive_json()
    assert reply["success"], reply
    return {n["notification_id"]: n for n in reply["result"]}


@pytest.mark.parametrize("when_gone", ["replace", "clear"])
async def test_one_automation_shows_every_watch_in_home_assistant(
    hass: HomeAssistant,
    blueprints: None,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
    hass_ws_client: WebSocketGenerator,
    when_gone: str,
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    fort_erie_event = "event.fort_erie_on_ca_slot_opened"
    await automation(
        hass,
        "announce_openings.yaml",
        {
            "slot_event": [EVENT_ENTITY, fort_erie_event],
            "in_home_assistant": True,
            "when_gone": when_gone,
        },
    )
    blaine = open_slot(simulator)
    # Fort Erie's watch wants a weekday, 09:00-15:00.
    fort_erie = next(
        m for m in closed_times(simulator, FORT_ERIE) if m.weekday() < 5 and 9 <= m.hour < 14
    )
    simulator.state.set_time(FORT_ERIE, fort_erie, 1)
    await advance(hass, freezer, CYCLE)

    tags = {e: hass.states.get(e).attributes["alert"] for e in (EVENT_ENTITY, fort_erie_event)}
    shown = await home_assistant_notifications(hass_ws_client)
    assert set(shown) == set(tags.values())  # one each, named by the alert's tag
    assert shown[tags[EVENT_ENTITY]]["title"] == "NEXUS slot open: Blaine, WA"
    assert shown[tags[EVENT_ENTITY]]["message"].startswith(
        f"Blaine, WA: {blaine.strftime('%A %-d %B %Y at %H:%M')} (centre time). Book now at"
    )
    assert (
        shown[tags[fort_erie_event]]["title"] == "NEXUS slot open: Buffalo-Ft. Erie (Fort Erie, ON)"
    )
    assert calls["phone"] == []  # no phone was asked for

    simulator.state.set_time(BLAINE, blaine, 0)  # Blaine's is taken; Fort Erie's stays
    await advance(hass, freezer, CYCLE)

    shown = await home_assistant_notifications(hass_ws_client)
    assert (
        shown[tags[fort_erie_event]]["title"] == "NEXUS slot open: Buffalo-Ft. Erie (Fort Erie, ON)"
    )
    if when_gone == "replace":
        assert set(shown) == set(tags.values())
        assert shown[tags[EVENT_ENTITY]]["title"] == "NEXUS: gone at Blaine, WA"
        assert shown[tags[EVENT_ENTITY]]["message"] == (
            "Gone after 3 min 16 s: the slot at Blaine, WA."
        )
    else:
        assert set(shown) == {tags[fort_erie_event]}


async def test_a_pre_alert_comes_before_an_expected_release(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    blueprints: None,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
) -> None:
    # Blaine, with a month of history: the first Monday's window opens at 08:45 there.
    await watched_for_a_month(hass, hass_storage, config_entry, freezer, NIGHT.replace(hour=8))
    sensor = "sensor.blaine_wa_us_next_expected_release"
    assert hass.states.get(sensor).state == "2026-12-07T16:45:00+00:00"
    await automation(
        hass,
        "announce_openings.yaml",
        ANNOUNCE | {"release_sensors": [sensor], "pre_alert_minutes": 10},
    )

    await advance(hass, freezer, timedelta(minutes=30))  # 08:30: not yet
    assert calls["phone"] == []
    await advance(hass, freezer, timedelta(minutes=6))  # 08:36: within 10 minutes
    (phone,) = calls["phone"]
    assert phone.data["title"] == "NEXUS: a release is expected soon"
    assert phone.data["message"] == (
        f"New interview slots are expected at Blaine, WA, US within 10 min: log in now at "
        f"{BOOKING_URL}"
    )
    assert phone.data["data"]["tag"] == "nexus-release-expected"
    for _ in range(5):  # once per window
        await advance(hass, freezer, timedelta(minutes=1))
    assert len(calls["phone"]) == 1


async def test_no_pre_alert_unless_asked(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    blueprints: None,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    calls: dict[str, list[ServiceCall]],
) -> None:
    await watched_for_a_month(hass, hass_storage, config_entry, freezer, NIGHT.replace(hour=8))
    sensor = "sensor.blaine_wa_us_next_expected_release"
    await automation(hass, "announce_openings.yaml", ANNOUNCE | {"release_sensors": [sensor]})
    for _ in range(10):
        await advance(hass, freezer, timedelta(minutes=5))
    assert calls["phone"] == []


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

"""The nexus.get_slots action, as scripts and voice assistants call it."""

from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.nexus.const import BOOKING_URL, DOMAIN

from .conftest import BLAINE, FORT_ERIE, TORONTO, subentry_device

# What YAML reads `start_date: 2026-11-01 10:00:00` as: a date and time, with no zone.
YAML_DATETIME = datetime(2026, 11, 1, 10)  # noqa: DTZ001


def watch_device(device_registry: dr.DeviceRegistry, entry: MockConfigEntry, sid: str) -> str:
    device = subentry_device(device_registry, entry, sid)
    assert device is not None
    return device


async def get_slots(hass: HomeAssistant, **data: Any) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        DOMAIN, "get_slots", data, blocking=True, return_response=True
    )
    assert response is not None
    slots: list[dict[str, Any]] = response["slots"]  # type: ignore[assignment]
    return slots


async def test_slots_of_a_watch(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    device_id = watch_device(device_registry, loaded_entry, "watch_blaine")

    slots = await get_slots(hass, watch=device_id)

    assert len(slots) == int(hass.states.get("sensor.blaine_wa_us_matching_slots_open").state)
    assert slots == sorted(slots, key=lambda s: s["start"])
    assert slots[0] == {
        "start": "2026-12-03T09:40:00-08:00",
        "end": "2026-12-03T09:50:00-08:00",
        "centre_id": BLAINE,
        "centre": "Blaine, WA",
        "centre_location": "Blaine, WA, US",
        "local_time": "2026-12-03 09:40",
        "time_zone": "America/Los_Angeles",
        "places": 3,
        "scheduler_url": BOOKING_URL,
    }


async def test_date_range_is_the_centres_dates(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    device_id = watch_device(device_registry, loaded_entry, "watch_blaine")
    everything = await get_slots(hass, watch=device_id)
    day = everything[3]["local_time"][:10]

    that_day = await get_slots(hass, watch=device_id, start_date=day, end_date=day)

    assert that_day
    assert all(s["local_time"].startswith(day) for s in that_day)
    assert that_day == [s for s in everything if s["local_time"].startswith(day)]


async def test_slots_of_a_centre(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    fort_erie = await get_slots(hass, centre_id=FORT_ERIE)
    # Every open slot of the centre, not only those in the watch's time window.
    watched = int(hass.states.get("sensor.fort_erie_on_ca_matching_slots_open").state)
    assert len(fort_erie) >= watched
    assert {s["centre_id"] for s in fort_erie} == {FORT_ERIE}
    assert {s["centre"] for s in fort_erie} == {"Buffalo-Ft. Erie (Fort Erie, ON)"}
    # A centre id given as its digits, as a text field sends it.
    assert await get_slots(hass, centre_id=f" {FORT_ERIE}") == fort_erie


async def test_a_centre_and_its_watch_say_the_same_places(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    # Blaine's watch wants any slot: asked for the centre, the same slots, the same places.
    device_id = watch_device(device_registry, loaded_entry, "watch_blaine")
    by_centre = await get_slots(hass, centre_id=BLAINE)
    assert by_centre == await get_slots(hass, watch=device_id)
    assert by_centre[0]["places"] == 3  # known from the capacity view, not "at least one"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "watch_or_centre"),
        ({"watch": "x", "centre_id": BLAINE}, "watch_or_centre"),
        ({"watch": "no-such-device"}, "unknown_watch"),
        ({"centre_id": TORONTO}, "centre_not_watched"),
        (
            {"centre_id": BLAINE, "start_date": "2027-02-01", "end_date": "2027-01-01"},
            "end_before_start",
        ),
        ({"centre_id": BLAINE, "start_date": YAML_DATETIME}, "date_not_datetime"),
        ({"centre_id": BLAINE, "end_date": YAML_DATETIME}, "date_not_datetime"),
        ({"centre_id": BLAINE + 0.7}, "centre_id_not_integer"),
        ({"centre_id": float(BLAINE)}, "centre_id_not_integer"),
        ({"centre_id": True}, "centre_id_not_integer"),
        ({"centre_id": "50x"}, "centre_id_not_integer"),
        ({"centre_id": 2**40}, "centre_id_not_integer"),
    ],
)
@pytest.mark.parametrize("action", ["get_slots", "get_openings"])
async def test_bad_input(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
    action: str,
) -> None:
    # Both actions take a watch or a centre and a date range, and refuse the same way.
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, action, data, blocking=True, return_response=True)
    assert caught.value.translation_key == key
    assert caught.value.translation_domain == DOMAIN
    assert "{" not in str(caught.value)  # the translated message, every placeholder filled


async def test_card_device_is_not_a_watch(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    device_id = watch_device(device_registry, loaded_entry, "card_alex")
    with pytest.raises(ServiceValidationError) as caught:
        await get_slots(hass, watch=device_id)
    assert caught.value.translation_key == "unknown_watch"


async def test_not_loaded(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    with pytest.raises(ServiceValidationError) as caught:
        await get_slots(hass, centre_id=BLAINE)
    assert caught.value.translation_key == "not_loaded"
    assert str(caught.value).startswith("NEXUS is not set up")

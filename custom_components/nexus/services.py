"""The nexus.get_slots action: matching open slots from the latest snapshot, for scripts."""

from datetime import date
from typing import Any, cast

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.util.json import JsonValueType

from .compat import vol
from .const import DOMAIN
from .coordinator import NexusConfigEntry
from .entity import slot_details, watch_slot_details
from .ttp import Slot

SERVICE_GET_SLOTS = "get_slots"
ATTR_WATCH = "watch"
ATTR_CENTRE_ID = "centre_id"
ATTR_START_DATE = "start_date"
ATTR_END_DATE = "end_date"

GET_SLOTS_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_WATCH): cv.string,
        vol.Optional(ATTR_CENTRE_ID): vol.Coerce(int),
        vol.Optional(ATTR_START_DATE): cv.date,
        vol.Optional(ATTR_END_DATE): cv.date,
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _entry(hass: HomeAssistant) -> NexusConfigEntry:
    entries: list[NexusConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    if not entries:
        raise _invalid("not_loaded")
    return entries[0]


def _in_range(slot: Slot, start: date | None, end: date | None) -> bool:
    day = slot.start.date()  # the centre's own date
    return (start is None or day >= start) and (end is None or day <= end)


def _watch_slots(
    hass: HomeAssistant,
    entry: NexusConfigEntry,
    device_id: str,
    start: date | None,
    end: date | None,
) -> list[dict[str, Any]]:
    data = entry.runtime_data.data
    device = dr.async_get(hass).async_get(device_id)
    subentries = device.config_entries_subentries.get(entry.entry_id, set()) if device else set()
    subentry_id = next((sid for sid in subentries if sid in data.watches), None)
    if subentry_id is None:
        raise _invalid("unknown_watch", watch=device_id)
    watch = data.watches[subentry_id]
    return [watch_slot_details(watch, s) for s in watch.matching if _in_range(s, start, end)]


def _centre_slots(
    entry: NexusConfigEntry, centre_id: int, start: date | None, end: date | None
) -> list[dict[str, Any]]:
    data = entry.runtime_data.data
    if centre_id not in data.centre_slots:
        raise _invalid("centre_not_watched", centre=str(centre_id))
    location, label = data.centres.get(centre_id), data.labels.get(centre_id)
    # Without a watch's wishes, every open slot of the centre; at least one place each.
    return [
        slot_details(s, location, label, 1)
        for s in data.centre_slots[centre_id]
        if _in_range(s, start, end)
    ]


async def _async_get_slots(call: ServiceCall) -> ServiceResponse:
    watch: str | None = call.data.get(ATTR_WATCH)
    centre_id: int | None = call.data.get(ATTR_CENTRE_ID)
    start: date | None = call.data.get(ATTR_START_DATE)
    end: date | None = call.data.get(ATTR_END_DATE)
    if start is not None and end is not None and end < start:
        raise _invalid("end_before_start")
    if watch is not None and centre_id is None:
        slots = _watch_slots(call.hass, _entry(call.hass), watch, start, end)
    elif centre_id is not None and watch is None:
        slots = _centre_slots(_entry(call.hass), centre_id, start, end)
    else:
        raise _invalid("watch_or_centre")
    return {"slots": cast(list[JsonValueType], slots)}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_SLOTS,
        _async_get_slots,
        schema=GET_SLOTS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )

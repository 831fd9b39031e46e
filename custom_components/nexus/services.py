"""The actions: nexus.get_slots (open slots now) and nexus.get_openings (the history)."""

from datetime import UTC, date, datetime
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
from .history import CentreHistory, Opening
from .history_figures import fits, summary
from .ttp.fields import centre_id

SERVICE_GET_SLOTS = "get_slots"
SERVICE_GET_OPENINGS = "get_openings"
ATTR_WATCH = "watch"
ATTR_CENTRE_ID = "centre_id"
ATTR_START_DATE = "start_date"
ATTR_END_DATE = "end_date"

GET_SLOTS_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_WATCH): cv.string,
        # Checked in _arguments, with errors people can read: a float is not truncated, and a
        # date and time (YAML reads `2026-11-01 10:00:00` as one) is not taken for a date.
        vol.Optional(ATTR_CENTRE_ID): vol.Any(int, float, str),
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


def _in_range(day: date, start: date | None, end: date | None) -> bool:
    """Tell whether a date (the centre's own) is in the range asked for."""
    return (start is None or day >= start) and (end is None or day <= end)


def _watch_id(hass: HomeAssistant, entry: NexusConfigEntry, device_id: str) -> str:
    data = entry.runtime_data.data
    device = dr.async_get(hass).async_get(device_id)
    subentries = device.config_entries_subentries.get(entry.entry_id, set()) if device else set()
    subentry_id = next((sid for sid in subentries if sid in data.watches), None)
    if subentry_id is None:
        raise _invalid("unknown_watch", watch=device_id)
    return subentry_id


def _watch_slots(
    hass: HomeAssistant,
    entry: NexusConfigEntry,
    device_id: str,
    start: date | None,
    end: date | None,
) -> list[dict[str, Any]]:
    watch = entry.runtime_data.data.watches[_watch_id(hass, entry, device_id)]
    return [
        watch_slot_details(watch, s)
        for s in watch.matching
        if _in_range(s.start.date(), start, end)
    ]


def _centre_slots(
    entry: NexusConfigEntry, centre_id: int, start: date | None, end: date | None
) -> list[dict[str, Any]]:
    data = entry.runtime_data.data
    if centre_id not in data.centre_slots:
        raise _invalid("centre_not_watched", centre=str(centre_id))
    location, label = data.centres.get(centre_id), data.labels.get(centre_id)
    found = data.centre_slots[centre_id]
    # Without a watch's wishes, every open slot of the centre, with the places at its time.
    return [
        slot_details(s, location, label, found.places(s))
        for s in found.slots
        if _in_range(s.start.date(), start, end)
    ]


def _centre_id(value: object) -> int | None:
    """Read the centre id asked for, if any: a whole number, or its digits as text."""
    if value is None:
        return None
    if (cid := centre_id(value.strip() if isinstance(value, str) else value)) is None:
        raise _invalid("centre_id_not_integer", centre=str(value)[:40])
    return cid


def _date(call: ServiceCall, field: str) -> date | None:
    value: date | None = call.data.get(field)
    if isinstance(value, datetime):
        raise _invalid("date_not_datetime", field=field, value=str(value)[:40])
    return value


def _arguments(call: ServiceCall) -> tuple[str | None, int | None, date | None, date | None]:
    """Read a watch or a centre and a date range, one of the two and in order."""
    watch: str | None = call.data.get(ATTR_WATCH)
    centre_id = _centre_id(call.data.get(ATTR_CENTRE_ID))
    start, end = _date(call, ATTR_START_DATE), _date(call, ATTR_END_DATE)
    if start is not None and end is not None and end < start:
        raise _invalid("end_before_start")
    if (watch is None) == (centre_id is None):
        raise _invalid("watch_or_centre")
    return watch, centre_id, start, end


async def _async_get_slots(call: ServiceCall) -> ServiceResponse:
    watch, centre_id, start, end = _arguments(call)
    entry = _entry(call.hass)
    if watch is not None:
        slots = _watch_slots(call.hass, entry, watch, start, end)
    else:
        slots = _centre_slots(entry, cast(int, centre_id), start, end)
    return {"slots": cast(list[JsonValueType], slots)}


async def _async_get_openings(call: ServiceCall) -> ServiceResponse:
    watch, centre_id, start, end = _arguments(call)
    entry = _entry(call.hass)
    coordinator = entry.runtime_data
    watches = coordinator.data.watches
    wishes = None
    if watch is not None:
        found = watches[_watch_id(call.hass, entry, watch)]
        centre_id, wishes = found.location_id, found.wishes
    if centre_id not in {w.location_id for w in watches.values()}:
        raise _invalid("centre_not_watched", centre=str(centre_id))
    history = coordinator.history(centre_id) or CentreHistory(centre_id)
    location = coordinator.data.centres.get(history.location_id)
    zone = location.time_zone if location is not None else UTC

    openings = [
        o
        for o in history.openings
        if _in_range(o.opened.astimezone(zone).date(), start, end)
        and (wishes is None or fits(o, wishes))
    ]
    releases = [r for r in history.releases if _in_range(r.at.astimezone(zone).date(), start, end)]
    return {
        "centre_id": history.location_id,
        "centre": coordinator.data.labels.get(history.location_id),
        "time_zone": str(zone),
        "openings": [_opening(o) for o in openings],
        "releases": [{"at": r.at.isoformat(), "slots": r.slots} for r in releases],
        "summary": summary(openings, zone),
    }


def _opening(opening: Opening) -> dict[str, Any]:
    lifetime = opening.lifetime
    return {
        "start": opening.start.isoformat(),
        "end": opening.end.isoformat(),
        "places": opening.places,
        "opened": opening.opened.isoformat(),
        "gone": None if opening.gone is None else opening.gone.isoformat(),
        "lifetime_minutes": None if lifetime is None else round(lifetime.total_seconds() / 60, 1),
    }


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
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_OPENINGS,
        _async_get_openings,
        schema=GET_SLOTS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )

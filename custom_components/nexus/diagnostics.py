"""Diagnostics: what the integration polls and what it last saw; nothing about the user."""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_EXPIRY, CONF_LABEL, SUBENTRY_CARD
from .coordinator import NexusConfigEntry

TO_REDACT = {CONF_LABEL, CONF_EXPIRY, "title"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: NexusConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry, with card labels and dates redacted."""
    coordinator = entry.runtime_data
    data = coordinator.data
    subentries = [
        {
            "subentry_type": subentry.subentry_type,
            "subentry_id": subentry.subentry_id,
            "title": subentry.title,
            "data": dict(subentry.data),
        }
        for subentry in entry.subentries.values()
    ]
    return {
        "scheduler": coordinator.client.base_url,
        "last_update_success": coordinator.last_update_success,
        "update_interval_seconds": coordinator.update_interval.total_seconds()
        if coordinator.update_interval
        else None,
        "cadence": coordinator.polling_plan(),
        # What the history of openings holds per watched centre: counts only.
        "history": {
            str(cid): {
                "openings": len(history.openings),
                "gone": sum(o.gone is not None for o in history.openings),
                "releases": len(history.releases),
                "open_now": len(history.open_keys),
            }
            for cid in sorted({w.location_id for w in data.watches.values()})
            if (history := coordinator.history(cid)) is not None
        },
        "subentries": [
            async_redact_data(s, TO_REDACT) if s["subentry_type"] == SUBENTRY_CARD else s
            for s in subentries
        ],
        "centres_listed": sorted(data.centres),
        "centre_status": {str(cid): status for cid, status in sorted(data.status.items())},
        "watches": {
            subentry_id: {
                "location_id": watch.location_id,
                "listed": watch.location is not None,
                "matching_slots": len(watch.matching),
                "next_slot": watch.matching[0].start.isoformat() if watch.matching else None,
                "next_expected_release": watch.release.start.isoformat() if watch.release else None,
                "backlog": {
                    "days_to_soonest": watch.backlog.days_to_soonest,
                    "open_places_30d": watch.backlog.open_places_30d,
                    "taken_percent_30d": watch.backlog.taken_percent_30d,
                },
            }
            for subentry_id, watch in data.watches.items()
        },
    }

"""Calendar entities: a watch's open matching slots and its centre's expected release windows."""

from datetime import UTC, datetime

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import NexusConfigEntry
from .entity import NexusWatchEntity, add_subentry_entities
from .ttp import Location, Slot

PARALLEL_UPDATES = 0

SLOTS_CALENDAR = CalendarEntityDescription(key="slots", translation_key="slots")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: NexusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a calendar to each centre watch."""
    coordinator = entry.runtime_data
    add_subentry_entities(
        entry,
        async_add_entities,
        watch=lambda sub: [NexusSlotCalendar(coordinator, sub, SLOTS_CALENDAR)],
    )


def _address(location: Location) -> str:
    city_line = " ".join(p for p in (location.state, location.postal_code) if p)
    parts = (
        location.address,
        location.address_additional,
        location.city,
        city_line,
        location.country_code,
    )
    return ", ".join(p for p in parts if p)


def _event(location: Location, label: str | None, slot: Slot) -> CalendarEvent:
    return CalendarEvent(
        start=slot.start,
        end=slot.end,
        summary=f"NEXUS · {label or location.name}",
        location=_address(location),
        uid=slot.key,
    )


class NexusSlotCalendar(NexusWatchEntity, CalendarEntity):
    """Open slots that fit the watch's wishes, as calendar events in the centre's time."""

    # The soonest slot is in the next-slot sensor's history already; recording it again here,
    # with the centre's name and address, would add a row of attributes at every change.
    _unrecorded_attributes = frozenset({"message", "location", "start_time", "end_time"})

    _soonest: tuple[Location, Slot, CalendarEvent] | None = None

    @property
    def event(self) -> CalendarEvent | None:
        """The soonest matching slot."""
        # A centre that is not listed has no slots: matching is empty then.
        watch = self.watch
        if watch is None or watch.location is None or not watch.matching:
            return None
        location, slot = watch.location, watch.matching[0]
        # Read several times per state written, and the same slot over many updates.
        if self._soonest is None or self._soonest[:2] != (location, slot):
            self._soonest = (location, slot, _event(location, watch.label, slot))
        return self._soonest[2]

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the matching slots overlapping the range, from the latest snapshot."""
        watch = self.watch
        if watch is None or watch.location is None:
            return []
        start, end = start_date.astimezone(UTC), end_date.astimezone(UTC)
        events = [
            _event(watch.location, watch.label, slot)
            for slot in watch.matching
            if slot.start.astimezone(UTC) < end and slot.end.astimezone(UTC) > start
        ]
        if watch.release is not None:  # when the centre is expected to publish its times
            name = watch.label or watch.location.name
            events += [
                CalendarEvent(
                    start=opens,
                    end=closes,
                    summary=f"NEXUS · expected release · {name}",
                    description=(
                        "Learned from this centre's releases"
                        if watch.release.rule.learned
                        else "CBP: new slots are released on the first Monday of each month"
                    ),
                    uid=f"release {watch.location_id} {opens.isoformat()}",
                )
                for opens, closes in watch.release.windows(start, end)
            ]
        return events

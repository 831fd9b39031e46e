"""Base entities and devices: one service device, one device per centre watch and per card."""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .alerts import Alert, Withdrawal
from .const import (
    BOOKING_URL,
    CONF_EXPIRY,
    DOMAIN,
    MAX_SLOTS_TOLD,
    SCHEDULER_WEBSITE,
    SUBENTRY_WATCH,
)
from .coordinator import NexusConfigEntry, NexusCoordinator
from .snapshot import WatchData
from .ttp import Location, Slot


def slot_details(
    slot: Slot, location: Location | None, label: str | None, places: int
) -> dict[str, Any]:
    """Say what events, attributes and the action tell about an open slot."""
    return {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "centre_id": slot.location_id,
        "centre": label,
        "centre_location": location.place if location else None,
        "local_time": slot.start.strftime("%Y-%m-%d %H:%M"),
        "time_zone": str(slot.start.tzinfo),
        "places": places,
        "scheduler_url": BOOKING_URL,
    }


def watch_slot_details(watch: WatchData, slot: Slot) -> dict[str, Any]:
    """Describe one of a watch's slots, with the places known at its time."""
    return slot_details(slot, watch.location, watch.label, watch.places(slot))


def alert_tag(subentry_id: str, alert: Alert) -> str:
    """Name an alert: the same on its withdrawal, so that a phone replaces its notification."""
    return f"nexus-{subentry_id}-{round(alert.at.timestamp())}"


def alert_details(subentry_id: str, watch: WatchData, alert: Alert) -> dict[str, Any]:
    """Say what an alert tells: its soonest slot in full, how many, and their list."""
    opened = watch.alerts.opened
    figures = watch.figures
    return watch_slot_details(watch, opened[0]) | {
        "alert": alert_tag(subentry_id, alert),
        "count": len(opened),
        "slots": [
            {key: about[key] for key in ("start", "local_time", "places")}
            for about in (watch_slot_details(watch, s) for s in opened[:MAX_SLOTS_TOLD])
        ],
        "usual_lifetime_minutes": figures.lifetime_minutes if figures else None,
        "gone_within_2_minutes_percent": figures.quickly_percent if figures else None,
    }


def gone_details(subentry_id: str, watch: WatchData, withdrawal: Withdrawal) -> dict[str, Any]:
    """Say that every slot an alert told of is gone, and how long after the alert."""
    return {
        "alert": alert_tag(subentry_id, withdrawal.alert),
        "count": len(withdrawal.alert.keys),
        "lasted_seconds": round(withdrawal.lasted.total_seconds()),
        "centre_id": watch.location_id,
        "centre": watch.label,
    }


def add_subentry_entities(
    entry: NexusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    watch: Callable[[ConfigSubentry], Iterable[Entity]],
    card: Callable[[ConfigSubentry], Iterable[Entity]] | None = None,
) -> None:
    """Add each centre watch's and each card's entities, attached to their subentry."""
    for subentry in entry.subentries.values():
        make = watch if subentry.subentry_type == SUBENTRY_WATCH else card
        if make is not None:
            async_add_entities(make(subentry), config_subentry_id=subentry.subentry_id)


def service_device(entry: NexusConfigEntry) -> DeviceInfo:
    """Return the device of the scheduler service itself."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer="U.S. Customs and Border Protection",
        model="Trusted Traveler Programs scheduler",
        name="NEXUS",
        configuration_url=SCHEDULER_WEBSITE,
    )


def subentry_device(subentry: ConfigSubentry, model: str) -> DeviceInfo:
    """Return the device of a centre watch or a membership card."""
    return DeviceInfo(
        identifiers={(DOMAIN, subentry.subentry_id)},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer="NEXUS",
        model=model,
        name=subentry.title,
    )


class NexusCoordinatorEntity(CoordinatorEntity[NexusCoordinator]):
    """An entity of the coordinator's snapshot, written only when what it shows changed.

    The one local rule on writes. The snapshot changes when any watch does, but most entities
    show one watch, or one figure of it: writing the same state again would still cost a
    state-reported event and a recorder pass. So an entity compares, by value, the part of
    the snapshot it shows (and its availability) with what it last read, and only when that
    changed, what it would write with what it wrote (the benchmark measures what this saves).
    """

    _attr_has_entity_name = True
    _read: tuple[bool, object] | None = None  # availability and the part of the snapshot shown
    _written: tuple[object, ...] | None = None

    def _source(self) -> object:
        """Return the part of the snapshot the entity shows."""
        return self.coordinator.data

    def _shown(self) -> tuple[object, ...]:
        return (self.available, self.state, self.state_attributes, self.extra_state_attributes)

    async def async_added_to_hass(self) -> None:
        """Remember what the first state is written from."""
        await super().async_added_to_hass()
        self._read, self._written = (self.available, self._source()), self._shown()

    @callback
    def _handle_coordinator_update(self) -> None:
        read = (self.available, self._source())
        if read == self._read:
            return
        self._read = read
        if self._shown() != self._written:
            self.write_state()

    @callback
    def write_state(self) -> None:
        """Write the state, and remember what was written."""
        self._written = self._shown()
        self.async_write_ha_state()


class NexusServiceEntity(NexusCoordinatorEntity):
    """An entity of the service device, reading the coordinator's snapshot."""

    def __init__(self, coordinator: NexusCoordinator, description: EntityDescription) -> None:
        """Describe the entity and attach it to the service device."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = service_device(entry)


class NexusWatchEntity(NexusCoordinatorEntity):
    """An entity of a centre watch's device."""

    def __init__(
        self,
        coordinator: NexusCoordinator,
        subentry: ConfigSubentry,
        description: EntityDescription,
    ) -> None:
        """Describe the entity and attach it to the watch's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self.subentry_id = subentry.subentry_id
        self._attr_unique_id = f"{subentry.subentry_id}_{description.key}"
        self._attr_device_info = subentry_device(subentry, "Centre watch")

    def _source(self) -> object:
        return self.watch

    @property
    def watch(self) -> WatchData | None:
        """Return the watch in the latest snapshot."""
        return self.coordinator.data.watches.get(self.subentry_id)

    @property
    def available(self) -> bool:
        """Available while the scheduler answers and the snapshot has this watch."""
        return super().available and self.watch is not None


def card_dates(subentry: ConfigSubentry) -> tuple[date, date]:
    """Return a card's expiry date and today's date in Home Assistant's time zone."""
    return date.fromisoformat(subentry.data[CONF_EXPIRY]), dt_util.now().date()


class NexusCardEntity(Entity):
    """An entity of a membership card's device; needs no network, changes at midnight."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, subentry: ConfigSubentry, description: EntityDescription) -> None:
        """Describe the entity and attach it to the card's device."""
        self.entity_description = description
        self.subentry = subentry
        self._attr_unique_id = f"{subentry.subentry_id}_{description.key}"
        self._attr_device_info = subentry_device(subentry, "Membership card")

    async def async_added_to_hass(self) -> None:
        """Write the state again each midnight, when the day count changes."""
        self.async_on_remove(
            async_track_time_change(self.hass, self._async_new_day, hour=0, minute=0, second=0)
        )

    @callback
    def _async_new_day(self, _now: datetime) -> None:
        self.async_write_ha_state()

"""Event entities: one `slot_opened` event for each newly open matching slot of a watch."""

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SLOT_OPENED
from .coordinator import NexusConfigEntry
from .entity import NexusWatchEntity, add_subentry_entities

PARALLEL_UPDATES = 0

SLOT_OPENED_EVENT = EventEntityDescription(
    key="slot_opened", translation_key="slot_opened", event_types=[SLOT_OPENED]
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: NexusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an event entity to each centre watch."""
    coordinator = entry.runtime_data
    add_subentry_entities(
        entry,
        async_add_entities,
        watch=lambda sub: [NexusSlotOpenedEvent(coordinator, sub, SLOT_OPENED_EVENT)],
    )


class NexusSlotOpenedEvent(NexusWatchEntity, EventEntity):
    """Fires once per newly open matching slot; the coordinator decides what is new."""

    # The history keeps what opened (start, centre id, places); the rest follows from those
    # or never changes, and would make each recorded opening twice as large.
    _unrecorded_attributes = frozenset(
        {"centre", "centre_location", "end", "local_time", "scheduler_url", "time_zone"}
    )

    async def async_added_to_hass(self) -> None:
        """Tell the openings found by the refresh that ran before this entity existed."""
        await super().async_added_to_hass()
        # A state written before the entity is fully added is dropped: tell right after.
        self.hass.loop.call_soon(self._tell_openings)

    @callback
    def _handle_coordinator_update(self) -> None:
        # Come back from unavailable first, then tell each opening as a state change of its
        # own, so that automations ignoring "back from unavailable" still see every opening.
        super()._handle_coordinator_update()
        self._tell_openings()

    @callback
    def _tell_openings(self) -> None:
        data = self.coordinator.data
        watch = data.watches.get(self.subentry_id)
        # Each update's openings are told once, even if this entity is added again.
        if watch is None or self.coordinator.told.get(self.subentry_id) == data.generation:
            return
        self.coordinator.told[self.subentry_id] = data.generation
        for slot in watch.opened:
            self._trigger_event(SLOT_OPENED, watch.describe(slot))
            self.async_write_ha_state()

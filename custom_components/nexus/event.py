"""Event entities: one `slot_opened` event for each newly open matching slot of a watch."""

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SLOT_OPENED
from .coordinator import NexusConfigEntry
from .entity import NexusWatchEntity, add_subentry_entities, watch_slot_details

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

    # How many updates' openings were told (see WatchData.alerts): each update's are told
    # once, even if this entity is removed and added again (an entity id change does that).
    _told = 0

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
        watch = self.watch
        if watch is None or watch.alerts == self._told:
            return
        self._told = watch.alerts
        for slot in watch.opened:
            self._trigger_event(SLOT_OPENED, watch_slot_details(watch, slot))
            self.write_state()

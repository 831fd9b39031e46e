"""Event entities: a watch's alerts (`slot_opened`, one per update) and their withdrawals."""

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SLOT_OPENED, SLOTS_GONE
from .coordinator import NexusConfigEntry
from .entity import NexusWatchEntity, add_subentry_entities, alert_details, gone_details

PARALLEL_UPDATES = 0

SLOT_OPENED_EVENT = EventEntityDescription(
    key="slot_opened", translation_key="slot_opened", event_types=[SLOT_OPENED, SLOTS_GONE]
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
    """Tells each update's alert once (`slot_opened`), and each alert withdrawn (`slots_gone`).

    The coordinator decides what is new (see alerts.py); the event carries the soonest slot's
    details, how many opened, their list (at most MAX_SLOTS_TOLD) and how long slots usually
    last at the centre.
    """

    # The history keeps what opened (start, centre id, places, how many); the rest follows
    # from those or never changes, and would make each recorded alert several times as large.
    _unrecorded_attributes = frozenset(
        {
            "centre",
            "centre_location",
            "end",
            "local_time",
            "scheduler_url",
            "time_zone",
            "slots",
            "usual_lifetime_minutes",
            "gone_within_2_minutes_percent",
        }
    )

    # How many updates' news were told (see Alerts.news): each update's are told once, even
    # if this entity is removed and added again (an entity id change does that).
    _told = 0

    async def async_added_to_hass(self) -> None:
        """Tell the alert found by the refresh that ran before this entity existed."""
        await super().async_added_to_hass()
        # A state written before the entity is fully added is dropped: tell right after.
        self.hass.loop.call_soon(self._tell)

    @callback
    def _handle_coordinator_update(self) -> None:
        # Come back from unavailable first, then tell each event as a state change of its
        # own, so that automations ignoring "back from unavailable" still see every one.
        super()._handle_coordinator_update()
        self._tell()

    @callback
    def _tell(self) -> None:
        watch = self.watch
        if watch is None or watch.alerts.news == self._told:
            return
        self._told = watch.alerts.news
        for withdrawal in watch.alerts.withdrawn:
            self._trigger_event(SLOTS_GONE, gone_details(self.subentry_id, watch, withdrawal))
            self.write_state()
        if (alert := watch.alerts.alert) is not None:
            self._trigger_event(SLOT_OPENED, alert_details(self.subentry_id, watch, alert))
            self.write_state()

"""Binary sensors: Canadian centres open, a matching slot available, renewal window open."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .card import renewal_opens, renewal_window_open
from .centres import CentreStatus
from .coordinator import NexusConfigEntry
from .entity import (
    NexusCardEntity,
    NexusServiceEntity,
    NexusWatchEntity,
    add_subentry_entities,
    card_dates,
)
from .snapshot import NexusData, WatchData

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class NexusServiceBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of the service device."""

    is_on_fn: Callable[[NexusData], bool | None]
    attributes_fn: Callable[[NexusData], dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class NexusWatchBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a centre watch."""

    is_on_fn: Callable[[WatchData], bool]


@dataclass(frozen=True, kw_only=True)
class NexusCardBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a membership card."""

    is_on_fn: Callable[[date, date], bool]
    attributes_fn: Callable[[date], dict[str, Any]]


def _canadian_open(data: NexusData) -> bool | None:
    """On while a Canadian centre interviews; unknown while none does and some are unread."""
    interviewing = data.canadian_interviewing()
    return None if interviewing is None else interviewing > 0


SERVICE_BINARY_SENSORS = (
    NexusServiceBinarySensorDescription(
        key="canadian_centres_open",
        translation_key="canadian_centres_open",
        is_on_fn=_canadian_open,
        attributes_fn=lambda data: {
            "interviewing": list(data.canadian(CentreStatus.INTERVIEWING)),
            "not_interviewing": list(data.canadian(CentreStatus.NOT_INTERVIEWING)),
            "not_listed": list(data.canadian(CentreStatus.NOT_LISTED)),
        },
    ),
)

WATCH_BINARY_SENSORS = (
    NexusWatchBinarySensorDescription(
        key="slot_available",
        translation_key="slot_available",
        is_on_fn=lambda watch: bool(watch.matching),
    ),
)

CARD_BINARY_SENSORS = (
    NexusCardBinarySensorDescription(
        key="renewal_window_open",
        translation_key="renewal_window_open",
        is_on_fn=renewal_window_open,
        attributes_fn=lambda expiry: {"opens": renewal_opens(expiry).isoformat()},
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: NexusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the service's binary sensors, and those of each watch and card."""
    coordinator = entry.runtime_data
    async_add_entities(NexusServiceBinarySensor(coordinator, d) for d in SERVICE_BINARY_SENSORS)
    add_subentry_entities(
        entry,
        async_add_entities,
        watch=lambda sub: [
            NexusWatchBinarySensor(coordinator, sub, d) for d in WATCH_BINARY_SENSORS
        ],
        card=lambda sub: [NexusCardBinarySensor(sub, d) for d in CARD_BINARY_SENSORS],
    )


class NexusServiceBinarySensor(NexusServiceEntity, BinarySensorEntity):
    """A binary sensor of the service device."""

    entity_description: NexusServiceBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Read the state from the snapshot."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Which Canadian centres interview, which are listed but do not, which are gone."""
        return self.entity_description.attributes_fn(self.coordinator.data)


class NexusWatchBinarySensor(NexusWatchEntity, BinarySensorEntity):
    """A binary sensor of a centre watch."""

    entity_description: NexusWatchBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Read the state from the snapshot."""
        watch = self.watch
        return None if watch is None else self.entity_description.is_on_fn(watch)


class NexusCardBinarySensor(NexusCardEntity, BinarySensorEntity):
    """A binary sensor of a membership card."""

    entity_description: NexusCardBinarySensorDescription

    @property
    def is_on(self) -> bool:
        """Compute from the card's expiry date and today's date."""
        return self.entity_description.is_on_fn(*card_dates(self.subentry))

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The day the renewal window opens."""
        return self.entity_description.attributes_fn(card_dates(self.subentry)[0])

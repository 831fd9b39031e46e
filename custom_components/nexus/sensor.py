"""Sensors: centres open; per watch the next slot, backlog and openings; per card the expiry."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .card import days_until
from .centres import CentreStatus, notice
from .coordinator import NexusConfigEntry
from .entity import (
    NexusCardEntity,
    NexusServiceEntity,
    NexusWatchEntity,
    add_subentry_entities,
    card_dates,
    watch_slot_details,
)
from .history_figures import OpeningFigures
from .snapshot import NexusData, WatchData

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class NexusServiceSensorDescription(SensorEntityDescription):
    """A sensor of the service device."""

    value_fn: Callable[[NexusData], StateType]


@dataclass(frozen=True, kw_only=True)
class NexusWatchSensorDescription(SensorEntityDescription):
    """A sensor of a centre watch."""

    value_fn: Callable[[WatchData], StateType | datetime]
    attributes_fn: Callable[[WatchData], dict[str, Any] | None] = lambda _watch: None


@dataclass(frozen=True, kw_only=True)
class NexusOpeningsSensorDescription(SensorEntityDescription):
    """A sensor of a centre watch, from the history of openings at its centre."""

    value_fn: Callable[[OpeningFigures], StateType | datetime]
    attributes_fn: Callable[[OpeningFigures], dict[str, Any] | None] = lambda _figures: None


@dataclass(frozen=True, kw_only=True)
class NexusCardSensorDescription(SensorEntityDescription):
    """A sensor of a membership card: computed from its expiry date and today."""

    value_fn: Callable[[date, date], StateType | date]


SERVICE_SENSORS = (
    NexusServiceSensorDescription(
        key="canadian_centres_open",
        translation_key="canadian_centres_open",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.canadian_interviewing(),
    ),
)


def _next_slot_attributes(watch: WatchData) -> dict[str, Any] | None:
    if not watch.matching:
        return None
    about = watch_slot_details(watch, watch.matching[0])
    return {
        key: about[key] for key in ("end", "local_time", "time_zone", "places", "scheduler_url")
    }


WATCH_SENSORS = (
    NexusWatchSensorDescription(
        key="next_slot",
        translation_key="next_slot",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda watch: watch.matching[0].start if watch.matching else None,
        attributes_fn=_next_slot_attributes,
    ),
    NexusWatchSensorDescription(
        key="matching_slots",
        translation_key="matching_slots",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda watch: len(watch.matching),
    ),
    NexusWatchSensorDescription(
        key="centre_status",
        translation_key="centre_status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in CentreStatus],
        value_fn=lambda watch: watch.status,
        attributes_fn=lambda watch: {"notice": notice(watch.location)},
    ),
    NexusWatchSensorDescription(
        key="days_to_soonest_slot",
        translation_key="days_to_soonest_slot",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.DAYS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda watch: watch.backlog.days_to_soonest,
    ),
    NexusWatchSensorDescription(
        key="open_slots_30_days",
        translation_key="open_slots_30_days",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda watch: watch.backlog.open_places_30d,
    ),
    NexusWatchSensorDescription(
        key="next_expected_release",
        translation_key="next_expected_release",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda watch: watch.release.start if watch.release else None,
        attributes_fn=lambda watch: (
            {
                "window_end": watch.release.end.isoformat(),
                "learned": watch.release.rule.learned,
            }
            if watch.release
            else None
        ),
    ),
    NexusWatchSensorDescription(
        key="capacity_taken_30_days",
        translation_key="capacity_taken_30_days",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda watch: watch.backlog.taken_percent_30d,
    ),
)

OPENINGS_SENSORS = (
    NexusOpeningsSensorDescription(
        key="openings_7_days",
        translation_key="openings_7_days",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda figures: figures.week,
        attributes_fn=lambda figures: {
            "usual_hours": list(figures.usual_hours),
            "per_day": dict(figures.per_day),
        },
    ),
    # Summed per day, week or month by its long-term statistic (statistics-graph, `change`).
    NexusOpeningsSensorDescription(
        key="openings_total",
        translation_key="openings_total",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda figures: figures.total,
    ),
    NexusOpeningsSensorDescription(
        key="opening_lifetime",
        translation_key="opening_lifetime",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda figures: figures.lifetime_minutes,
        attributes_fn=lambda figures: {"gone_within_2_minutes_percent": figures.quickly_percent},
    ),
    NexusOpeningsSensorDescription(
        key="last_release",
        translation_key="last_release",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda figures: figures.last_release,
        attributes_fn=lambda figures: {"slots_released": figures.released},
    ),
)

CARD_SENSORS = (
    NexusCardSensorDescription(
        key="expiry_date",
        translation_key="expiry_date",
        device_class=SensorDeviceClass.DATE,
        value_fn=lambda expiry, _today: expiry,
    ),
    NexusCardSensorDescription(
        key="days_until_expiry",
        translation_key="days_until_expiry",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.DAYS,
        value_fn=days_until,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: NexusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the service's sensors, and those of each watch and card (the other subentry kind)."""
    coordinator = entry.runtime_data
    async_add_entities(NexusServiceSensor(coordinator, d) for d in SERVICE_SENSORS)
    add_subentry_entities(
        entry,
        async_add_entities,
        watch=lambda sub: [
            *(NexusWatchSensor(coordinator, sub, d) for d in WATCH_SENSORS),
            *(NexusOpeningsSensor(coordinator, sub, d) for d in OPENINGS_SENSORS),
        ],
        card=lambda sub: [NexusCardSensor(sub, d) for d in CARD_SENSORS],
    )


class NexusServiceSensor(NexusServiceEntity, SensorEntity):
    """A sensor of the service device."""

    entity_description: NexusServiceSensorDescription

    @property
    def native_value(self) -> StateType:
        """Read the value from the snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)


class NexusWatchSensor(NexusWatchEntity, SensorEntity):
    """A sensor of a centre watch."""

    entity_description: NexusWatchSensorDescription
    # The state is the slot's start: what follows from it is not stored again in the history.
    _unrecorded_attributes = frozenset(
        {"end", "local_time", "notice", "scheduler_url", "time_zone"}
    )

    @property
    def native_value(self) -> StateType | datetime:
        """Read the value from the snapshot."""
        watch = self.watch
        return None if watch is None else self.entity_description.value_fn(watch)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Small attributes only: the long slot list is not recorded on every update."""
        watch = self.watch
        return None if watch is None else self.entity_description.attributes_fn(watch)


class NexusOpeningsSensor(NexusWatchEntity, SensorEntity):
    """A sensor of a centre watch, from the history of openings at its centre."""

    entity_description: NexusOpeningsSensorDescription

    @property
    def available(self) -> bool:
        """Available while the watch is, once its centre's history has been read."""
        watch = self.watch
        return super().available and watch is not None and watch.figures is not None

    @property
    def native_value(self) -> StateType | datetime:
        """Read the value from the watch's figures."""
        figures = self.watch.figures if self.watch else None
        return None if figures is None else self.entity_description.value_fn(figures)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Read the attributes from the watch's figures."""
        figures = self.watch.figures if self.watch else None
        return None if figures is None else self.entity_description.attributes_fn(figures)


class NexusCardSensor(NexusCardEntity, SensorEntity):
    """A sensor of a membership card."""

    entity_description: NexusCardSensorDescription

    @property
    def native_value(self) -> StateType | date:
        """Compute from the card's expiry date and today's date."""
        return self.entity_description.value_fn(*card_dates(self.subentry))

"""Which slots match a centre watch, and which matching slots are new: pure functions."""

from collections.abc import Mapping, Sequence, Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any, Protocol

from .const import (
    CONF_EARLIEST,
    CONF_LATEST,
    CONF_MAX_ALERTS,
    CONF_MIN_PLACES,
    CONF_TIME_FROM,
    CONF_TIME_UNTIL,
    CONF_WEEKDAYS,
    DEFAULT_MAX_ALERTS,
    WEEKDAYS,
)
from .ttp import Slot

ALL_WEEKDAYS = frozenset(range(7))


@dataclass(frozen=True, slots=True, kw_only=True)
class Wishes:
    """What a user wants of a slot. Dates and times are the centre's local ones."""

    earliest: date | None = None
    latest: date | None = None
    weekdays: frozenset[int] = ALL_WEEKDAYS  # 0 is Monday
    time_from: time | None = None
    time_until: time | None = None
    minimum_places: int = 1
    max_alerts_per_hour: int = DEFAULT_MAX_ALERTS  # what opens past it waits for the next alert

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Wishes:
        """Read the wishes stored in a centre watch's subentry data."""
        weekdays = data.get(CONF_WEEKDAYS)
        return cls(
            earliest=_date(data.get(CONF_EARLIEST)),
            latest=_date(data.get(CONF_LATEST)),
            weekdays=ALL_WEEKDAYS
            if weekdays is None
            else frozenset(WEEKDAYS.index(day) for day in weekdays),
            time_from=_time(data.get(CONF_TIME_FROM)),
            time_until=_time(data.get(CONF_TIME_UNTIL)),
            minimum_places=int(data.get(CONF_MIN_PLACES, 1)),
            max_alerts_per_hour=int(data.get(CONF_MAX_ALERTS, DEFAULT_MAX_ALERTS)),
        )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


class Timed(Protocol):
    """What a slot's wishes are judged on: its start and end, on the centre's clock."""

    @property
    def start(self) -> datetime:
        """The start."""

    @property
    def end(self) -> datetime:
        """The end."""


def slot_matches(slot: Timed, wishes: Wishes) -> bool:
    """Tell whether a slot fits the wishes, judged on the centre's wall clock.

    The whole appointment must fit the time-of-day window: it starts at or after `time_from`
    and ends by `time_until`.
    """
    start = slot.start
    day = start.date()
    if wishes.earliest is not None and day < wishes.earliest:
        return False
    if wishes.latest is not None and day > wishes.latest:
        return False
    if day.weekday() not in wishes.weekdays:
        return False
    if wishes.time_from is not None and start.time() < wishes.time_from:
        return False
    if wishes.time_until is not None:
        end = slot.end.astimezone(start.tzinfo)
        if end.date() != day or end.time() > wishes.time_until:
            return False
    return True


def index_open_slots(
    slots: Sequence[Slot], now: datetime
) -> tuple[dict[str, Slot], dict[str, int]]:
    """Index the future slots by key, soonest first, and say which times were listed twice.

    Returns each future time's first slot, and how often each time listed more than once was
    listed (the scheduler may list a time once per open place). This runs for every slot of
    every update: keys were computed when the slots were parsed, and nothing is made per slot.
    """
    # Compared in each slot's own zone: datetimes sharing a tzinfo compare by wall clock,
    # without an offset lookup per slot.
    cutoffs: dict[tzinfo | None, datetime] = {}
    first: dict[str, Slot] = {}
    repeated: dict[str, int] = {}
    latest: datetime | None = None
    in_order = True  # the scheduler sends the soonest first; sort only when it did not
    for slot in slots:
        zone = slot.start.tzinfo
        cutoff = cutoffs.get(zone)
        if cutoff is None:
            cutoff = cutoffs[zone] = now.astimezone(zone)
        if slot.start > cutoff:
            key = slot.key
            if key in first:
                repeated[key] = repeated.get(key, 1) + 1
            else:
                first[key] = slot
                if latest is not None and slot.start < latest:
                    in_order = False
                latest = slot.start
    if not in_order:
        first = {s.key: s for s in sorted(first.values(), key=lambda s: s.start)}
    return first, repeated


def open_places(
    slot: Slot, repeated: Mapping[str, int], minimum: int, capacity: Mapping[str, int]
) -> int:
    """Open places at a slot's time, at least: as listed, as asked for, or as viewed."""
    return max(repeated.get(slot.key, 1), minimum, capacity.get(slot.key, 0))


def unchanged(last: object, now: object) -> bool:
    """Tell whether two values are equal; one object is equal to itself without a walk.

    Most polls bring the same answer: the long slot lists and key sets handed on from the last
    update are then the same objects, and comparing them element by element would cost as
    much as the update itself. Correctness rests on the value: equal copies are equal too.
    """
    return last is now or last == now


@dataclass(frozen=True, slots=True)
class CentreSlots:
    """A watched centre's open future slots (its fullest answer), and the places at each.

    Equal when the same slots are open: the rest follows from them and the capacity view.
    """

    slots: tuple[Slot, ...]  # soonest first, one per start time
    first: Mapping[str, Slot] = field(compare=False)  # the same, by key
    repeated: Mapping[str, int] = field(compare=False)  # see index_open_slots
    minimum: int = field(compare=False)  # the places asked for
    capacity: Mapping[str, int] = field(compare=False)  # open places by key, as last viewed

    def places(self, slot: Slot) -> int:
        """Open places at one of the slots' time, at least."""
        return open_places(slot, self.repeated, self.minimum, self.capacity)


def matching(open_slots: Mapping[str, Slot], wishes: Wishes) -> dict[str, Slot]:
    """Return the open slots (by key, as `index_open_slots` gives them) that fit the wishes.

    The scheduler already left out times with fewer open places than the watch's minimum.
    """
    return {key: slot for key, slot in open_slots.items() if slot_matches(slot, wishes)}


def newly_open(matching: Mapping[str, Slot], seen: AbstractSet[str] | None) -> tuple[Slot, ...]:
    """Return the matching slots (by key) not seen open last time.

    `seen` is None the first time a watch is refreshed: what is open then is recorded, not
    announced, so that a new watch does not flood the user with every slot already open. A
    slot that was taken and opens again is new again, since `seen` only holds what was open.
    """
    if seen is None:
        return ()
    return tuple(slot for key, slot in matching.items() if key not in seen)

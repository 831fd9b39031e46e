"""Typed, immutable views of the scheduler's JSON, parsed and checked at the edge.

The scheduler sends wall-clock times with no offset; they are the centre's local time, to be
read in the centre's `tzData` zone. Every datetime here is aware, in that zone.
"""

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Self, cast
from zoneinfo import ZoneInfo

from .exceptions import TTPParseError
from .fields import (
    LIMITS,
    JSONObject,
    as_list,
    as_object,
    count,
    end_of,
    identifier,
    minutes_after,
    number,
    optional,
    parse_local_time,
    required,
    zone_named,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """An enrolment centre."""

    id: int
    name: str
    short_name: str
    location_type: str
    address: str
    address_additional: str
    city: str
    state: str
    postal_code: str
    country_code: str
    time_zone: ZoneInfo
    temporary: bool
    invite_only: bool
    operational: bool
    services: tuple[str, ...]
    map_file_name: str | None
    notes: str = ""  # the scheduler's free-text notice, in English

    @classmethod
    def from_json(cls, data: object) -> Self:
        """Parse one element of `/locations/` or `/slots/asLocations`."""
        obj = as_object(data, "location")
        services = tuple(
            required(as_object(service, "services[]"), "name", str)
            for service in as_list(required(obj, "services", list), "services")
        )
        return cls(
            id=identifier(obj, "id"),
            name=_name(obj),
            short_name=optional(obj, "shortName", str, "").strip(),
            location_type=optional(obj, "locationType", str, ""),
            address=optional(obj, "address", str, "").strip(),
            address_additional=optional(obj, "addressAdditional", str, "").strip(),
            city=required(obj, "city", str).strip(),
            state=optional(obj, "state", str, "").strip(),
            postal_code=optional(obj, "postalCode", str, "").strip(),
            country_code=required(obj, "countryCode", str).strip(),
            time_zone=zone_named(required(obj, "tzData", str)),
            temporary=optional(obj, "temporary", bool, False),
            invite_only=optional(obj, "inviteOnly", bool, False),
            operational=optional(obj, "operational", bool, True),
            services=services,
            map_file_name=optional(obj, "mapFileName", str, "") or None,
            notes=optional(obj, "notes", str, "").strip(),
        )

    @property
    def place(self) -> str:
        """Say where the centre is, as people write it: "Blaine, WA, US" (not its name)."""
        return ", ".join(part for part in (self.town, self.state, self.country_code) if part)

    @property
    def town(self) -> str:
        """The town of the street address, as people write it ("BLAINE" reads "Blaine")."""
        return self.city.title() if self.city.isupper() else self.city

    @property
    def canadian(self) -> bool:
        """Tell whether the centre is in Canada."""
        return self.country_code == "CA"

    def offers(self, service_name: str) -> bool:
        """Tell whether the centre offers a program (e.g. "NEXUS")."""
        return service_name in self.services


def _name(obj: JSONObject) -> str:
    """Return a centre's name: what the booking site shows, so never blank."""
    name = required(obj, "name", str).strip()
    if not name:
        raise TTPParseError("name", "blank")
    return name


def time_key(location_id: int, start: datetime) -> str:
    """Identify a time at a centre: "5020@2026-12-01T08:00:00-08:00"."""
    return f"{location_id}@{start.isoformat()}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Slot:
    """An open interview slot, from `/slots`."""

    location_id: int
    start: datetime
    end: datetime
    active: bool
    duration: int
    remote: bool
    # Computed once: the seen sets, events and the capacity view look slots up by it.
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Compute the slot's key (see `time_key`)."""
        object.__setattr__(self, "key", time_key(self.location_id, self.start))

    @classmethod
    def from_json(cls, data: object, zone: tzinfo) -> Self:
        """Parse one slot; times are read in the centre's zone."""
        obj = as_object(data, "slot")
        duration = number(obj, "duration", LIMITS.max_minutes, default=0)
        start = parse_local_time(required(obj, "startTimestamp", str), zone, "startTimestamp")
        end = parse_local_time(required(obj, "endTimestamp", str), zone, "endTimestamp")
        return cls(
            location_id=identifier(obj, "locationId"),
            start=start,
            end=end_of(start, end, duration),
            active=optional(obj, "active", bool, True),
            duration=duration,
            remote=optional(obj, "remoteInd", bool, False),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacitySlot:
    """One time of a centre's capacity view (`/locations/{id}/slots`): full times included."""

    start: datetime
    end: datetime
    available: int
    total: int
    pending: int
    conflicts: int
    duration: int
    remote: bool

    @classmethod
    def from_json(cls, data: object, zone: tzinfo) -> Self:
        """Parse one row; `active` is the number of places still open at that time."""
        obj = as_object(data, "slot")
        duration = number(obj, "duration", LIMITS.max_minutes)
        start = parse_local_time(required(obj, "timestamp", str), zone, "timestamp")
        return cls(
            start=start,
            end=minutes_after(start, duration, "duration"),
            available=count(obj, "active"),
            total=count(obj, "total"),
            pending=count(obj, "pending", default=0),
            conflicts=count(obj, "conflicts", default=0),
            duration=duration,
            remote=optional(obj, "remote", bool, False),
        )

    @property
    def taken(self) -> int:
        """Places no longer open (booked or held), never below zero."""
        return max(self.total - self.available, 0)


def parse_locations(data: object) -> tuple[Location, ...]:
    """Parse the answer of `/locations/` or `/slots/asLocations`."""
    return tuple(Location.from_json(item) for item in as_list(data, "locations"))


# The fields of a /slots element that a Slot is read from.
_SLOT_FIELDS = frozenset(
    {"startTimestamp", "endTimestamp", "locationId", "active", "duration", "remoteInd"}
)


class SlotParser:
    """Parses the successive `/slots` answers of one centre, each unchanged slot only once.

    A centre's list of soonest slots changes little from one poll to the next, and may hold
    thousands of slots: an element equal to one of the previous answer is not parsed again.
    What is kept of an element is only the fields that were parsed (scalars, checked), so an
    element carrying anything else, however deeply nested, compares unequal at once (another
    size, or a scalar against a container) and is parsed again: never a recursion. No object
    is made per unchanged slot, so a long list costs the garbage collector of a large Home
    Assistant nothing.
    """

    __slots__ = ("_items", "_slots", "body", "location_id", "slots", "zone")

    def __init__(self, zone: tzinfo, location_id: int | None = None) -> None:
        """Read times in `zone`, the centre's; `location_id`, when given, is the centre asked."""
        self.zone = zone
        self.location_id = location_id
        self._items: dict[str, dict[str, object]] = {}
        self._slots: dict[str, Slot] = {}
        self.body: bytes | None = None  # the last answer parsed, as received, when given
        self.slots: tuple[Slot, ...] = ()  # and its slots

    def parse(self, data: object, body: bytes | None = None) -> tuple[Slot, ...]:
        """Parse one answer of `/slots` (decoded from `body`, if given)."""
        known_items, known_slots = self._items, self._slots
        items: dict[str, dict[str, object]] = {}
        slots: dict[str, Slot] = {}
        parsed: list[Slot] = []
        for item in as_list(data, "slots"):
            try:
                start: str = item["startTimestamp"]  # type: ignore[index]
                slot = known_slots[start] if known_items[start] == item else None
                kept = known_items[start]
            except KeyError, TypeError:  # new, not an object, no start, or not a string
                slot = None
            if slot is None:
                slot = self._parse(item)
                start = cast(JSONObject, item)["startTimestamp"]
                kept = {k: v for k, v in cast(JSONObject, item).items() if k in _SLOT_FIELDS}
            items[start] = kept
            slots[start] = slot
            parsed.append(slot)
        self._items, self._slots = items, slots
        self.body, self.slots = body, tuple(parsed)
        return self.slots

    def _parse(self, item: object) -> Slot:
        slot = Slot.from_json(item, self.zone)  # raises on anything malformed
        if self.location_id is not None and slot.location_id != self.location_id:
            # Read in another centre's time zone, it would be shown at the wrong time.
            raise TTPParseError(
                "locationId", f"a slot of centre {slot.location_id}, not {self.location_id}"
            )
        return slot


def parse_slots(data: object, zone: tzinfo) -> tuple[Slot, ...]:
    """Parse one answer of `/slots`."""
    return SlotParser(zone).parse(data)


def parse_capacity(data: object, zone: tzinfo) -> tuple[CapacitySlot, ...]:
    """Parse the answer of `/locations/{id}/slots`."""
    return tuple(CapacitySlot.from_json(item, zone) for item in as_list(data, "slots"))

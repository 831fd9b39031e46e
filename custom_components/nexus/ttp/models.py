"""Typed, immutable views of the scheduler's JSON, parsed and checked at the edge.

The scheduler sends wall-clock times with no offset; they are the centre's local time, to be
read in the centre's `tzData` zone. Every datetime here is aware, in that zone.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Self, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .exceptions import TTPParseError

type JSONObject = dict[str, Any]


def _as_object(data: object, where: str) -> JSONObject:
    if not isinstance(data, dict):
        raise TTPParseError(where, f"expected an object, got {type(data).__name__}")
    return cast(JSONObject, data)


def _as_list(data: object, where: str) -> list[object]:
    """Return `data` when it is a JSON array, else raise the parse error."""
    if not isinstance(data, list):
        raise TTPParseError(where, f"expected an array, got {type(data).__name__}")
    return cast(list[object], data)


def _required[T](obj: JSONObject, key: str, kind: type[T]) -> T:
    if key not in obj or obj[key] is None:
        raise TTPParseError(key, "missing")
    return _typed(obj, key, kind)


def _optional[T](obj: JSONObject, key: str, kind: type[T], default: T) -> T:
    if obj.get(key) is None:
        return default
    return _typed(obj, key, kind)


def _typed[T](obj: JSONObject, key: str, kind: type[T]) -> T:
    value = obj[key]
    # bool is an int in Python, but a JSON true is never a count or an id.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TTPParseError(key, f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _count(obj: JSONObject, key: str, *, default: int | None = None) -> int:
    value = _required(obj, key, int) if default is None else _optional(obj, key, int, default)
    if value < 0:
        raise TTPParseError(key, f"expected a count, got {value}")
    return value


def parse_local_time(value: str, zone: tzinfo, field: str) -> datetime:
    """Read a wall-clock timestamp of the scheduler as an aware datetime in `zone`.

    A time in a DST gap does not exist on the wall; it is read with the offset in force before
    the gap (PEP 495, fold=0), which is what the centre's clock showed an instant earlier. A
    time in a fold is read as its first occurrence.
    """
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None and 1 < parsed.year < 9999:
            # The common case, kept cheap: it runs for every slot of every update.
            return parsed.replace(tzinfo=zone)
        local = parsed.astimezone(zone) if parsed.tzinfo else parsed.replace(tzinfo=zone)
        local.astimezone(UTC)  # every time must have a place on the timeline
    except ValueError, OverflowError:
        raise TTPParseError(field, f"not a timestamp: {value[:40]!r}") from None
    return local


def wall_clock(moment: datetime, zone: tzinfo) -> str:
    """Format an aware datetime as the scheduler's wall-clock timestamp in `zone`."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError, ValueError:
        raise TTPParseError("tzData", f"unknown time zone {name[:60]!r}") from None


def _after(start: datetime, minutes: int, field: str) -> datetime:
    # Aware arithmetic within one zone is wall-clock arithmetic in Python; going through UTC
    # keeps a slot that spans a DST change as long as it really is.
    try:
        return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)
    except OverflowError:
        raise TTPParseError(field, f"{minutes} minutes after {start} is out of range") from None


def _end(start: datetime, end: datetime, duration: int) -> datetime:
    # Read in one zone with fold=0, a later wall clock is a later instant: the cheap common
    # case. Across a DST fold the wall-clock end can read earlier than the start; the offsets
    # decide then, and where the end is really earlier, the duration is the truth.
    if end.tzinfo is start.tzinfo and end > start:
        return end
    if end.astimezone(UTC) <= start.astimezone(UTC):
        return _after(start, duration, "duration")
    return end


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
        obj = _as_object(data, "location")
        services = tuple(
            _required(_as_object(service, "services[]"), "name", str)
            for service in _as_list(_required(obj, "services", list), "services")
        )
        return cls(
            id=_required(obj, "id", int),
            name=_required(obj, "name", str).strip(),
            short_name=_optional(obj, "shortName", str, "").strip(),
            location_type=_optional(obj, "locationType", str, ""),
            address=_optional(obj, "address", str, "").strip(),
            address_additional=_optional(obj, "addressAdditional", str, "").strip(),
            city=_required(obj, "city", str).strip(),
            state=_optional(obj, "state", str, "").strip(),
            postal_code=_optional(obj, "postalCode", str, "").strip(),
            country_code=_required(obj, "countryCode", str).strip(),
            time_zone=_zone(_required(obj, "tzData", str)),
            temporary=_optional(obj, "temporary", bool, False),
            invite_only=_optional(obj, "inviteOnly", bool, False),
            operational=_optional(obj, "operational", bool, True),
            services=services,
            map_file_name=_optional(obj, "mapFileName", str, "") or None,
            notes=_optional(obj, "notes", str, "").strip(),
        )

    @property
    def label(self) -> str:
        """Say where the centre is, as people write it: "Blaine, WA, US"."""
        city = self.city.title() if self.city.isupper() else self.city
        return ", ".join(part for part in (city, self.state, self.country_code) if part)

    def offers(self, service_name: str) -> bool:
        """Tell whether the centre offers a program (e.g. "NEXUS")."""
        return service_name in self.services


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
        obj = _as_object(data, "slot")
        duration = _count(obj, "duration", default=0)
        start = parse_local_time(_required(obj, "startTimestamp", str), zone, "startTimestamp")
        end = parse_local_time(_required(obj, "endTimestamp", str), zone, "endTimestamp")
        return cls(
            location_id=_required(obj, "locationId", int),
            start=start,
            end=_end(start, end, duration),
            active=_optional(obj, "active", bool, True),
            duration=duration,
            remote=_optional(obj, "remoteInd", bool, False),
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
        obj = _as_object(data, "slot")
        duration = _count(obj, "duration")
        start = parse_local_time(_required(obj, "timestamp", str), zone, "timestamp")
        return cls(
            start=start,
            end=_after(start, duration, "duration"),
            available=_count(obj, "active"),
            total=_count(obj, "total"),
            pending=_count(obj, "pending", default=0),
            conflicts=_count(obj, "conflicts", default=0),
            duration=duration,
            remote=_optional(obj, "remote", bool, False),
        )

    @property
    def taken(self) -> int:
        """Places no longer open (booked or held), never below zero."""
        return max(self.total - self.available, 0)


def parse_locations(data: object) -> tuple[Location, ...]:
    """Parse the answer of `/locations/` or `/slots/asLocations`."""
    return tuple(Location.from_json(item) for item in _as_list(data, "locations"))


class SlotParser:
    """Parses the successive `/slots` answers of one centre, each unchanged slot only once.

    A centre's list of soonest slots changes little from one poll to the next, and may hold
    thousands of slots: an element equal to one of the previous answer is not parsed again
    (equal as Python compares decoded JSON). Holds the previous answer's elements only, in
    plain dicts: no object is made per unchanged slot, so a long list costs the garbage
    collector of a large Home Assistant nothing.
    """

    __slots__ = ("_items", "_slots", "body", "slots", "zone")

    def __init__(self, zone: tzinfo) -> None:
        """Read times in `zone`, the centre's."""
        self.zone = zone
        self._items: dict[str, object] = {}
        self._slots: dict[str, Slot] = {}
        self.body: bytes | None = None  # the last answer parsed, as received, when given
        self.slots: tuple[Slot, ...] = ()  # and its slots

    def parse(self, data: object, body: bytes | None = None) -> tuple[Slot, ...]:
        """Parse one answer of `/slots` (decoded from `body`, if given)."""
        known_items, known_slots = self._items, self._slots
        items: dict[str, object] = {}
        slots: dict[str, Slot] = {}
        parsed: list[Slot] = []
        for item in _as_list(data, "slots"):
            try:
                start: str = item["startTimestamp"]  # type: ignore[index]
                slot = known_slots[start] if known_items[start] == item else None
            except KeyError, TypeError:  # new, not an object, no start, or not a string
                slot = None
            if slot is None:
                slot = Slot.from_json(item, self.zone)  # raises on anything malformed
                start = cast(JSONObject, item)["startTimestamp"]
            items[start] = item
            slots[start] = slot
            parsed.append(slot)
        self._items, self._slots = items, slots
        self.body, self.slots = body, tuple(parsed)
        return self.slots


def parse_slots(data: object, zone: tzinfo) -> tuple[Slot, ...]:
    """Parse one answer of `/slots`."""
    return SlotParser(zone).parse(data)


def parse_capacity(data: object, zone: tzinfo) -> tuple[CapacitySlot, ...]:
    """Parse the answer of `/locations/{id}/slots`."""
    return tuple(CapacitySlot.from_json(item, zone) for item in _as_list(data, "slots"))

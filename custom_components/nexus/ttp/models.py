"""Typed, immutable views of the scheduler's JSON, parsed and checked at the edge.

The scheduler sends wall-clock times with no offset; they are the centre's local time, to be
read in the centre's `tzData` zone. Every datetime here is aware, in that zone.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from operator import itemgetter
import re
from typing import Any, Final, Self, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .exceptions import TTPParseError

type JSONObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Limits:
    """What the client accepts of a field; anything beyond is rejected, never passed on.

    Far above every real answer (the longest name in the 133-centre capture is 52 characters,
    the longest notice 1,999, the largest id 16,547), and small enough for Home Assistant to
    show, store and send: every integer fits in 64 bits.
    """

    text: int = 200  # names, cities, addresses, codes, timestamps
    notes: int = 4000  # the free-text notice
    zone: int = 64  # an IANA zone name
    max_id: int = 2**31 - 1
    max_places: int = 100_000  # places at one time
    max_minutes: int = 24 * 60  # an appointment's duration


LIMITS: Final = Limits()
# The longest wait a server's Retry-After is read as, in seconds: a week.
MAX_RETRY_AFTER: Final = 7 * 24 * 3600
# Text Home Assistant cannot store or show: lone UTF-16 surrogates (half an emoji, from a
# backend that cut a string), NUL and the other control characters but tab and line breaks.
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")


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
    if isinstance(value, str):
        _check_text(value, key, LIMITS.notes if key == "notes" else LIMITS.text)
    return value


def _check_text(value: str, key: str, limit: int) -> None:
    if len(value) > limit:
        raise TTPParseError(key, f"{len(value)} characters, over {limit}")
    if bad := _BAD_TEXT.search(value):
        raise TTPParseError(key, f"not text: character U+{ord(bad.group()):04X}")


def _number(
    obj: JSONObject, key: str, high: int, *, low: int = 0, default: int | None = None
) -> int:
    value = _required(obj, key, int) if default is None else _optional(obj, key, int, default)
    if not low <= value <= high:
        raise TTPParseError(key, f"expected {low} to {high}, got {str(value)[:30]}")
    return value


def _count(obj: JSONObject, key: str, *, default: int | None = None) -> int:
    return _number(obj, key, LIMITS.max_places, default=default)


def _id(obj: JSONObject, key: str) -> int:
    return _number(obj, key, LIMITS.max_id, low=1)


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
    # Checked before the lookup, which reads a file named after it.
    if len(name) > LIMITS.zone or not _ZONE_NAME.fullmatch(name):
        raise TTPParseError("tzData", f"not a time zone name: {name[:60]!r}")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError, ValueError, OSError:
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
            id=_id(obj, "id"),
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
        duration = _number(obj, "duration", LIMITS.max_minutes, default=0)
        start = parse_local_time(_required(obj, "startTimestamp", str), zone, "startTimestamp")
        end = parse_local_time(_required(obj, "endTimestamp", str), zone, "endTimestamp")
        return cls(
            location_id=_id(obj, "locationId"),
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
        duration = _number(obj, "duration", LIMITS.max_minutes)
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


# The fields of a /slots element that a Slot is read from, in one C call.
_SLOT_FIELDS = itemgetter(
    "startTimestamp", "endTimestamp", "locationId", "active", "duration", "remoteInd"
)


class SlotParser:
    """Parses the successive `/slots` answers of one centre, each unchanged slot only once.

    A centre's list of soonest slots changes little from one poll to the next, and may hold
    thousands of slots: an element whose fields equal those of one in the previous answer is
    not parsed again. Only fields that were parsed (scalars, checked) are kept and compared,
    so an element carrying anything else, however deeply nested, costs one failed comparison
    and a parse, never a recursion. No object is made per unchanged slot, so a long list
    costs the garbage collector of a large Home Assistant nothing.
    """

    __slots__ = ("_fields", "_slots", "body", "location_id", "slots", "zone")

    def __init__(self, zone: tzinfo, location_id: int | None = None) -> None:
        """Read times in `zone`, the centre's; `location_id`, when given, is the centre asked."""
        self.zone = zone
        self.location_id = location_id
        self._fields: dict[str, tuple[object, ...]] = {}
        self._slots: dict[str, Slot] = {}
        self.body: bytes | None = None  # the last answer parsed, as received, when given
        self.slots: tuple[Slot, ...] = ()  # and its slots

    def parse(self, data: object, body: bytes | None = None) -> tuple[Slot, ...]:
        """Parse one answer of `/slots` (decoded from `body`, if given)."""
        known_fields, known_slots = self._fields, self._slots
        fields: dict[str, tuple[object, ...]] = {}
        slots: dict[str, Slot] = {}
        parsed: list[Slot] = []
        for item in _as_list(data, "slots"):
            try:
                seen: tuple[object, ...] | None = _SLOT_FIELDS(cast(JSONObject, item))
                start = cast(str, seen[0])  # type: ignore[index]
                slot = known_slots[start] if known_fields[start] == seen else None
            except KeyError, TypeError:  # new, not an object, a field missing, not a string
                slot = None
            if slot is None:
                slot = self._parse(item)
                start = cast(JSONObject, item)["startTimestamp"]
                try:
                    seen = _SLOT_FIELDS(cast(JSONObject, item))
                except KeyError:  # an optional field left out: parsed again next time
                    seen = None
            if seen is not None:
                fields[start] = seen
            slots[start] = slot
            parsed.append(slot)
        self._fields, self._slots = fields, slots
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
    return tuple(CapacitySlot.from_json(item, zone) for item in _as_list(data, "slots"))

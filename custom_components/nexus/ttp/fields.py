"""Reading the scheduler's JSON fields: types, bounds, text, time zones and local times.

Everything a field may hold is checked here, at the edge: what does not fit raises a
`TTPParseError` naming the field, and nothing unbounded or unstorable is passed on.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
import re
from typing import Any, Final, cast
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
MAX_RETRY_AFTER_CLIENT: Final = 7 * 24 * 3600
# Text Home Assistant cannot store or show: lone UTF-16 surrogates (half an emoji, from a
# backend that cut a string), NUL and the other control characters but tab and line breaks.
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")


def as_object(data: object, where: str) -> JSONObject:
    """Return `data` when it is a JSON object, else raise the parse error."""
    if not isinstance(data, dict):
        raise TTPParseError(where, f"expected an object, got {type(data).__name__}")
    return cast(JSONObject, data)


def as_list(data: object, where: str) -> list[object]:
    """Return `data` when it is a JSON array, else raise the parse error."""
    if not isinstance(data, list):
        raise TTPParseError(where, f"expected an array, got {type(data).__name__}")
    return cast(list[object], data)


def required[T](obj: JSONObject, key: str, kind: type[T]) -> T:
    """Return a field that must be there, of its type."""
    if key not in obj or obj[key] is None:
        raise TTPParseError(key, "missing")
    return _typed(obj, key, kind)


def optional[T](obj: JSONObject, key: str, kind: type[T], default: T) -> T:
    """Return a field, or `default` when it is missing or null."""
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


def is_text(value: object, limit: int = LIMITS.text) -> bool:
    """Tell whether a value is text the client would accept (see `_check_text`), not blank."""
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        _check_text(value, "text", limit)
    except TTPParseError:
        return False
    return True


def _check_text(value: str, key: str, limit: int) -> None:
    if len(value) > limit:
        raise TTPParseError(key, f"{len(value)} characters, over {limit}")
    if bad := _BAD_TEXT.search(value):
        raise TTPParseError(key, f"not text: character U+{ord(bad.group()):04X}")


def number(
    obj: JSONObject, key: str, high: int, *, low: int = 0, default: int | None = None
) -> int:
    """Return an integer field within `low` and `high`."""
    value = required(obj, key, int) if default is None else optional(obj, key, int, default)
    if not low <= value <= high:
        raise TTPParseError(key, f"expected {low} to {high}, got {str(value)[:30]}")
    return value


def count(obj: JSONObject, key: str, *, default: int | None = None) -> int:
    """Return a number of places (0 to the limit)."""
    return number(obj, key, LIMITS.max_places, default=default)


def identifier(obj: JSONObject, key: str) -> int:
    """Return a centre id (1 to the limit)."""
    return number(obj, key, LIMITS.max_id, low=1)


def centre_id(value: object) -> int | None:
    """Read a centre id given elsewhere (a stored key, an action's field), or None.

    A whole number or its digits as text (at most 10: the limit has 10), 1 to the limit.
    """
    if isinstance(value, str) and value.isdecimal() and len(value) <= 10:
        value = int(value)
    if type(value) is not int or not 0 < value <= LIMITS.max_id:
        return None
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


def zone_named(name: str) -> ZoneInfo:
    """Return the time zone of a `tzData` name."""
    # Checked before the lookup, which reads a file named after it.
    if len(name) > LIMITS.zone or not _ZONE_NAME.fullmatch(name):
        raise TTPParseError("tzData", f"not a time zone name: {name[:60]!r}")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError, ValueError, OSError:
        raise TTPParseError("tzData", f"unknown time zone {name[:60]!r}") from None


def minutes_after(start: datetime, minutes: int, field: str) -> datetime:
    """Return the moment `minutes` after `start`, in its zone.

    Aware arithmetic within one zone is wall-clock arithmetic in Python; going through UTC
    keeps a slot that spans a DST change as long as it really is.
    """
    try:
        return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)
    except OverflowError:
        raise TTPParseError(field, f"{minutes} minutes after {start} is out of range") from None


def end_of(start: datetime, end: datetime, duration: int) -> datetime:
    """Return a slot's end, never before its start and never a day or more after it.

    Read in one zone with fold=0, a later wall clock is a later instant: the cheap common
    case. Across a DST fold the wall-clock end can read earlier than the start; the offsets
    decide then. Where the end is really earlier, or further than the longest appointment
    (a year-long slot of 10 minutes), the duration is the truth.
    """
    longest = timedelta(minutes=LIMITS.max_minutes)
    if end.tzinfo is start.tzinfo and start < end <= start + longest:
        return end
    if not timedelta() < end.astimezone(UTC) - start.astimezone(UTC) <= longest:
        return minutes_after(start, duration, "duration")
    return end

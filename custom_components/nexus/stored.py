"""Reading the stored files back: every value checked as strictly as the scheduler's answers.

Pure: no Home Assistant, no I/O. Each reader takes what a file held (any JSON, or
`Unreadable`) and returns bounded, valid values and how many entries it left out. Labels are
valid text of the client's length, ids are ids, dates and times are never after now (written
while the clock ran fast), and the counts are capped.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from .centres import KnownCentres
from .const import MAX_KNOWN_CENTRES, SLOT_LIMIT
from .history import CentreHistory
from .ttp.fields import LIMITS, centre_id, is_text

# Statuses and histories of centres kept, at most: the Canadian ones remembered, and others.
MAX_CENTRES_KEPT: Final = 2 * MAX_KNOWN_CENTRES
# A watch's openings since it was added: a thousand a day for over a thousand years.
MAX_TOTAL: Final = 10**9


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A file that could not be read at all, and why."""

    reason: str


def _mapping(data: Any, key: str) -> tuple[dict[Any, Any], int]:
    """Return `data[key]` when it is a JSON object; else nothing, and 1 if it was not absent."""
    value = data.get(key) if isinstance(data, dict) else data
    if isinstance(value, dict):
        return value, 0
    return {}, int(value is not None)


def _day(value: Any, today: date) -> str | None:
    """Read a stored date, at the latest today (written while the clock ran fast)."""
    if not isinstance(value, str) or len(value) > 10:
        return None
    try:
        return min(date.fromisoformat(value), today).isoformat()
    except ValueError:
        return None


def read_centres(data: Any, today: date) -> tuple[KnownCentres, int]:
    """Read the Canadian centres known (labels), when each was listed, and the statuses."""
    if isinstance(data, Unreadable):
        return KnownCentres(), 1
    canadian, lost = _mapping(data, "canadian")
    listed_on, lost_dates = _mapping(data, "listed_on")
    interviewing, lost_statuses = _mapping(data, "interviewing")
    known = {cid: v for k, v in canadian.items() if (cid := centre_id(k)) and is_text(v)}
    # Written before 2026-12 without dates: counted from the next listing.
    dates = {
        cid: day for k, v in listed_on.items() if (cid := centre_id(k)) and (day := _day(v, today))
    }
    statuses = {
        cid: v for k, v in interviewing.items() if (cid := centre_id(k)) and type(v) is bool
    }
    lost += lost_dates + lost_statuses
    lost += len(canadian) - len(known) + len(listed_on) - len(dates)
    lost += len(interviewing) - len(statuses)
    newest = sorted(known, key=lambda cid: dates.get(cid, ""), reverse=True)[:MAX_KNOWN_CENTRES]
    known = {cid: known[cid] for cid in sorted(newest)}
    dates = {cid: day for cid, day in dates.items() if cid in known}
    statuses = dict(sorted(statuses.items(), key=lambda s: s[0] not in known)[:MAX_CENTRES_KEPT])
    return KnownCentres(known, dates, statuses), lost


def read_seen(data: Any, watches: Collection[str]) -> tuple[dict[str, frozenset[str]], int]:
    """Read the seen sets of the watches that exist."""
    if isinstance(data, Unreadable):
        return {}, 1
    stored, lost = _mapping(data, "watches")
    seen: dict[str, frozenset[str]] = {}
    for sid in watches:
        keys = stored.get(sid)
        if keys is None:
            continue
        if not isinstance(keys, list):
            lost += 1
            continue
        kept = [k for k in keys[:SLOT_LIMIT] if isinstance(k, str) and len(k) <= LIMITS.text]
        seen[sid] = frozenset(kept)
        lost += len(keys) - len(kept)
    return seen, lost


def read_histories(
    data: Any, now: datetime, watched: Collection[int]
) -> tuple[dict[int, CentreHistory], int]:
    """Read the history of each centre, the watched ones first."""
    if isinstance(data, Unreadable):
        return {}, 1
    centres, lost = _mapping(data, "centres")
    histories: dict[int, CentreHistory] = {}
    first = sorted(centres.items(), key=lambda item: centre_id(item[0]) not in watched)
    for key, stored in first[:MAX_CENTRES_KEPT]:
        if (cid := centre_id(key)) is None:
            lost += 1
            continue
        histories[cid], unread = CentreHistory.from_data(cid, stored, now)
        lost += unread
    return histories, lost


def read_totals(data: Any, watches: Collection[str]) -> tuple[dict[str, int], int]:
    """Read the openings counted for each watch that exists (none in earlier releases)."""
    if isinstance(data, Unreadable):
        return {}, 0  # counted as lost with the seen sets
    stored, lost = _mapping(data, "totals")
    totals = {
        sid: n for sid in watches if type(n := stored.get(sid)) is int and 0 <= n <= MAX_TOTAL
    }
    return totals, lost + sum(sid in stored and sid not in totals for sid in watches)

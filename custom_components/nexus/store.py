"""What is kept on disk: centres ever listed, whether they interview, slots told, openings.

What is read back is as untrusted as the scheduler's answers: a file of any content starts the
integration. What cannot be read is left out with one warning per file (the file is written
anew), and every value kept is checked against the client's limits (ttp.fields.LIMITS).
"""

from collections.abc import Collection, Mapping, Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime
import os
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    DOMAIN,
    KNOWN_CENTRES_KEPT,
    LOGGER,
    MAX_KNOWN_CENTRES,
    OPENINGS_SAVE_DELAY,
    SEEN_SAVE_DELAY,
    SLOT_LIMIT,
)
from .history import CentreHistory
from .repairs import async_set_history_lost_issue
from .ttp.fields import LIMITS, is_text

STORE_VERSION = 1
# Far above what the integration writes (the fullest history of all 26 NEXUS centres is about
# 7 MB): a larger file is not read at all.
MAX_FILE_BYTES: Final = 32 * 1024 * 1024
# Statuses and histories of centres kept, at most: the Canadian ones remembered, and others.
MAX_CENTRES_KEPT: Final = 2 * MAX_KNOWN_CENTRES


class NexusStore:
    """The files of the config entry, loaded once and written in the background.

    `seen` holds, per watch, the keys of the matching slots open at its last update: what has
    been told, so that a restart tells nothing twice. `histories` are the openings of each
    watched centre (see history.py), in a file of the integration's own (there is one entry),
    which the demo can give a history before Home Assistant first starts.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Name the files after the config entry."""
        self._hass = hass
        self._centres: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry_id}.centres"
        )
        self._seen: Store[dict[str, Any]] = Store(hass, STORE_VERSION, f"{DOMAIN}.{entry_id}.seen")
        self._openings: Store[dict[str, Any]] = Store(hass, STORE_VERSION, f"{DOMAIN}.openings")
        self.histories: dict[int, CentreHistory] = {}
        self._openings_changed = False
        self.known_canadian: dict[int, str] = {}
        self._listed_on: dict[int, str] = {}  # when each was last listed, an ISO date
        self.interviewing: dict[int, bool] = {}  # as last read, by centre id
        self.seen: Mapping[str, AbstractSet[str]] = {}
        self._seen_changed = False

    async def async_load(self, watches: Collection[str], centres: Collection[int]) -> None:
        """Read the files; never a failed setup.

        `watches` are the watches' subentry ids (only their seen sets are read), `centres`
        the watched centres (their histories are read first).
        """
        now = dt_util.utcnow()
        stored = await _load(self._centres)
        read, lost = _read_centres(stored, dt_util.as_local(now).date())
        self.known_canadian, self._listed_on, self.interviewing = read
        if _lost(self._centres, stored, lost, "centre list"):
            self._centres.async_delay_save(self._centres_data, 1)
        stored = await _load(self._seen)
        self.seen, lost = _read_seen(stored, watches)
        if _lost(self._seen, stored, lost, "seen slots"):
            self._seen.async_delay_save(self._seen_data, SEEN_SAVE_DELAY)
        stored = await _load(self._openings)
        self.histories, lost = _read_histories(stored, now, centres)
        if _lost(self._openings, stored, lost, "history of openings"):
            self.remember_openings()
            async_set_history_lost_issue(self._hass, lost)

    def remember_centres(
        self, canadian: Mapping[int, str], listed: AbstractSet[int], today: date
    ) -> None:
        """Remember the Canadian centres listed now (id -> label), and forget stale ones.

        A centre not listed for a year is forgotten, and at most MAX_KNOWN_CENTRES are kept
        (the most recently listed), so that no answer can grow the file or the attributes
        without bound; statuses are kept only for centres listed or remembered.
        """
        stamp = today.isoformat()
        known = self.known_canadian | dict(canadian)
        listed_on = self._listed_on | dict.fromkeys(canadian, stamp)
        oldest = (today - KNOWN_CENTRES_KEPT).isoformat()
        kept = sorted(
            (cid for cid in known if listed_on.get(cid, stamp) >= oldest),
            key=lambda cid: (cid in canadian, listed_on.get(cid, stamp)),
            reverse=True,
        )[:MAX_KNOWN_CENTRES]
        known = {cid: known[cid] for cid in sorted(kept)}
        interviewing = {
            cid: value for cid, value in self.interviewing.items() if cid in listed or cid in known
        }
        if (
            known == self.known_canadian
            and interviewing == self.interviewing
            and all(self._listed_on.get(cid) == stamp for cid in canadian)
        ):
            return
        self.known_canadian, self.interviewing = known, interviewing
        self._listed_on = {cid: listed_on.get(cid, stamp) for cid in known}
        self._centres.async_delay_save(self._centres_data, 1)

    def remember_status(self, location_id: int, *, interviewing: bool) -> None:
        """Keep whether a centre publishes interview times, as last read."""
        if self.interviewing.get(location_id) is interviewing:
            return
        self.interviewing[location_id] = interviewing
        self._centres.async_delay_save(self._centres_data, 1)

    def _centres_data(self) -> dict[str, Any]:
        return {
            "canadian": {str(k): v for k, v in self.known_canadian.items()},
            "listed_on": {str(k): v for k, v in self._listed_on.items()},
            "interviewing": {str(k): v for k, v in self.interviewing.items()},
        }

    def remember_seen(self, seen: Mapping[str, AbstractSet[str]]) -> None:
        """Keep what is open now as the seen sets; written shortly after, and on unload."""
        if seen == self.seen:
            return
        self.seen = seen
        self._seen_changed = True
        self._seen.async_delay_save(self._seen_data, SEEN_SAVE_DELAY)

    def remember_openings(self) -> None:
        """Write the histories in a while: a poll never waits for the disk."""
        self._openings_changed = True
        self._openings.async_delay_save(self._openings_data, OPENINGS_SAVE_DELAY)

    async def async_flush(self) -> None:
        """Write what changed now: a reload reads it back at once (a stop flushes anyway)."""
        if self._seen_changed:
            await self._seen.async_save(self._seen_data())
        if self._openings_changed:
            await self._openings.async_save(self._openings_data())

    async def async_remove(self) -> None:
        """Delete the files, when the integration is removed."""
        for store in (self._centres, self._seen, self._openings):
            await store.async_remove()

    def _openings_data(self) -> dict[str, Any]:
        """Prune each history (those no longer watched too) and convert it.

        Each opening keeps its stored row, so a write converts only the new ones.
        """
        now = dt_util.utcnow()
        for history in self.histories.values():
            history.prune(now)
        return {
            "centres": {str(cid): self.histories[cid].as_data() for cid in sorted(self.histories)}
        }

    def _seen_data(self) -> dict[str, Any]:
        return {"watches": {sid: sorted(keys) for sid, keys in self.seen.items()}}


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """A file that could not be read at all, and why."""

    reason: str


async def _load(store: Store[dict[str, Any]]) -> Any:
    """Read a store's data: None when there is none, `_Unreadable` when it cannot be read.

    Home Assistant itself sets a file of broken JSON aside. A file of the wrong shape, an
    unknown version or a `version` of the wrong type raises from inside Home Assistant's
    Store (KeyError, TypeError, NotImplementedError, ...): whatever it raises, the file is
    read as unreadable.
    """
    try:
        size = await store.hass.async_add_executor_job(_size, store.path)
        if size > MAX_FILE_BYTES:
            return _Unreadable(f"{size} bytes, over {MAX_FILE_BYTES}")
        return await store.async_load()
    except Exception as err:  # noqa: BLE001 - any content of the file, see above
        return _Unreadable(str(err) or type(err).__name__)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size  # noqa: PTH116 - the Store names its file by a str path
    except OSError:
        return 0  # none yet, or no access: the Store says which


def _lost(store: Store[dict[str, Any]], stored: Any, lost: int, what: str) -> bool:
    """Say, once per file, what could not be read; tell whether anything was left out."""
    if isinstance(stored, _Unreadable):
        LOGGER.warning("Cannot read %s, starting it afresh: %s", store.key, stored.reason)
    elif lost:
        LOGGER.warning(
            "Ignoring unreadable stored %s (%d of its entries); it is written anew", what, lost
        )
    return bool(lost)


def _mapping(data: Any, key: str) -> tuple[dict[Any, Any], int]:
    """Return `data[key]` when it is a JSON object; else nothing, and 1 if it was not absent."""
    value = data.get(key) if isinstance(data, dict) else data
    if isinstance(value, dict):
        return value, 0
    return {}, int(value is not None)


def _centre_id(key: Any) -> int | None:
    """Read a centre id stored as a key: digits, within the client's limit."""
    if isinstance(key, str) and key.isdecimal() and len(key) <= 10:
        cid = int(key)
        if 0 < cid <= LIMITS.max_id:
            return cid
    return None


def _day(value: Any, today: date) -> str | None:
    """Read a stored date, at the latest today (written while the clock ran fast)."""
    if not isinstance(value, str) or len(value) > 10:
        return None
    try:
        return min(date.fromisoformat(value), today).isoformat()
    except ValueError:
        return None


type _Centres = tuple[dict[int, str], dict[int, str], dict[int, bool]]


def _read_centres(data: Any, today: date) -> tuple[_Centres, int]:
    """Read the Canadian centres known (labels), when each was listed, and the statuses."""
    if isinstance(data, _Unreadable):
        return ({}, {}, {}), 1
    canadian, lost = _mapping(data, "canadian")
    listed_on, lost_dates = _mapping(data, "listed_on")
    interviewing, lost_statuses = _mapping(data, "interviewing")
    known = {cid: v for k, v in canadian.items() if (cid := _centre_id(k)) and is_text(v)}
    # Written before 2026-12 without dates: counted from the next listing.
    dates = {
        cid: day for k, v in listed_on.items() if (cid := _centre_id(k)) and (day := _day(v, today))
    }
    statuses = {
        cid: v for k, v in interviewing.items() if (cid := _centre_id(k)) and type(v) is bool
    }
    lost += lost_dates + lost_statuses
    lost += len(canadian) - len(known) + len(listed_on) - len(dates)
    lost += len(interviewing) - len(statuses)
    newest = sorted(known, key=lambda cid: dates.get(cid, ""), reverse=True)[:MAX_KNOWN_CENTRES]
    known = {cid: known[cid] for cid in sorted(newest)}
    dates = {cid: day for cid, day in dates.items() if cid in known}
    statuses = dict(sorted(statuses.items(), key=lambda s: s[0] not in known)[:MAX_CENTRES_KEPT])
    return (known, dates, statuses), lost


def _read_seen(data: Any, watches: Collection[str]) -> tuple[dict[str, frozenset[str]], int]:
    """Read the seen sets of the watches that exist."""
    if isinstance(data, _Unreadable):
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


def _read_histories(
    data: Any, now: datetime, watched: Collection[int]
) -> tuple[dict[int, CentreHistory], int]:
    """Read the history of each centre, the watched ones first."""
    if isinstance(data, _Unreadable):
        return {}, 1
    centres, lost = _mapping(data, "centres")
    histories: dict[int, CentreHistory] = {}
    first = sorted(centres.items(), key=lambda item: _centre_id(item[0]) not in watched)
    for key, stored in first[:MAX_CENTRES_KEPT]:
        if (cid := _centre_id(key)) is None:
            lost += 1
            continue
        histories[cid], unread = CentreHistory.from_data(cid, stored, now)
        lost += unread
    return histories, lost

"""The files of a config entry: what the coordinator hands over, converted to and from disk.

One versioned Store per concern, each named after the entry: the Canadian centres known and
their statuses, the slots told (seen sets), the history of openings. The coordinator owns
the values; this module only reads them back (as untrusted as the scheduler's answers: a file
of any content starts the integration, see stored.py) and writes what it is given, in the
background.
"""

from collections.abc import Callable, Collection, Mapping, Set as AbstractSet
from dataclasses import dataclass
import os
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .centres import KnownCentres
from .const import DOMAIN, LOGGER, OPENINGS_SAVE_DELAY, SEEN_SAVE_DELAY
from .history import CentreHistory
from .repairs import async_set_history_lost_issue
from .stored import Unreadable, read_centres, read_histories, read_seen, read_totals

STORE_VERSION = 1
# Far above what the integration writes (the fullest history of all 26 NEXUS centres is about
# 7 MB): a larger file is not read at all.
MAX_FILE_BYTES: Final = 32 * 1024 * 1024
# Earlier releases kept the history of openings in one file for all entries, not one each.
LEGACY_OPENINGS_KEY: Final = f"{DOMAIN}.openings"

type _Data = dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Kept:
    """What the files held, read back and checked."""

    centres: KnownCentres
    seen: dict[str, frozenset[str]]  # per watch, the keys of the slots told
    totals: dict[str, int]  # per watch, the openings counted since it was added
    histories: dict[int, CentreHistory]


class NexusStore:
    """Reads an entry's files once, then writes what it is handed, a little later."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Name the files after the config entry."""
        self._hass = hass
        self._centres = _store(hass, f"{DOMAIN}.{entry_id}.centres")
        self._seen = _store(hass, f"{DOMAIN}.{entry_id}.seen")
        self._openings = _store(hass, f"{DOMAIN}.{entry_id}.openings")
        # What is waiting to be written, by file: written on unload rather than lost.
        self._pending: dict[Store[_Data], Callable[[], _Data]] = {}

    async def async_load(self, watches: Collection[str], centres: Collection[int]) -> Kept:
        """Read the files; never a failed setup.

        `watches` are the watches' subentry ids (only their seen sets are read), `centres`
        the watched centres (their histories are read first).
        """
        now = dt_util.utcnow()
        stored = await _load(self._centres)
        known, lost = read_centres(stored, dt_util.as_local(now).date())
        if _lost(self._centres, stored, lost, "centre list"):
            self.save_centres(known)
        stored = await _load(self._seen)
        seen, lost = read_seen(stored, watches)
        totals, lost_totals = read_totals(stored, watches)
        if _lost(self._seen, stored, lost + lost_totals, "seen slots"):
            self.save_seen(seen, totals)
        stored = await self._load_openings()
        histories, lost = read_histories(stored, now, centres)
        if _lost(self._openings, stored, lost, "history of openings"):
            self.save_openings(histories)
            async_set_history_lost_issue(self._hass, lost)
        return Kept(centres=known, seen=seen, histories=histories, totals=totals)

    async def _load_openings(self) -> Any:
        """Read the entry's history; the one file of earlier releases moves to it once."""
        stored = await _load(self._openings)
        if stored is not None:
            return stored
        legacy = _store(self._hass, LEGACY_OPENINGS_KEY)
        stored = await _load(legacy)
        if stored is None or isinstance(stored, Unreadable):
            return stored
        await self._openings.async_save(stored)
        await legacy.async_remove()
        LOGGER.info("Moved the history of openings to %s", self._openings.key)
        return stored

    def save_centres(self, known: KnownCentres) -> None:
        """Write the Canadian centres known and the statuses, in a second."""
        self._save(self._centres, lambda: _centres_data(known), 1)

    def save_seen(self, seen: Mapping[str, AbstractSet[str]], totals: Mapping[str, int]) -> None:
        """Write each watch's seen set and openings counted in a second (and on unload).

        The count goes with the seen sets, not with the history (written a minute late): a
        power cut must not take from it what the recorder has already recorded.
        """
        self._save(
            self._seen,
            lambda: {
                "watches": {sid: sorted(keys) for sid, keys in seen.items()},
                "totals": dict(sorted(totals.items())),
            },
            SEEN_SAVE_DELAY,
        )

    def save_openings(self, histories: Mapping[int, CentreHistory]) -> None:
        """Write the histories in a while: a poll never waits for the disk.

        Each opening keeps its stored row, so a write converts only the new ones.
        """
        self._save(
            self._openings,
            lambda: {"centres": {str(cid): histories[cid].as_data() for cid in sorted(histories)}},
            OPENINGS_SAVE_DELAY,
        )

    def _save(self, store: Store[_Data], data: Callable[[], _Data], delay: float) -> None:
        self._pending[store] = data

        def written() -> _Data:  # by the Store's timer: nothing is left for the flush
            return self._pending.pop(store, data)()

        store.async_delay_save(written, delay)

    async def async_flush(self) -> None:
        """Write what is waiting now: a reload reads it back at once (a stop flushes anyway)."""
        for store, data in list(self._pending.items()):
            await store.async_save(data())
        self._pending.clear()

    async def async_remove(self) -> None:
        """Delete the files, when the integration is removed."""
        for store in (self._centres, self._seen, self._openings):
            await store.async_remove()


def _store(hass: HomeAssistant, key: str) -> Store[_Data]:
    return Store(hass, STORE_VERSION, key)


def _centres_data(known: KnownCentres) -> _Data:
    return {
        "canadian": {str(k): v for k, v in known.canadian.items()},
        "listed_on": {str(k): v for k, v in known.listed_on.items()},
        "interviewing": {str(k): v for k, v in known.interviewing.items()},
    }


async def _load(store: Store[_Data]) -> Any:
    """Read a store's data: None when there is none, `Unreadable` when it cannot be read.

    Home Assistant itself sets a file of broken JSON aside. A file of the wrong shape, an
    unknown version or a `version` of the wrong type raises from inside Home Assistant's
    Store (KeyError, TypeError, NotImplementedError, ...): whatever it raises, the file is
    read as unreadable.
    """
    try:
        size = await store.hass.async_add_executor_job(_size, store.path)
        if size > MAX_FILE_BYTES:
            return Unreadable(f"{size} bytes, over {MAX_FILE_BYTES}")
        return await store.async_load()
    except Exception as err:  # noqa: BLE001 - any content of the file, see above
        return Unreadable(str(err) or type(err).__name__)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size  # noqa: PTH116 - the Store names its file by a str path
    except OSError:
        return 0  # none yet, or no access: the Store says which


def _lost(store: Store[_Data], stored: Any, lost: int, what: str) -> bool:
    """Say, once per file, what could not be read; tell whether anything was left out."""
    if isinstance(stored, Unreadable):
        LOGGER.warning("Cannot read %s, starting it afresh: %s", store.key, stored.reason)
    elif lost:
        LOGGER.warning(
            "Ignoring unreadable stored %s (%d of its entries); it is written anew", what, lost
        )
    return bool(lost)

"""What is kept on disk: centres ever listed, whether they interview, slots told, openings.

What is read back is as untrusted as the scheduler's answers: a file of any content starts the
integration. What cannot be read is left out with one warning per file (the file is written
anew); stored.py checks every value kept against the client's limits.
"""

from collections.abc import Collection, Mapping, Set as AbstractSet
from datetime import date
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
)
from .history import CentreHistory
from .repairs import async_set_history_lost_issue
from .stored import Unreadable, read_centres, read_histories, read_seen

STORE_VERSION = 1
# Far above what the integration writes (the fullest history of all 26 NEXUS centres is about
# 7 MB): a larger file is not read at all.
MAX_FILE_BYTES: Final = 32 * 1024 * 1024


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
        read, lost = read_centres(stored, dt_util.as_local(now).date())
        self.known_canadian, self._listed_on, self.interviewing = read
        if _lost(self._centres, stored, lost, "centre list"):
            self._centres.async_delay_save(self._centres_data, 1)
        stored = await _load(self._seen)
        self.seen, lost = read_seen(stored, watches)
        if _lost(self._seen, stored, lost, "seen slots"):
            self._seen.async_delay_save(self._seen_data, SEEN_SAVE_DELAY)
        stored = await _load(self._openings)
        self.histories, lost = read_histories(stored, now, centres)
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


async def _load(store: Store[dict[str, Any]]) -> Any:
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


def _lost(store: Store[dict[str, Any]], stored: Any, lost: int, what: str) -> bool:
    """Say, once per file, what could not be read; tell whether anything was left out."""
    if isinstance(stored, Unreadable):
        LOGGER.warning("Cannot read %s, starting it afresh: %s", store.key, stored.reason)
    elif lost:
        LOGGER.warning(
            "Ignoring unreadable stored %s (%d of its entries); it is written anew", what, lost
        )
    return bool(lost)

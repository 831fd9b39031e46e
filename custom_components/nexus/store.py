"""What is kept on disk: centres ever listed, whether they interview, slots told, openings."""

from collections.abc import Mapping, Set as AbstractSet
from datetime import date
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
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

STORE_VERSION = 1


class NexusStore:
    """The files of the config entry, loaded once and written in the background.

    `seen` holds, per watch, the keys of the matching slots open at its last update: what has
    been told, so that a restart tells nothing twice. `histories` are the openings of each
    watched centre (see history.py), in a file of the integration's own (there is one entry),
    which the demo can give a history before Home Assistant first starts.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Name the files after the config entry."""
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

    async def async_load(self) -> None:
        """Read the files; one that cannot be read is logged and rebuilt, never a failed setup."""
        stored = await _load(self._centres)
        seen = await _load(self._seen)
        centres = (await _load(self._openings)).get("centres")
        now = dt_util.utcnow()
        self.histories = {
            int(cid): CentreHistory.from_data(int(cid), data, now)
            for cid, data in (centres.items() if isinstance(centres, dict) else ())
            if isinstance(cid, str) and cid.isdecimal() and len(cid) < 10
        }
        try:
            self.known_canadian = {int(k): str(v) for k, v in stored.get("canadian", {}).items()}
            self.interviewing = {
                int(k): v for k, v in stored.get("interviewing", {}).items() if isinstance(v, bool)
            }
            # Written before 2026-12 without dates: counted from the next listing.
            self._listed_on = {
                int(k): str(v)
                for k, v in stored.get("listed_on", {}).items()
                if int(k) in self.known_canadian
            }
        except AttributeError, TypeError, ValueError:
            LOGGER.warning("Ignoring unreadable stored centre list; it is rebuilt")
            self.known_canadian, self.interviewing, self._listed_on = {}, {}, {}
        try:
            self.seen = {
                str(sid): {str(key) for key in keys}
                for sid, keys in seen.get("watches", {}).items()
                if isinstance(keys, list)
            }
        except AttributeError, TypeError:
            LOGGER.warning("Ignoring unreadable stored seen slots; they are rebuilt")
            self.seen = {}

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


async def _load(store: Store[dict[str, Any]]) -> dict[str, Any]:
    """Read a store; Home Assistant already sets a corrupt JSON file aside.

    What is left is an unreadable file or one of the wrong shape.
    """
    try:
        data = await store.async_load()
    except HomeAssistantError as err:
        LOGGER.warning("Cannot read %s, starting it afresh: %s", store.key, err)
        return {}
    return data if isinstance(data, dict) else {}

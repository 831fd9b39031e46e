"""One coordinator per config entry: fetches the scheduler and returns one immutable snapshot."""

import asyncio
from bisect import bisect_left
from collections.abc import Mapping, Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
import random
from types import MappingProxyType
from typing import Any, Self, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    CAPACITY_INTERVAL,
    CAPACITY_WINDOW,
    CONF_LOCATION_ID,
    DOMAIN,
    EVENT_SLOT_OPENED,
    LOCATIONS_INTERVAL,
    LOGGER,
    MAX_BACKOFF,
    MAX_CONCURRENT_REQUESTS,
    REFUSED_ISSUE_AFTER,
    SCHEDULER_WEBSITE,
    SEEN_SAVE_DELAY,
    SLOT_INTERVAL,
    SLOT_JITTER_SECONDS,
    SLOT_LIMIT,
    SUBENTRY_WATCH,
)
from .ttp import (
    CapacitySlot,
    Location,
    Slot,
    TTPClient,
    TTPConnectionError,
    TTPError,
    TTPRefusedError,
    TTPResponseError,
    TTPServerError,
    TTPTimeoutError,
    time_key,
)
from .watch import Wishes, index_open_slots, matching, newly_open

type NexusConfigEntry = ConfigEntry[NexusCoordinator]

STORE_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Backlog:
    """What the scheduler shows of a centre's backlog."""

    days_to_soonest: float | None
    open_places_30d: int | None
    taken_percent_30d: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacityView:
    """A centre's capacity view as last fetched (hourly), indexed for the slot updates.

    The rows are kept as their starts (UTC, in order) and running totals, so that the 30 days
    ahead, which move on at every update, are summed with two binary searches.
    """

    fetched: datetime
    places: Mapping[str, int]  # open places by time key (see ttp.time_key)
    starts: tuple[datetime, ...]
    # Open, taken and all places of the rows before each index (one more than the rows).
    totals: tuple[tuple[int, int, int], ...]

    @classmethod
    def of(cls, location_id: int, rows: tuple[CapacitySlot, ...], fetched: datetime) -> Self:
        """Index the rows once, rather than on every slot update."""
        # In UTC: in a DST fold, two rows can show the same wall clock.
        ordered = sorted(((row.start.astimezone(UTC), row) for row in rows), key=lambda r: r[0])
        totals = accumulate(
            ((row.available, row.taken, row.total) for _start, row in ordered),
            lambda acc, row: (acc[0] + row[0], acc[1] + row[1], acc[2] + row[2]),
            initial=(0, 0, 0),
        )
        return cls(
            fetched=fetched,
            places={time_key(location_id, row.start): row.available for row in rows},
            starts=tuple(start for start, _row in ordered),
            totals=tuple(totals),
        )

    def window(self, start: datetime, end: datetime) -> tuple[int, int, int] | None:
        """Open, taken and all places of the times from `start` to before `end`."""
        if not self.starts:
            return None
        first, last = bisect_left(self.starts, start), bisect_left(self.starts, end)
        before, upto = self.totals[first], self.totals[last]
        return (upto[0] - before[0], upto[1] - before[1], upto[2] - before[2])


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchData:
    """A centre watch as of the last update."""

    location_id: int
    location: Location | None  # None while the scheduler does not list the centre
    wishes: Wishes
    matching: tuple[Slot, ...]  # soonest first, one per start time
    repeated: Mapping[str, int]  # times the scheduler listed more than once: how often, by key
    capacity: Mapping[str, int]  # open places by key, from the hourly capacity view
    opened: tuple[Slot, ...]  # matching slots that opened since the last update
    backlog: Backlog

    def places(self, slot: Slot) -> int:
        """Open places at a slot's time, at least: looked up only for the slots told about."""
        listed = self.repeated.get(slot.key, 1)
        return max(listed, self.wishes.minimum_places, self.capacity.get(slot.key, 0))

    def describe(self, slot: Slot) -> dict[str, Any]:
        """Say what events, the bus and the action tell about one of this watch's slots."""
        return describe_slot(slot, self.location, self.places(slot))


def describe_slot(slot: Slot, location: Location | None, places: int) -> dict[str, Any]:
    """Say what events, the bus and the action tell about an open slot."""
    return {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "centre_id": slot.location_id,
        "centre": location.name if location else None,
        "centre_location": location.label if location else None,
        "local_time": slot.start.strftime("%Y-%m-%d %H:%M"),
        "time_zone": str(slot.start.tzinfo),
        "places": places,
        "scheduler_url": SCHEDULER_WEBSITE,
    }


@dataclass(frozen=True, slots=True)
class _Index:
    """One fetched slot list, indexed (see `watch.index_open_slots`), kept while it holds.

    Most polls get the same answer as the last: the client hands on the same tuple then, and
    nothing is indexed or matched again until it changes or its soonest slot starts.
    """

    found: tuple[Slot, ...]
    first: dict[str, Slot]  # each future time's slot, soonest first, by key
    repeated: dict[str, int]
    open: tuple[Slot, ...]  # the values of `first`

    @classmethod
    def of(cls, found: tuple[Slot, ...], now: datetime) -> _Index:
        """Index a fetched list."""
        first, repeated = index_open_slots(found, now)
        return cls(found, first, repeated, tuple(first.values()))

    def holds(self, found: tuple[Slot, ...], now: datetime) -> bool:
        """Tell whether this is still the index of `found` at `now`."""
        return found is self.found and (not self.open or self.open[0].start > now)


_NO_SLOTS = _Index((), {}, {}, ())


@dataclass(frozen=True, slots=True)
class _Match:
    """The slots of an index that fit a watch's wishes, kept while both are the same."""

    index: _Index
    wishes: Wishes
    matching: dict[str, Slot]  # soonest first, by key
    slots: tuple[Slot, ...]
    keys: frozenset[str]

    @classmethod
    def of(cls, index: _Index, wishes: Wishes) -> _Match:
        """Match an index's slots against the wishes."""
        fitting = matching(index.first, wishes)
        return cls(index, wishes, fitting, tuple(fitting.values()), frozenset(fitting))


@dataclass(frozen=True, slots=True, kw_only=True)
class NexusData:
    """The snapshot every entity reads."""

    centres: Mapping[int, Location]  # NEXUS centres the scheduler lists now
    known_canadian: Mapping[int, str]  # every Canadian NEXUS centre ever listed: id -> label
    watches: Mapping[str, WatchData]  # by subentry id
    centre_slots: Mapping[int, tuple[Slot, ...]]  # open slots of each watched centre
    updated: datetime
    generation: int  # counts successful updates, so each one's openings are told once

    @property
    def canadian_open(self) -> tuple[Location, ...]:
        """Canadian NEXUS centres listed now, by label."""
        return tuple(
            sorted(
                (c for c in self.centres.values() if c.country_code == "CA"),
                key=lambda c: c.label,
            )
        )

    @property
    def canadian_not_listed(self) -> tuple[str, ...]:
        """Labels of Canadian centres seen before that the scheduler no longer lists."""
        return tuple(
            sorted(label for cid, label in self.known_canadian.items() if cid not in self.centres)
        )


class NexusCoordinator(DataUpdateCoordinator[NexusData]):
    """Polls the scheduler: slots often, the centre list and capacity view seldom."""

    config_entry: NexusConfigEntry

    def __init__(self, hass: HomeAssistant, entry: NexusConfigEntry, client: TTPClient) -> None:
        """Poll with `client` for the watches of `entry`."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=SLOT_INTERVAL,
        )
        self.client = client
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}.centres"
        )
        self._known_canadian: dict[int, str] = {}
        self._seen_store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}.seen"
        )
        # Matching slots open at the last update, per watch; a watch missing here has not
        # been refreshed yet.
        self._seen: dict[str, AbstractSet[str]] = {}
        self._indexes: dict[tuple[int, int], _Index] = {}  # by centre and minimum places
        self._matches: dict[str, _Match] = {}  # by watch
        self.generation = 0
        # The last generation whose openings each watch's event entity has told.
        self.told: dict[str, int] = {}
        self._centres: dict[int, Location] = {}
        self._centres_fetched: datetime | None = None
        self._capacity: dict[int, CapacityView] = {}
        self._refusals = 0
        self._refused_since: datetime | None = None
        self._limit = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        # Each centre watch's centre id and wishes, by subentry id, read once: adding,
        # changing or removing a watch reloads the entry, with a new coordinator.
        self._watches: dict[str, tuple[int, Wishes]] = {
            subentry_id: (int(subentry.data[CONF_LOCATION_ID]), Wishes.from_data(subentry.data))
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_WATCH
        }

    @override
    async def _async_setup(self) -> None:
        """Load the Canadian centres seen and the open slots told in earlier runs."""
        stored = await self._load(self._store)
        seen = await self._load(self._seen_store)
        try:
            self._known_canadian = {int(k): str(v) for k, v in stored.get("canadian", {}).items()}
        except AttributeError, TypeError, ValueError:
            LOGGER.warning("Ignoring unreadable stored centre list; it is rebuilt")
            self._known_canadian = {}
        try:
            self._seen = {
                str(sid): {str(key) for key in keys}
                for sid, keys in seen.get("watches", {}).items()
                if isinstance(keys, list)
            }
        except AttributeError, TypeError:
            LOGGER.warning("Ignoring unreadable stored seen slots; they are rebuilt")
            self._seen = {}

    @staticmethod
    async def _load(store: Store[dict[str, Any]]) -> dict[str, Any]:
        """Read a store; one that cannot be read is logged and rebuilt, never a failed setup.

        Home Assistant already sets a corrupt JSON file aside; what is left is an unreadable
        file or one of the wrong shape.
        """
        try:
            data = await store.async_load()
        except HomeAssistantError as err:
            LOGGER.warning("Cannot read %s, starting it afresh: %s", store.key, err)
            return {}
        return data if isinstance(data, dict) else {}

    @override
    async def _async_update_data(self) -> NexusData:
        """Fetch what is due and build the snapshot."""
        now = dt_util.utcnow()
        try:
            data = await self._fetch(now)
        except TTPRefusedError as err:
            raise self._refused(err, now) from err
        except TTPError as err:
            raise _update_failed(err) from err
        self._recovered()
        return data

    async def _fetch(self, now: datetime) -> NexusData:
        if self._centres_fetched is None or now - self._centres_fetched >= LOCATIONS_INTERVAL:
            centres = await self.client.get_locations(operational_only=True)
            nexus = {c.id: c for c in centres if c.offers("NEXUS")}
            if not nexus:
                # The scheduler has never listed no NEXUS centre at all (the US ones stayed
                # open while the Canadian ones were closed): an empty list is a glitch, and
                # taking it at its word would report every watched centre gone.
                raise TTPResponseError("The scheduler listed no NEXUS centre")
            self._centres = nexus
            self._centres_fetched = now
            self._remember_canadian()

        watches = self._watches
        listed = {cid for cid, _wishes in watches.values()} & self._centres.keys()
        # One slot request per distinct (centre, minimum places): the scheduler itself leaves
        # out times with fewer open places, so watches sharing both share the request.
        slot_keys = sorted(
            {(cid, wishes.minimum_places) for cid, wishes in watches.values() if cid in listed}
        )
        due_capacity = [
            cid
            for cid in sorted(listed)
            if cid not in self._capacity or now - self._capacity[cid].fetched >= CAPACITY_INTERVAL
        ]
        slot_results, capacity_results = await asyncio.gather(
            asyncio.gather(*(self._slots(cid, minimum) for cid, minimum in slot_keys)),
            asyncio.gather(*(self._capacity_view(cid, now) for cid in due_capacity)),
        )
        slots = dict(zip(slot_keys, slot_results, strict=True))
        for cid, rows in zip(due_capacity, capacity_results, strict=True):
            self._capacity[cid] = CapacityView.of(cid, rows, now)
        for cid in self._capacity.keys() - listed:
            del self._capacity[cid]

        centre_slots: dict[int, tuple[Slot, ...]] = {}
        # Each fetched list is indexed once, however many watches share it, and not again
        # while it does not change.
        indexes: dict[tuple[int, int], _Index] = {}
        for key, found in slots.items():
            last_index = self._indexes.get(key)
            holds = last_index is not None and last_index.holds(found, now)
            indexes[key] = last_index if last_index and holds else _Index.of(found, now)
        self._indexes = indexes
        for cid, _minimum in slot_keys:  # sorted: the smallest minimum of a centre comes first
            centre_slots.setdefault(cid, indexes[cid, _minimum].open)
        backlogs = {
            cid: _backlog(
                centre_slots[cid][0] if centre_slots.get(cid) else None,
                self._capacity[cid].window(now, now + CAPACITY_WINDOW)
                if cid in self._capacity
                else None,
                now,
            )
            for cid in listed
        }
        no_backlog = Backlog(days_to_soonest=None, open_places_30d=None, taken_percent_30d=None)

        before: NexusData | None = self.data
        watch_data: dict[str, WatchData] = {}
        seen: dict[str, AbstractSet[str]] = {}
        matches: dict[str, _Match] = {}
        for sid, (cid, wishes) in watches.items():
            found = slots.get((cid, wishes.minimum_places), ())
            index = indexes.get((cid, wishes.minimum_places), _NO_SLOTS)
            match = self._matches.get(sid)
            if match is None or match.index is not index or match.wishes != wishes:
                match = _Match.of(index, wishes)
            matches[sid] = match
            seen[sid] = match.keys
            if not found and sid in self._seen:
                # No slot at all (or the centre not listed) tells nothing about which slots
                # were taken: keep what was seen, so that a glitch does not make every slot
                # that comes back look new. A slot that reopens is still told if it was not
                # open when the centre last showed slots.
                seen[sid] = self._seen[sid]
            watch = WatchData(
                location_id=cid,
                location=self._centres.get(cid),
                wishes=wishes,
                matching=match.slots,
                repeated=index.repeated,
                capacity=self._capacity[cid].places if cid in self._capacity else {},
                opened=()
                if self._seen.get(sid) is match.keys
                else newly_open(match.matching, self._seen.get(sid)),
                backlog=backlogs.get(cid, no_backlog),
            )
            # Hand on the last snapshot's object when nothing changed: entities see that by
            # identity and skip writing their state.
            last = before.watches.get(sid) if before else None
            watch_data[sid] = (
                last if last is not None and not watch.opened and last == watch else watch
            )
        self._matches = matches
        self._remember_seen(seen)
        self._update_repairs(watch_data)
        self.generation += 1
        data = NexusData(
            centres=before.centres
            if before and before.centres == self._centres
            else MappingProxyType(dict(self._centres)),
            known_canadian=before.known_canadian
            if before and before.known_canadian == self._known_canadian
            else MappingProxyType(dict(self._known_canadian)),
            watches=MappingProxyType(watch_data),
            centre_slots=MappingProxyType(centre_slots),
            updated=now,
            generation=self.generation,
        )
        for sid, watch in watch_data.items():
            for slot in watch.opened:
                self.hass.bus.async_fire(
                    EVENT_SLOT_OPENED, watch.describe(slot) | {"subentry_id": sid}
                )
        return data

    def _seen_data(self) -> dict[str, Any]:
        return {"watches": {sid: sorted(keys) for sid, keys in self._seen.items()}}

    def _remember_seen(self, seen: dict[str, AbstractSet[str]]) -> None:
        """Keep what is open now as the seen set; it survives restarts."""
        if seen == self._seen:
            return
        self._seen = seen
        self._seen_store.async_delay_save(self._seen_data, SEEN_SAVE_DELAY)

    @override
    async def async_shutdown(self) -> None:
        """Write the seen set now: a reload reads it back at once (a stop flushes anyway)."""
        await super().async_shutdown()
        if self.generation:
            await self._seen_store.async_save(self._seen_data())

    async def _slots(self, location_id: int, minimum: int) -> tuple[Slot, ...]:
        zone = self._centres[location_id].time_zone
        async with self._limit:
            return await self.client.get_soonest_slots(
                location_id, zone, limit=SLOT_LIMIT, minimum=minimum
            )

    async def _capacity_view(self, location_id: int, now: datetime) -> tuple[CapacitySlot, ...]:
        zone = self._centres[location_id].time_zone
        async with self._limit:
            return await self.client.get_capacity(location_id, zone, now, now + CAPACITY_WINDOW)

    def _remember_canadian(self) -> None:
        seen = {c.id: c.label for c in self._centres.values() if c.country_code == "CA"}
        if any(self._known_canadian.get(cid) != label for cid, label in seen.items()):
            self._known_canadian |= seen
            self._store.async_delay_save(
                lambda: {"canadian": {str(k): v for k, v in self._known_canadian.items()}}, 1
            )

    def _update_repairs(self, watches: Mapping[str, WatchData]) -> None:
        for sid, watch in watches.items():
            issue_id = f"centre_not_listed_{sid}"
            if watch.location is None:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=True,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key="centre_not_listed",
                    translation_placeholders={
                        "watch": self.config_entry.subentries[sid].title,
                    },
                    data={"entry_id": self.config_entry.entry_id, "subentry_id": sid},
                )
            else:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    def _refused(self, err: TTPRefusedError, now: datetime) -> UpdateFailed:
        """Back off: the server's Retry-After, else doubling from the normal interval."""
        self._refusals += 1
        if self._refused_since is None:
            self._refused_since = now
        backoff = min(SLOT_INTERVAL * 2**self._refusals, MAX_BACKOFF)
        if err.retry_after is not None:
            backoff = max(timedelta(seconds=err.retry_after), SLOT_INTERVAL)
        if now - self._refused_since >= REFUSED_ISSUE_AFTER:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                "scheduler_refuses",
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="scheduler_refuses",
            )
        failed = _update_failed(err)
        failed.retry_after = backoff.total_seconds()
        return failed

    def _recovered(self) -> None:
        if self._refused_since is not None:
            ir.async_delete_issue(self.hass, DOMAIN, "scheduler_refuses")
        self._refusals = 0
        self._refused_since = None
        # A little jitter, so that many homes do not poll the scheduler in step.
        self.update_interval = SLOT_INTERVAL + timedelta(
            seconds=random.uniform(0, SLOT_JITTER_SECONDS)  # noqa: S311
        )


# Most specific first: a timeout is also a connection error.
_FAILURE_KEYS: tuple[tuple[type[TTPError], str], ...] = (
    (TTPRefusedError, "refused"),
    (TTPTimeoutError, "timeout"),
    (TTPConnectionError, "cannot_connect"),
    (TTPServerError, "server_error"),
)


def _update_failed(err: TTPError) -> UpdateFailed:
    key = next((k for kind, k in _FAILURE_KEYS if isinstance(err, kind)), "unexpected_response")
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )


def _backlog(soonest: Slot | None, window: tuple[int, int, int] | None, now: datetime) -> Backlog:
    """Say how far the soonest slot is, and what the next 30 days hold (open, taken, all)."""
    open_places, taken, total = window or (None, 0, 0)
    return Backlog(
        days_to_soonest=None
        if soonest is None
        else round((soonest.start.astimezone(UTC) - now).total_seconds() / 86400, 1),
        open_places_30d=open_places,
        taken_percent_30d=round(100 * taken / total, 1) if total else None,
    )

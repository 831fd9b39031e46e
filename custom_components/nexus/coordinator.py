"""One coordinator per config entry: fetches what is due, hands it to the snapshot builder."""

import asyncio
from datetime import datetime, timedelta
import random
import time
from typing import override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .centre_status import CentreStatusReads
from .centres import centre_labels
from .const import (
    CAPACITY_INTERVAL,
    CAPACITY_WINDOW,
    CONF_LOCATION_ID,
    DOMAIN,
    LOCATIONS_INTERVAL,
    LOGGER,
    MAX_BACKOFF,
    MAX_CONCURRENT_REQUESTS,
    MAX_RETRY_AFTER_HONOURED,
    MAX_VIEW_READS,
    MIN_BACKOFF,
    REFUSED_ISSUE_AFTER,
    SLOT_FLOOR,
    SLOT_INTERVAL,
    SLOT_JITTER_SECONDS,
    SLOT_LIMIT,
    SUBENTRY_WATCH,
)
from .history_figures import OpeningsBook
from .repairs import async_set_refused_issue, async_sync_unlisted_issues
from .schedule import Due, failed, succeeded, view_due
from .scheduler import failure_key
from .snapshot import Answers, CapacityView, NexusData, SlotQuery, build, slot_queries
from .store import NexusStore
from .ttp import (
    CapacitySlot,
    Location,
    Slot,
    TTPClient,
    TTPError,
    TTPRefusedError,
)
from .watch import Wishes

type NexusConfigEntry = ConfigEntry[NexusCoordinator]


class NexusCoordinator(DataUpdateCoordinator[NexusData]):
    """Polls the scheduler: slots often, the centre list and capacity view seldom."""

    config_entry: NexusConfigEntry
    openings: OpeningsBook  # made once the store is read (_async_setup)

    def __init__(self, hass: HomeAssistant, entry: NexusConfigEntry, client: TTPClient) -> None:
        """Poll with `client` for the watches of `entry`."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=SLOT_INTERVAL,
            always_update=False,
        )
        self.client = client
        self.store = NexusStore(hass, entry.entry_id)
        self._centres: dict[int, Location] = {}
        self._labels: dict[int, str] = {}
        self._statuses = CentreStatusReads(self.store, self._capacity_view)
        # Every "how long since" is on the monotonic clock (see schedule.py).
        self._fetched: dict[SlotQuery, tuple[float, tuple[Slot, ...]]] = {}
        self._list_due: Due[str] = view_due(LOCATIONS_INTERVAL)
        self._capacity_due: Due[int] = view_due(CAPACITY_INTERVAL)
        self._capacity: dict[int, CapacityView] = {}
        self._refusals = 0
        self._refused_since: float | None = None
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
        """Load the Canadian centres seen, the open slots told and the openings seen."""
        await self.store.async_load(
            self._watches.keys(), {cid for cid, _wishes in self._watches.values()}
        )
        self.openings = OpeningsBook(self.store.histories, self._watches)

    @override
    async def _async_update_data(self) -> NexusData:
        """Fetch what is due and build the snapshot."""
        now, clock = dt_util.utcnow(), time.monotonic()
        try:
            answers = await self._fetch(now, clock)
        except TTPRefusedError as err:
            raise self._refused(err, clock) from err
        except TTPError as err:
            raise _update_failed(err) from err
        self._recovered()
        data, seen = build(
            self.data, answers, self._watches, self.store.seen, self.store.known_canadian
        )
        self.store.remember_seen(seen)
        if self.openings.update(data, now):
            self.store.remember_openings()
        async_sync_unlisted_issues(
            self.hass,
            self.config_entry,
            unlisted=[sid for sid, w in data.watches.items() if w.location is None],
            listed=[sid for sid, w in data.watches.items() if w.location is not None],
        )
        return data

    async def _fetch(self, now: datetime, clock: float) -> Answers:
        """Read the slots of every watched centre, then the slower views that are due.

        Only the slot answers (and a first centre list) can fail the update: a failed centre
        list, capacity view or status read keeps the last one read and is tried again on its
        own back-off, and at most MAX_VIEW_READS of them are read per update.
        """
        if self._list_due.is_due("list", clock):
            await self._read_centres(now, clock)
        listed = {cid for cid, _wishes in self._watches.values()} & self._centres.keys()
        queries = slot_queries(self._watches, listed)
        due = [cid for cid in sorted(listed) if self._capacity_due.is_due(cid, clock)]
        due = due[:MAX_VIEW_READS]
        # The slot requests are made first: they hold the first of the connections.
        slot_results, read = await asyncio.gather(
            asyncio.gather(*(self._slots(query, clock) for query in queries)),
            asyncio.gather(*(self._read_capacity(cid, now, clock) for cid in due)),
        )
        for cid in self._capacity.keys() - listed:
            del self._capacity[cid]
        self._capacity_due.keep(listed)
        for (cid, _minimum), found in zip(queries, slot_results, strict=True):
            if found:  # open slots are published interview times: no read needed to know
                self.store.remember_status(cid, interviewing=True)
        await self._statuses.async_read_due(
            (self.store.known_canadian.keys() & self._centres.keys()) | listed,
            self._capacity,
            [cid for cid, fresh in zip(due, read, strict=True) if fresh],
            now=now,
            clock=clock,
            budget=MAX_VIEW_READS - len(due),
        )
        return Answers(
            now=now,
            centres=self._centres,
            slots=dict(zip(queries, slot_results, strict=True)),
            capacity=self._capacity,
            labels=self._labels,
            interviewing=self.store.interviewing,
        )

    async def _read_centres(self, now: datetime, clock: float) -> None:
        try:
            nexus = await self.client.get_program_centres()
        except TTPError as err:
            if not self._centres:
                raise  # without a centre's time zone, its slots cannot be read
            failed(self._list_due, "list", err, clock, "the centre list")
            return
        succeeded(self._list_due, "list", clock, "the centre list")
        if nexus.keys() != self._centres.keys():
            self._statuses.read_all_again()
        self._centres = nexus
        self._labels = centre_labels(nexus.values())
        self.store.remember_centres(
            {cid: self._labels[cid] for cid, c in nexus.items() if c.canadian},
            nexus.keys(),
            dt_util.as_local(now).date(),
        )

    async def _read_capacity(self, location_id: int, now: datetime, clock: float) -> bool:
        """Read a watched centre's capacity view; tell whether it was read."""
        what = f"the capacity view of centre {location_id}"
        try:
            rows = await self._capacity_view(location_id, now, now + CAPACITY_WINDOW)
        except TTPError as err:
            failed(self._capacity_due, location_id, err, clock, what)
            return False
        succeeded(self._capacity_due, location_id, clock, what)
        self._capacity[location_id] = CapacityView.of(location_id, rows)
        return True

    @override
    async def async_shutdown(self) -> None:
        """Write the seen sets now: a reload reads them back at once."""
        await super().async_shutdown()
        await self.store.async_flush()

    async def _slots(self, query: SlotQuery, clock: float) -> tuple[Slot, ...]:
        last = self._fetched.get(query)
        if last is not None and clock - last[0] < SLOT_FLOOR.total_seconds():
            return last[1]  # asked again too soon: the scheduler is not asked twice
        location_id, minimum = query
        zone = self._centres[location_id].time_zone
        async with self._limit:
            found = await self.client.get_soonest_slots(
                location_id, zone, limit=SLOT_LIMIT, minimum=minimum
            )
        self._fetched[query] = (clock, found)
        return found

    async def _capacity_view(
        self, location_id: int, start: datetime, end: datetime
    ) -> tuple[CapacitySlot, ...]:
        zone = self._centres[location_id].time_zone
        async with self._limit:
            return await self.client.get_capacity(location_id, zone, start, end)

    def _refused(self, err: TTPRefusedError, clock: float) -> UpdateFailed:
        """Back off: the server's Retry-After, else doubling from three minutes."""
        self._refusals += 1
        if self._refused_since is None:
            self._refused_since = clock
        backoff = min(MIN_BACKOFF * min(2**self._refusals, 1024), MAX_BACKOFF)
        if err.retry_after is not None:
            asked = min(err.retry_after, MAX_RETRY_AFTER_HONOURED.total_seconds())
            backoff = max(timedelta(seconds=asked), MIN_BACKOFF)
        refused_for = clock - self._refused_since
        # A single wait longer than the threshold is as bad as being refused that long.
        if backoff > REFUSED_ISSUE_AFTER or refused_for >= REFUSED_ISSUE_AFTER.total_seconds():
            async_set_refused_issue(self.hass, refused=True)
        failed = _update_failed(err)
        failed.retry_after = backoff.total_seconds()
        return failed

    def _recovered(self) -> None:
        if self._refused_since is not None:
            async_set_refused_issue(self.hass, refused=False)
        self._refusals = 0
        self._refused_since = None
        # A little jitter, so that many homes do not poll the scheduler in step.
        self.update_interval = SLOT_INTERVAL + timedelta(
            seconds=random.uniform(0, SLOT_JITTER_SECONDS)  # noqa: S311
        )


def _update_failed(err: TTPError) -> UpdateFailed:
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=failure_key(err),
        translation_placeholders={"error": str(err)},
    )

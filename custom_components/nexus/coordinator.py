"""One coordinator per config entry: fetches what is due, hands it to the snapshot builder."""

import asyncio
from datetime import datetime, timedelta
import random
from typing import override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

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
    MAX_RETRY_AFTER,
    MIN_BACKOFF,
    REFUSED_ISSUE_AFTER,
    SLOT_FLOOR,
    SLOT_INTERVAL,
    SLOT_JITTER_SECONDS,
    SLOT_LIMIT,
    SUBENTRY_WATCH,
)
from .interviews import InterviewReads
from .openings import OpeningsBook
from .repairs import async_set_refused_issue, async_sync_unlisted_issues
from .snapshot import Answers, CapacityView, NexusData, SlotQuery, build, slot_queries
from .store import NexusStore
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
        self._canadian: set[int] = set()  # the Canadian centres of the list
        self._centres_fetched: datetime | None = None
        self._interviews = InterviewReads(self.store, self._capacity_view)
        self._fetched: dict[SlotQuery, tuple[datetime, tuple[Slot, ...]]] = {}
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
        """Load the Canadian centres seen, the open slots told and the openings seen."""
        await self.store.async_load()
        self.openings = OpeningsBook(self.store.histories, self._watches)

    @override
    async def _async_update_data(self) -> NexusData:
        """Fetch what is due and build the snapshot."""
        now = dt_util.utcnow()
        try:
            answers = await self._fetch(now)
        except TTPRefusedError as err:
            raise self._refused(err, now) from err
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

    async def _fetch(self, now: datetime) -> Answers:
        if self._centres_fetched is None or now - self._centres_fetched >= LOCATIONS_INTERVAL:
            centres = await self.client.get_locations(operational_only=True)
            nexus = {c.id: c for c in centres if c.offers("NEXUS")}
            if not nexus:
                # The scheduler has never listed no NEXUS centre at all (the US ones stayed
                # open while the Canadian ones were closed): an empty list is a glitch, and
                # taking it at its word would report every watched centre gone.
                raise TTPResponseError("The scheduler listed no NEXUS centre")
            if nexus.keys() != self._centres.keys():
                self._interviews.read_all_again()
            self._centres = nexus
            self._labels = centre_labels(nexus.values())
            self._canadian = {cid for cid, c in nexus.items() if c.country_code == "CA"}
            self._centres_fetched = now
            self.store.remember_centres(
                {cid: self._labels[cid] for cid in self._canadian},
                nexus.keys(),
                dt_util.now().date(),
            )

        listed = {cid for cid, _wishes in self._watches.values()} & self._centres.keys()
        queries = slot_queries(self._watches, listed)
        due_capacity = [
            cid
            for cid in sorted(listed)
            if cid not in self._capacity or now - self._capacity[cid].fetched >= CAPACITY_INTERVAL
        ]
        slot_results, capacity_results = await asyncio.gather(
            asyncio.gather(*(self._slots(query, now) for query in queries)),
            asyncio.gather(
                *(self._capacity_view(cid, now, now + CAPACITY_WINDOW) for cid in due_capacity)
            ),
        )
        for cid, rows in zip(due_capacity, capacity_results, strict=True):
            self._capacity[cid] = CapacityView.of(cid, rows, now)
        for cid in self._capacity.keys() - listed:
            del self._capacity[cid]
        for (cid, _minimum), found in zip(queries, slot_results, strict=True):
            if found:  # open slots are published interview times: no read needed to know
                self.store.remember_status(cid, interviewing=True)
        await self._interviews.async_read_due(self._canadian | listed, self._capacity, now)
        return Answers(
            now=now,
            centres=self._centres,
            slots=dict(zip(queries, slot_results, strict=True)),
            capacity=self._capacity,
            labels=self._labels,
            interviewing=self.store.interviewing,
        )

    @override
    async def async_shutdown(self) -> None:
        """Write the seen sets now: a reload reads them back at once."""
        await super().async_shutdown()
        await self.store.async_flush()

    async def _slots(self, query: SlotQuery, now: datetime) -> tuple[Slot, ...]:
        last = self._fetched.get(query)
        if last is not None and now - last[0] < SLOT_FLOOR:
            return last[1]  # asked again too soon: the scheduler is not asked twice
        location_id, minimum = query
        zone = self._centres[location_id].time_zone
        async with self._limit:
            found = await self.client.get_soonest_slots(
                location_id, zone, limit=SLOT_LIMIT, minimum=minimum
            )
        self._fetched[query] = (now, found)
        return found

    async def _capacity_view(
        self, location_id: int, start: datetime, end: datetime
    ) -> tuple[CapacitySlot, ...]:
        zone = self._centres[location_id].time_zone
        async with self._limit:
            return await self.client.get_capacity(location_id, zone, start, end)

    def _refused(self, err: TTPRefusedError, now: datetime) -> UpdateFailed:
        """Back off: the server's Retry-After, else doubling from three minutes."""
        self._refusals += 1
        if self._refused_since is None:
            self._refused_since = now
        backoff = min(MIN_BACKOFF * min(2**self._refusals, 1024), MAX_BACKOFF)
        if err.retry_after is not None:
            asked = timedelta(seconds=min(err.retry_after, MAX_RETRY_AFTER.total_seconds()))
            backoff = max(asked, MIN_BACKOFF)
        # A single wait longer than the threshold is as bad as being refused that long.
        if backoff > REFUSED_ISSUE_AFTER or now - self._refused_since >= REFUSED_ISSUE_AFTER:
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

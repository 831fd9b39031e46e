"""One coordinator per config entry: owns the live state, fetches what is due, builds the snapshot.

Fetching returns values; the coordinator folds them into its state, builds the next snapshot
(snapshot.py) and hands the store what to keep, once per update.
"""

import asyncio
from collections.abc import Mapping, Set as AbstractSet
from datetime import datetime, timedelta
import math
import random
import time
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from . import cadence
from .api import Requests, update_failed
from .capacity import CapacityView
from .centre_status import CentreStatusReads
from .centres import KnownCentres, centre_labels
from .const import (
    CAPACITY_INTERVAL,
    CAPACITY_WINDOW,
    CONF_LOCATION_ID,
    DOMAIN,
    LOCATIONS_INTERVAL,
    LOGGER,
    MAX_VIEW_READS,
    SLOT_INTERVAL,
    SLOT_JITTER_SECONDS,
    SUBENTRY_WATCH,
)
from .history import CentreHistory
from .history_figures import OpeningsBook
from .repairs import async_set_refused_issue, async_sync_unlisted_issues
from .schedule import Due, Refusals, read_view, view_due
from .snapshot import Answers, NexusData, build, slot_queries, with_figures
from .store import NexusStore
from .ttp import Location, TTPClient, TTPError, TTPRefusedError
from .watch import Wishes

type NexusConfigEntry = ConfigEntry[NexusCoordinator]

# A centre due this soon is asked in this update: centres on the same cadence stay together.
DUE_EARLY = 1.0
# A centre's cadence is made again this often (seconds), from its history as it is then.
PLAN_AGAIN = 3600.0


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
            always_update=False,
        )
        self.client = client
        self._store = NexusStore(hass, entry.entry_id)
        # The live state, read back from the store at setup.
        self._known = KnownCentres()
        self._seen: Mapping[str, AbstractSet[str]] = {}
        self._book = OpeningsBook({}, {})
        self._centres: Mapping[int, Location] = {}
        self._labels: Mapping[int, str] = {}
        self._capacity: dict[int, CapacityView] = {}
        self._requests = Requests(client, lambda cid: self._centres[cid].time_zone)
        # Every "how long since" is on the monotonic clock (see schedule.py).
        self._statuses = CentreStatusReads(self._requests.capacity)
        self._list_due: Due[str] = view_due(LOCATIONS_INTERVAL)
        self._capacity_due: Due[int] = view_due(CAPACITY_INTERVAL)
        self._refusals = Refusals()
        self._figures_due: tuple[datetime, CALLBACK_TYPE] | None = None
        # Each watched centre's cadence (cadence.py), made again hourly or after a release,
        # and its next planned poll (monotonic clock).
        self._plans: dict[int, tuple[float, int, cadence.CentrePlan]] = {}
        self._next_poll: dict[int, float] = {}
        # Each centre watch's centre id and wishes, by subentry id, read once: adding,
        # changing or removing a watch reloads the entry, with a new coordinator.
        self._watches: dict[str, tuple[int, Wishes]] = {
            subentry_id: (int(subentry.data[CONF_LOCATION_ID]), Wishes.from_data(subentry.data))
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_WATCH
        }

    @override
    async def _async_setup(self) -> None:
        """Read back the Canadian centres seen, the open slots told and the openings seen."""
        kept = await self._store.async_load(
            self._watches.keys(), {cid for cid, _wishes in self._watches.values()}
        )
        self._known, self._seen = kept.centres, kept.seen
        self._book = OpeningsBook(kept.histories, self._watches, kept.totals)

    def polling_plan(self) -> dict[str, Any]:
        """Each watched centre's planned interval now, and when it is asked next (seconds)."""
        now, clock = dt_util.utcnow(), time.monotonic()
        return {
            str(cid): {
                "interval_seconds": round(made[2].interval(now), 1),
                "next_poll_in_seconds": round(self._next_poll[cid] - clock, 1)
                if cid in self._next_poll
                else None,
                "shaped_by_history": made[2].rates is not None,
            }
            for cid, made in sorted(self._plans.items())
        }

    def history(self, location_id: int) -> CentreHistory | None:
        """Return a centre's history of openings, to be read."""
        return self._book.histories.get(location_id)

    @override
    async def _async_update_data(self) -> NexusData:
        """Fetch what is due, fold it into the state, build the snapshot, keep what changed."""
        now, clock, known = dt_util.utcnow(), time.monotonic(), self._known
        try:
            answers = await self._fetch(now, clock)
        except TTPRefusedError as err:
            raise self._refused(err, clock) from err
        except TTPError as err:
            # A failing scheduler is asked again at the fixed minute, never at a release
            # window's pace; the centres stay due.
            self.update_interval = SLOT_INTERVAL * self._jitter()
            raise update_failed(err) from err
        self._recovered(now, clock)
        data, seen = build(self.data, answers, self._watches, self._seen, self._known.canadian)
        if self._known != known:
            self._store.save_centres(self._known)
        counted = sum(self._book.totals.values())
        if self._book.update(data.centre_slots, now):
            self._store.save_openings(self._book.histories)
        if seen != self._seen or sum(self._book.totals.values()) != counted:
            self._seen = seen
            self._store.save_seen(seen, self._book.totals)
        async_sync_unlisted_issues(
            self.hass,
            self.config_entry,
            unlisted=[sid for sid, w in data.watches.items() if w.location is None],
            listed=[sid for sid, w in data.watches.items() if w.location is not None],
        )
        return self._figured(data, now)

    def _figured(self, data: NexusData, now: datetime) -> NexusData:
        """Give the snapshot the history's figures as of `now`.

        Some move with the clock alone (an opening leaves the 7 days, a date turns at the
        centre's midnight): they are brought forward at that moment too, should no poll come.
        """
        releases = {
            cid: made[2].expected_release(now)
            for cid, made in self._plans.items()
            if cid in data.centres
        }
        figured = with_figures(data, self._book.figures(data.centres, now), releases)
        # The figures move with the clock, and so does a release window once it is over.
        ends = [r.end for r in releases.values() if r is not None]
        until = min((t for t in (self._book.until(), *ends) if t is not None), default=None)
        if self._figures_due is None or self._figures_due[0] != until:
            self._stop_figures()
            if until is not None:
                track = async_track_point_in_utc_time(self.hass, self._clock_moved, until)
                self._figures_due = (until, track)
        return figured

    def _stop_figures(self) -> None:
        if self._figures_due is not None:
            self._figures_due[1]()
            self._figures_due = None

    @callback
    def _clock_moved(self, _when: datetime) -> None:
        self._figures_due = None
        if not self.last_update_success:
            return  # unavailable meanwhile: the next good update brings them forward
        data = self._figured(self.data, dt_util.utcnow())
        if data != self.data:
            self.data = data
            self.async_update_listeners()

    async def _fetch(self, now: datetime, clock: float) -> Answers:
        """Read the slots of every watched centre, then the slower views that are due.

        Only the slot answers (and a first centre list) can fail the update: a failed centre
        list, capacity view or status read keeps the last one read and is tried again on its
        own back-off, and at most MAX_VIEW_READS of them are read per update.
        """
        if self._list_due.is_due("list", clock) and (nexus := await self._list(clock)):
            if nexus.keys() != self._centres.keys():
                self._statuses.read_all_again()
            self._centres, self._labels = nexus, centre_labels(nexus.values())
            canadian = {cid: self._labels[cid] for cid, c in nexus.items() if c.canadian}
            self._known = self._known.listed(canadian, nexus.keys(), dt_util.as_local(now).date())
        listed = self._watched_listed()
        queries = slot_queries(self._watches, listed)
        floors = self._floors(listed, clock)
        due = [cid for cid in sorted(listed) if self._capacity_due.is_due(cid, clock)]
        due = due[:MAX_VIEW_READS]
        # The slot requests are made first: they hold the first of the connections.
        found, viewed = await asyncio.gather(
            asyncio.gather(*(self._requests.slots(c, m, clock, floors[c]) for c, m in queries)),
            asyncio.gather(*(self._read_capacity(cid, now, clock) for cid in due)),
        )
        slots = dict(zip(queries, found, strict=True))
        views = {cid: view for cid, view in zip(due, viewed, strict=True) if view is not None}
        self._capacity = {c: v for c, v in (self._capacity | views).items() if c in listed}
        self._capacity_due.keep(listed)
        # Open slots, or a view showing times, are published interview times: nothing to read.
        published = {cid: True for (cid, _m), open_now in slots.items() if open_now}
        published |= {cid: True for cid, view in views.items() if view.publishes}
        read = await self._statuses.async_read_due(
            (self._known.canadian.keys() & self._centres.keys()) | listed,
            self._capacity,
            now=now,
            clock=clock,
            budget=MAX_VIEW_READS - len(due),
        )
        self._known = self._known.read(published | read)
        return Answers(
            now=now,
            centres=self._centres,
            slots=slots,
            capacity=self._capacity,
            labels=self._labels,
            interviewing=self._known.interviewing,
        )

    async def _list(self, clock: float) -> dict[int, Location] | None:
        """Read the NEXUS centres; None when the read failed and the last list stands in."""
        read = self.client.get_program_centres
        if self._centres:
            return await read_view(self._list_due, "list", read, clock, "the centre list")
        nexus = await read()  # without a centre's time zone, its slots cannot be read: fails
        self._list_due.read("list", clock)
        return nexus

    async def _read_capacity(
        self, location_id: int, now: datetime, clock: float
    ) -> CapacityView | None:
        """Read a watched centre's capacity view; None when the read failed."""
        rows = await read_view(
            self._capacity_due,
            location_id,
            lambda: self._requests.capacity(location_id, now, now + CAPACITY_WINDOW),
            clock,
            f"the capacity view of centre {location_id}",
        )
        return None if rows is None else CapacityView.of(location_id, rows)

    @override
    async def async_shutdown(self) -> None:
        """Write what is waiting now: a reload reads it back at once."""
        await super().async_shutdown()
        self._stop_figures()
        await self._store.async_flush()

    def _refused(self, err: TTPRefusedError, clock: float) -> UpdateFailed:
        """Back off: the server's Retry-After, else doubling from three minutes."""
        backoff, too_long = self._refusals.refused(err.retry_after, clock)
        if too_long:
            async_set_refused_issue(self.hass, refused=True)
        failure = update_failed(err)
        failure.retry_after = backoff.total_seconds()
        return failure

    def _watched_listed(self) -> set[int]:
        """Return the watched centres the scheduler lists now: their slots are asked for."""
        return {cid for cid, _wishes in self._watches.values()} & self._centres.keys()

    def _floors(self, listed: AbstractSet[int], clock: float) -> dict[int, float | None]:
        """How old each centre's last answer may be in this update (see Requests.slots).

        A planned update asks the centres that are due (at most every cadence.FASTEST); the
        others keep their last answer. An update asked for (a user, an automation) when no
        centre is due asks them all, within the 30 s floor.
        """
        due = {c for c in listed if self._next_poll.get(c, clock) <= clock + DUE_EARLY}
        if not due:
            return dict.fromkeys(listed)
        return {c: cadence.FASTEST if c in due else math.inf for c in listed}

    def _recovered(self, now: datetime, clock: float) -> None:
        """Plan each watched centre's next poll, and wake for the soonest."""
        if self._refusals.recovered():
            async_set_refused_issue(self.hass, refused=False)
        jitter = self._jitter()
        listed = self._watched_listed()
        self._next_poll = {c: t for c, t in self._next_poll.items() if c in listed}
        for cid, asked in self._requests.asked().items():
            if cid in listed:
                centre = self._plan(cid, now, clock)
                last = now - timedelta(seconds=clock - asked)
                self._next_poll[cid] = asked + centre.wait(last, jitter)
        soonest = min(self._next_poll.values(), default=None)
        self.update_interval = (
            SLOT_INTERVAL * jitter
            if soonest is None
            else timedelta(seconds=max(soonest - clock, DUE_EARLY))
        )

    @staticmethod
    def _jitter() -> float:
        """Return a little jitter: the share of an interval (up to 5 s of a minute) added.

        The same share for each interval, so that many homes do not poll in step.
        """
        return 1 + random.uniform(0, SLOT_JITTER_SECONDS / SLOT_INTERVAL.total_seconds())  # noqa: S311

    def _plan(self, location_id: int, now: datetime, clock: float) -> cadence.CentrePlan:
        """Return the centre's cadence, made again every hour and when a release is recorded."""
        history = self._book.histories.get(location_id)
        releases = len(history.releases) if history else 0
        made = self._plans.get(location_id)
        if made is None or clock - made[0] >= PLAN_AGAIN or made[1] != releases:
            centre = cadence.plan(history, self._centres[location_id].time_zone, now)
            made = self._plans[location_id] = (clock, releases, centre)
        return made[2]

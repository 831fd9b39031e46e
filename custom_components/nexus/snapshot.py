"""The snapshot every entity reads, built from the last one and the scheduler's answers.

Pure: no Home Assistant, no I/O. Everything an entity shows is in it, the history's figures
included (`with_figures`), so equal snapshots mean equal screens and the coordinator leaves an
unchanged one unwritten (`always_update=False`). Every decision is made on values; a part
equal to the last one is handed on as it was, which keeps the next comparison cheap.
"""

from collections.abc import Iterable, Mapping, Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from .alerts import Alerts, next_alerts
from .cadence import ExpectedRelease
from .capacity import NO_BACKLOG, Backlog, CapacityView, backlog
from .centres import CentreStatus, statuses
from .history_figures import OpeningFigures
from .ttp import Location, Slot
from .watch import (
    CentreSlots,
    Wishes,
    index_open_slots,
    matching,
    newly_open,
    open_places,
    unchanged,
)

type SlotQuery = tuple[int, int]  # a centre id and the minimum places asked for


@dataclass(frozen=True, slots=True)
class _Index:
    """One fetched slot list, indexed (see `watch.index_open_slots`), kept while it holds.

    Most polls get the same answer as the last: nothing is indexed or matched again until it
    changes or its soonest slot starts. Equal when the same list leaves the same slots open.
    """

    found: tuple[Slot, ...]
    open: tuple[Slot, ...]  # the values of `first`
    first: dict[str, Slot] = field(compare=False)  # each future time's slot, soonest first
    repeated: dict[str, int] = field(compare=False)

    @classmethod
    def of(cls, found: tuple[Slot, ...], now: datetime) -> _Index:
        """Index a fetched list."""
        first, repeated = index_open_slots(found, now)
        return cls(found, tuple(first.values()), first, repeated)

    def holds(self, found: tuple[Slot, ...], now: datetime) -> bool:
        """Tell whether this is still the index of `found` at `now`."""
        return unchanged(self.found, found) and (not self.open or self.open[0].start > now)


_NO_SLOTS = _Index((), (), {}, {})


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
class WatchData:
    """A centre watch as of the last update."""

    location_id: int
    location: Location | None  # None while the scheduler does not list the centre
    label: str | None  # as the booking site names it, with its place; None while not listed
    status: CentreStatus | None  # None until its interview times have been read
    wishes: Wishes
    matching: tuple[Slot, ...]  # soonest first, one per start time
    repeated: Mapping[str, int]  # times the scheduler listed more than once: how often, by key
    capacity: Mapping[str, int]  # open places by key, from the hourly capacity view
    alerts: Alerts  # what this update tells the user (see alerts.py)
    backlog: Backlog
    figures: OpeningFigures | None  # from the centre's history; None until it was read
    # The centre's next release window (cadence.py); None with no basis (no history yet).
    release: ExpectedRelease | None = None
    # How `matching` was found; not part of the value.
    match: _Match = field(compare=False, repr=False)

    @property
    def opened(self) -> tuple[Slot, ...]:
        """The matching slots this update's alert tells of, soonest first."""
        return self.alerts.opened

    def places(self, slot: Slot) -> int:
        """Open places at a slot's time, at least: looked up only for the slots told about."""
        return open_places(slot, self.repeated, self.wishes.minimum_places, self.capacity)


@dataclass(frozen=True, slots=True, kw_only=True)
class NexusData:
    """The snapshot every entity reads."""

    centres: Mapping[int, Location]  # NEXUS centres the scheduler lists now
    labels: Mapping[int, str]  # of the listed centres (see centres.centre_labels)
    known_canadian: Mapping[int, str]  # every Canadian NEXUS centre ever listed: id -> label
    # Of every Canadian centre ever listed and every watched one; None: not read yet.
    status: Mapping[int, CentreStatus | None]
    watches: Mapping[str, WatchData]  # by subentry id
    centre_slots: Mapping[int, CentreSlots]  # open slots of each watched centre
    # Each fetched list, indexed; not part of the value.
    indexes: Mapping[SlotQuery, _Index] = field(compare=False, repr=False)

    def canadian_interviewing(self) -> int | None:
        """How many Canadian centres interview; None while none is known to and some are unread.

        One interviewing centre is enough to know the answer is at least one; without one,
        an unread centre might still interview.
        """
        interviewing = len(self.canadian(CentreStatus.INTERVIEWING))
        return interviewing if interviewing or not self.canadian(None) else None

    def canadian(self, status: CentreStatus | None) -> tuple[str, ...]:
        """Labels of the Canadian centres in a status (None: not read yet), in order."""
        return tuple(
            sorted(
                label
                for cid, label in self.known_canadian.items()
                if self.status.get(cid) == status
            )
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Answers:
    """What the scheduler answered, as of `now`."""

    now: datetime
    centres: Mapping[int, Location]  # NEXUS centres listed
    slots: Mapping[SlotQuery, tuple[Slot, ...]]  # the soonest open slots, per query
    capacity: Mapping[int, CapacityView]  # of the watched centres
    labels: Mapping[int, str]  # of the listed centres (see centres.centre_labels)
    interviewing: Mapping[int, bool]  # whether each centre read so far publishes times


def slot_queries(
    watches: Mapping[str, tuple[int, Wishes]], listed: AbstractSet[int]
) -> list[SlotQuery]:
    """One slot request per distinct centre and minimum places, for the listed centres.

    The scheduler itself leaves out times with fewer open places, so watches sharing both
    share the request. Sorted: a centre's smallest minimum comes first.
    """
    return sorted({(cid, w.minimum_places) for cid, w in watches.values() if cid in listed})


def centre_queries(queries: Iterable[SlotQuery]) -> dict[int, SlotQuery]:
    """Each centre's query with the smallest minimum: its list holds the most slots."""
    found: dict[int, SlotQuery] = {}
    for cid, minimum in sorted(queries):
        found.setdefault(cid, (cid, minimum))
    return found


def build(
    previous: NexusData | None,
    answers: Answers,
    watches: Mapping[str, tuple[int, Wishes]],
    seen: Mapping[str, AbstractSet[str]],
    known_canadian: Mapping[int, str],
) -> tuple[NexusData, dict[str, AbstractSet[str]]]:
    """Return the next snapshot and the next seen sets.

    `watches` are each watch's centre and wishes; `seen` is, per watch, the keys of the
    matching slots open at its last update (a watch missing there has not been updated yet,
    and its first update tells nothing). Each watch keeps its last figures: `with_figures`
    brings them to the same update.
    """
    now = answers.now
    last_indexes = previous.indexes if previous else {}
    indexes: dict[SlotQuery, _Index] = {}
    for query, found in answers.slots.items():
        index = last_indexes.get(query)
        indexes[query] = (
            index if index is not None and index.holds(found, now) else _Index.of(found, now)
        )
    centre_slots = {
        cid: CentreSlots(
            indexes[query].open,
            indexes[query].first,
            indexes[query].repeated,
            query[1],
            view.places if (view := answers.capacity.get(cid)) else {},
        )
        for cid, query in centre_queries(indexes).items()
    }
    status = statuses(
        answers.centres,
        answers.interviewing,
        {*known_canadian, *(cid for cid, _wishes in watches.values())},
    )
    last_watches = previous.watches if previous else {}
    watch_data: dict[str, WatchData] = {}
    next_seen: dict[str, AbstractSet[str]] = {}
    for sid, (cid, wishes) in watches.items():
        query = (cid, wishes.minimum_places)
        index = indexes.get(query, _NO_SLOTS)
        last = last_watches.get(sid)
        match = last.match if last is not None else None
        if match is None or match.index != index or match.wishes != wishes:
            match = _Match.of(index, wishes)
        before = seen.get(sid)
        next_seen[sid] = match.keys
        if not answers.slots.get(query) and before is not None:
            # No slot at all (or the centre not listed) tells nothing about which slots were
            # taken: keep what was seen, so that a glitch does not make every slot that comes
            # back look new. A slot that reopens is still told if it was not open when the
            # centre last showed slots.
            next_seen[sid] = before
        capacity = answers.capacity.get(cid)
        new = () if unchanged(before, match.keys) else newly_open(match.matching, before)
        alerts = next_alerts(
            last.alerts if last else Alerts(),
            new,
            match.matching,
            now=now,
            cap=wishes.max_alerts_per_hour,
            answered=bool(answers.slots.get(query)),
        )
        watch = WatchData(
            location_id=cid,
            location=answers.centres.get(cid),
            label=answers.labels.get(cid),
            status=status[cid],
            wishes=wishes,
            matching=match.slots,
            repeated=index.repeated,
            capacity=capacity.places if capacity else {},
            alerts=alerts,
            backlog=backlog(_open_slots(centre_slots, cid), capacity, now)
            if cid in answers.centres
            else NO_BACKLOG,
            figures=last.figures if last else None,
            match=match,
        )
        watch_data[sid] = last if last is not None and last == watch else watch

    return NexusData(
        centres=_same(previous.centres if previous else None, answers.centres),
        labels=_same(previous.labels if previous else None, answers.labels),
        known_canadian=_same(previous.known_canadian if previous else None, known_canadian),
        status=_same(previous.status if previous else None, status),
        watches=MappingProxyType(watch_data),
        centre_slots=MappingProxyType(centre_slots),
        indexes=MappingProxyType(indexes),
    ), next_seen


def with_figures(
    data: NexusData,
    figures: Mapping[str, OpeningFigures],
    releases: Mapping[int, ExpectedRelease | None],
) -> NexusData:
    """Give each watch its figures from the history, and its centre's next release window."""

    def figured(watch: WatchData, sid: str) -> WatchData:
        new, release = figures.get(sid), releases.get(watch.location_id)
        if watch.figures == new and watch.release == release:
            return watch
        return replace(watch, figures=new, release=release)

    watches = {sid: figured(watch, sid) for sid, watch in data.watches.items()}
    return replace(data, watches=MappingProxyType(watches))


def _open_slots(centre_slots: Mapping[int, CentreSlots], cid: int) -> tuple[Slot, ...] | None:
    """Return a centre's open slots, if it was asked for them."""
    slots = centre_slots.get(cid)
    return None if slots is None else slots.slots


def _same[K, V](last: Mapping[K, V] | None, now: Mapping[K, V]) -> Mapping[K, V]:
    """Return the last mapping when equal, else a read-only copy of the new one."""
    return last if last is not None and last == now else MappingProxyType(dict(now))

"""A watched centre's capacity view, and the backlog it and the soonest slot show.

Pure: no Home Assistant, no I/O.
"""

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from typing import Self

from .centres import publishes_times
from .const import CAPACITY_WINDOW
from .ttp import CapacitySlot, Slot, time_key


@dataclass(frozen=True, slots=True, kw_only=True)
class Backlog:
    """What the scheduler shows of a centre's backlog."""

    days_to_soonest: float | None
    open_places_30d: int | None
    taken_percent_30d: float | None


NO_BACKLOG = Backlog(days_to_soonest=None, open_places_30d=None, taken_percent_30d=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacityView:
    """A centre's capacity view as last fetched (hourly), indexed for the slot updates.

    The rows are kept as their starts (UTC, in order) and running totals, so that the 30 days
    ahead, which move on at every update, are summed with two binary searches.
    """

    places: Mapping[str, int]  # open places by time key (see ttp.time_key)
    publishes: bool  # the centre interviews (see centres.publishes_times)
    starts: tuple[datetime, ...]
    # Open, taken and all places of the rows before each index (one more than the rows).
    totals: tuple[tuple[int, int, int], ...]

    @classmethod
    def of(cls, location_id: int, rows: tuple[CapacitySlot, ...]) -> Self:
        """Index the rows once, rather than on every slot update."""
        # In UTC: in a DST fold, two rows can show the same wall clock.
        ordered = sorted(((row.start.astimezone(UTC), row) for row in rows), key=lambda r: r[0])
        totals = accumulate(
            ((row.available, row.taken, row.total) for _start, row in ordered),
            lambda acc, row: (acc[0] + row[0], acc[1] + row[1], acc[2] + row[2]),
            initial=(0, 0, 0),
        )
        return cls(
            publishes=publishes_times(rows),
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


def backlog(
    open_slots: tuple[Slot, ...] | None, capacity: CapacityView | None, now: datetime
) -> Backlog:
    """Say how far the soonest slot is, and what the next 30 days hold (open, taken, all)."""
    window = capacity.window(now, now + CAPACITY_WINDOW) if capacity else None
    open_places, taken, total = window or (None, 0, 0)
    soonest = open_slots[0] if open_slots else None
    return Backlog(
        days_to_soonest=None
        if soonest is None
        else round((soonest.start.astimezone(UTC) - now).total_seconds() / 86400, 1),
        open_places_30d=open_places,
        taken_percent_30d=round(100 * taken / total, 1) if total else None,
    )

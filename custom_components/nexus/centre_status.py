"""Whether centres interview, read from their published times, each on its own schedule."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime

from .capacity import CapacityView
from .centres import INTERVIEW_HORIZON, next_reads, publishes_times
from .const import (
    CAPACITY_WINDOW,
    LOGGER,
    MAX_RETRY_AFTER_HONOURED,
    STATUS_INTERVAL,
    STATUS_RETRY,
)
from .schedule import Due
from .ttp import CapacitySlot, TTPError

type ReadTimes = Callable[[int, datetime, datetime], Awaitable[tuple[CapacitySlot, ...]]]


class CentreStatusReads:
    """Reads each centre's interview times at start, then every 6 hours, spread out.

    What is read is returned to the coordinator. A failed read, refused or not, returns
    nothing for that centre (its last status stands) and is tried again 30 minutes later (or
    as late as the server asked): it costs that centre's status, never the slot updates.
    """

    def __init__(self, read_times: ReadTimes) -> None:
        """Read a centre's times with `read_times`."""
        self._read_times = read_times
        self._due: Due[int] = Due(
            interval=STATUS_INTERVAL.total_seconds(),
            retry=STATUS_RETRY.total_seconds(),
            max_retry=STATUS_RETRY.total_seconds(),
            max_retry_after=MAX_RETRY_AFTER_HONOURED.total_seconds(),
        )

    def read_all_again(self) -> None:
        """Read every centre at the next update (the centre list changed)."""
        self._due.again()

    async def async_read_due(
        self,
        centres: Iterable[int],
        views: Mapping[int, CapacityView],
        *,
        now: datetime,
        clock: float,
        budget: int,
    ) -> dict[int, bool]:
        """Read at most `budget` of the centres that are due; the rest wait for later updates.

        `views` are the watched centres' capacity views; `now` is the wall clock, `clock` the
        monotonic one. Returns whether each centre read publishes interview times.
        """
        due = [cid for cid in sorted(centres) if self._due.is_due(cid, clock)][:budget]
        if not due:
            return {}
        read: dict[int, bool] = {}
        results = await asyncio.gather(*(self._interviews(cid, views.get(cid), now) for cid in due))
        spread = next_reads(due, clock, STATUS_INTERVAL.total_seconds())
        for cid, result in zip(due, results, strict=True):
            if isinstance(result, TTPError):  # a failed read keeps the last status
                self._due.failed(cid, clock, result.retry_after)
            else:
                self._due.read(cid, clock, at=spread[cid])
                read[cid] = result
        return read

    async def _interviews(
        self, location_id: int, view: CapacityView | None, now: datetime
    ) -> bool | TTPError:
        """Tell whether a centre publishes times in the next 90 days, or why it is unknown.

        The next 30 days first (a watched centre's hourly view has them): most centres that
        interview show times there, and the 60 days after are read only when it holds none.
        """
        try:
            if view is None:
                soon = await self._read_times(location_id, now, now + CAPACITY_WINDOW)
                if publishes_times(soon):
                    return True
            elif view.publishes:
                return True
            later = await self._read_times(
                location_id, now + CAPACITY_WINDOW, now + INTERVIEW_HORIZON
            )
        except TTPError as err:
            LOGGER.debug("Cannot read the interview times of centre %s: %s", location_id, err)
            return err
        return publishes_times(later)

"""Whether centres interview, read from their published times, each on its own schedule."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime

from .centres import INTERVIEW_HORIZON, next_reads, publishes_times
from .const import CAPACITY_WINDOW, LOGGER, STATUS_INTERVAL, STATUS_RETRY
from .snapshot import CapacityView
from .store import NexusStore
from .ttp import CapacitySlot, TTPError, TTPRefusedError

type ReadTimes = Callable[[int, datetime, datetime], Awaitable[tuple[CapacitySlot, ...]]]


class InterviewReads:
    """Reads each centre's interview times at start, then every 6 hours, spread out.

    What is read goes to the store; a failed read keeps the last status there and is tried
    again 30 minutes later; a refusal is the coordinator's to back off from.
    """

    def __init__(self, store: NexusStore, read_times: ReadTimes) -> None:
        """Keep statuses in `store`; read a centre's times with `read_times`."""
        self._store = store
        self._read_times = read_times
        self._due: dict[int, datetime] = {}  # when each centre is read next

    def read_all_again(self) -> None:
        """Read every centre at the next update (the centre list changed)."""
        self._due.clear()

    async def async_read_due(
        self, centres: Iterable[int], views: Mapping[int, CapacityView], now: datetime
    ) -> None:
        """Read the centres that are due; `views` are the watched centres' capacity views."""
        for cid, view in views.items():
            if view.fetched == now and view.publishes:  # fetched this update: free to know
                self._store.remember_status(cid, interviewing=True)
        due = [cid for cid in sorted(centres) if self._due.get(cid, now) <= now]
        if not due:
            return
        results = await asyncio.gather(*(self._interviews(cid, views.get(cid), now) for cid in due))
        self._due |= next_reads(due, now, STATUS_INTERVAL)
        for cid, interviewing in zip(due, results, strict=True):
            if interviewing is None:  # a failed read keeps the last status
                self._due[cid] = now + STATUS_RETRY
            else:
                self._store.remember_status(cid, interviewing=interviewing)

    async def _interviews(
        self, location_id: int, view: CapacityView | None, now: datetime
    ) -> bool | None:
        """Tell whether a centre publishes times in the next 90 days; None if unreadable.

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
        except TTPRefusedError:
            raise
        except TTPError as err:
            LOGGER.debug("Cannot read the interview times of centre %s: %s", location_id, err)
            return None
        return publishes_times(later)

"""When each of the scheduler's slower views is read next, each on a back-off of its own.

Times are seconds of a monotonic clock: the wall clock of a Raspberry Pi with no real-time
clock is set after boot, in either direction, and a "how long since" read from it can be
negative for a day or years long.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .const import (
    LOGGER,
    MAX_BACKOFF,
    MAX_RETRY_AFTER_HONOURED,
    MIN_BACKOFF,
    REFUSED_ISSUE_AFTER,
    VIEW_RETRY,
)
from .ttp import TTPError


@dataclass(slots=True, kw_only=True)
class Due[K]:
    """The next read of each view (a key), and its failures in a row.

    A view never read is due. A good read is next due `interval` later; a failed one
    `retry` later, doubling with each failure in a row up to `max_retry`, and never sooner
    than the server asked (`retry_after`, capped at `max_retry_after`).
    """

    interval: float
    retry: float
    max_retry: float
    max_retry_after: float
    _next: dict[K, float] = field(default_factory=dict)
    _failures: dict[K, int] = field(default_factory=dict)

    def is_due(self, key: K, now: float) -> bool:
        """Tell whether the view is due at `now`."""
        return self._next.get(key, now) <= now

    def read(self, key: K, now: float, *, at: float | None = None) -> None:
        """Record a good read: next due `interval` later, or `at` when given."""
        self._next[key] = now + self.interval if at is None else at
        self._failures.pop(key, None)

    def failed(self, key: K, now: float, retry_after: float | None = None) -> int:
        """Record a failed read; return how many failed in a row (1 the first time)."""
        failures = self._failures[key] = self._failures.get(key, 0) + 1
        wait = min(self.retry * 2 ** min(failures - 1, 32), self.max_retry)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after))
        self._next[key] = now + wait
        return failures

    def failing(self, key: K) -> bool:
        """Tell whether the view's last read failed."""
        return key in self._failures

    def again(self) -> None:
        """Make every view due now (what they show has changed)."""
        self._next.clear()

    def keep(self, keys: Iterable[K]) -> None:
        """Forget the views of other keys."""
        kept = set(keys)
        for known in (self._next, self._failures):
            for key in known.keys() - kept:
                del known[key]


@dataclass(slots=True)
class Refusals:
    """How long a refusing scheduler is left alone: its Retry-After, else doubling from 3 min."""

    count: int = 0
    since: float | None = None  # the first refusal in a row

    def refused(self, retry_after: float | None, now: float) -> tuple[timedelta, bool]:
        """Return the wait before the next poll, and whether it has been refused too long."""
        self.count += 1
        if self.since is None:
            self.since = now
        backoff = min(MIN_BACKOFF * min(2**self.count, 1024), MAX_BACKOFF)
        if retry_after is not None:
            asked = min(retry_after, MAX_RETRY_AFTER_HONOURED.total_seconds())
            backoff = max(timedelta(seconds=asked), MIN_BACKOFF)
        # A single wait longer than the threshold is as bad as being refused that long.
        too_long = REFUSED_ISSUE_AFTER.total_seconds()
        return backoff, backoff.total_seconds() > too_long or now - self.since >= too_long

    def recovered(self) -> bool:
        """Forget the refusals; tell whether there were any."""
        refused, self.count, self.since = self.since is not None, 0, None
        return refused


def view_due(interval: timedelta) -> Due[Any]:
    """When a slower view is read: every `interval`; after a failure, from 5 minutes on."""
    return Due(
        interval=interval.total_seconds(),
        retry=VIEW_RETRY.total_seconds(),
        max_retry=interval.total_seconds(),
        max_retry_after=MAX_RETRY_AFTER_HONOURED.total_seconds(),
    )


async def read_view[K, T](
    due: Due[K], key: K, read: Callable[[], Awaitable[T]], clock: float, what: str
) -> T | None:
    """Read a view on its own back-off; None when the read failed.

    Said once when a view starts failing (the last one read stands in), and when it is read
    again.
    """
    try:
        value = await read()
    except TTPError as err:
        if due.failed(key, clock, err.retry_after) == 1:
            LOGGER.warning("Cannot read %s; the last one read stands in: %s", what, err)
        return None
    if due.failing(key):
        LOGGER.info("Read %s again", what)
    due.read(key, clock)
    return value

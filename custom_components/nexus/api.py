"""The scheduler API as the integration uses it: its client, its requests, its errors by name.

Home Assistant's session, one base URL, at most a few requests at once and never the same
slots twice within the floor, and what each of the client's errors is called in the
translations.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, tzinfo
import os

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import UpdateFailed

from .const import (
    DOMAIN,
    ENV_SCHEDULER_URL,
    MAX_CONCURRENT_REQUESTS,
    SLOT_FLOOR,
    SLOT_LIMIT,
)
from .ttp import (
    DEFAULT_BASE_URL,
    CapacitySlot,
    Slot,
    TTPClient,
    TTPConnectionError,
    TTPError,
    TTPNoCentresError,
    TTPRefusedError,
    TTPServerError,
    TTPTimeoutError,
)

# Most specific first: a timeout is also a connection error.
_FAILURE_KEYS: tuple[tuple[type[TTPError], str], ...] = (
    (TTPNoCentresError, "no_centres"),
    (TTPRefusedError, "refused"),
    (TTPTimeoutError, "timeout"),
    (TTPConnectionError, "cannot_connect"),
    (TTPServerError, "server_error"),
)


def scheduler_url() -> str:
    """Return the scheduler API root; developers point NEXUS_SCHEDULER_URL elsewhere."""
    return os.environ.get(ENV_SCHEDULER_URL) or DEFAULT_BASE_URL


def create_client(hass: HomeAssistant) -> TTPClient:
    """Return a scheduler client on Home Assistant's shared HTTP session."""
    return TTPClient(async_get_clientsession(hass), scheduler_url())


def failure_key(err: TTPError) -> str:
    """Name a client error as the translations do (config flows, update failures)."""
    return next(
        (key for kind, key in _FAILURE_KEYS if isinstance(err, kind)), "unexpected_response"
    )


def update_failed(err: TTPError) -> UpdateFailed:
    """Say why an update failed, in the user's language."""
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=failure_key(err),
        translation_placeholders={"error": str(err)},
    )


class Requests:
    """The coordinator's requests: a few at once, the same slots not asked twice too soon."""

    def __init__(self, client: TTPClient, zone: Callable[[int], tzinfo]) -> None:
        """Send the requests with `client`; `zone` gives a listed centre's time zone."""
        self.client = client
        self._zone = zone
        self._limit = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        # The last answer per centre and minimum places, and when (a monotonic clock).
        self._fetched: dict[tuple[int, int], tuple[float, tuple[Slot, ...]]] = {}

    async def slots(
        self, location_id: int, minimum: int, clock: float, floor: float | None = None
    ) -> tuple[Slot, ...]:
        """Read a centre's soonest open slots; within `floor` seconds, the last answer stands.

        The floor is SLOT_FLOOR unless given: a planned poll gives the planner's own
        (cadence.FASTEST), a centre not due gives infinity (its last answer, if any).
        """
        last = self._fetched.get((location_id, minimum))
        wait = SLOT_FLOOR.total_seconds() if floor is None else floor
        if last is not None and clock - last[0] < wait:
            return last[1]  # asked again too soon: the scheduler is not asked twice
        async with self._limit:
            found = await self.client.get_soonest_slots(
                location_id, self._zone(location_id), limit=SLOT_LIMIT, minimum=minimum
            )
        self._fetched[location_id, minimum] = (clock, found)
        return found

    def asked(self) -> dict[int, float]:
        """When the scheduler was last asked for each centre's slots (monotonic clock)."""
        last: dict[int, float] = {}
        for (location_id, _minimum), (when, _found) in self._fetched.items():
            last[location_id] = max(when, last.get(location_id, when))
        return last

    async def capacity(
        self, location_id: int, start: datetime, end: datetime
    ) -> tuple[CapacitySlot, ...]:
        """Read a centre's interview times between two moments."""
        async with self._limit:
            return await self.client.get_capacity(location_id, self._zone(location_id), start, end)

"""Async client for the CBP Trusted Traveler Programs scheduler API.

The contract: for any bytes and headers a server (or anything between) sends, a public
method returns valid, bounded values (see `models.Limits`) or raises a `TTPError`, never
anything else. Redirects are not followed; an answer is capped in bytes, in chunks and in
time; `Retry-After` is read as a bounded number of seconds.
"""

import asyncio
from datetime import date, datetime, tzinfo
from email.utils import parsedate_to_datetime
import json
import logging
from typing import Final

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from .exceptions import (
    TTPBlockedError,
    TTPConnectionError,
    TTPNoCentresError,
    TTPRateLimitedError,
    TTPResponseError,
    TTPResponseTooLargeError,
    TTPServerError,
    TTPTimeoutError,
)
from .fields import MAX_RETRY_AFTER_CLIENT, wall_clock
from .models import (
    CapacitySlot,
    Location,
    Slot,
    SlotParser,
    parse_capacity,
    parse_locations,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://ttp.cbp.dhs.gov/schedulerapi"
DEFAULT_TIMEOUT: Final = 20.0
# The whole 133-centre list is about 270 kB; anything far larger is not the scheduler talking.
DEFAULT_MAX_RESPONSE_BYTES: Final = 4 * 1024 * 1024
DEFAULT_USER_AGENT: Final = "nexus-home-assistant/0.1 (Home Assistant integration; NEXUS slots)"
# A real answer arrives in a few hundred chunks at most (4 MiB in chunks of 1 KiB or more); a
# body trickled a byte at a time would otherwise keep the event loop busy until the timeout.
MAX_CHUNKS: Final = 4096
NEXUS: Final = "NEXUS"


class TTPClient:
    """Read-only client of the scheduler; never retries, the caller decides when to try again."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str = DEFAULT_BASE_URL,
        *,
        request_timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        """Use `session` for every request; the caller owns and closes it."""
        self._session = session
        self._base_url = URL(base_url.rstrip("/"))
        self._timeout = request_timeout
        self._max_bytes = max_response_bytes
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}
        # The last answer per centre and minimum, so that the next one parses only what changed.
        self._slot_parsers: dict[tuple[int, int], SlotParser] = {}

    @property
    def base_url(self) -> str:
        """The scheduler API root this client talks to."""
        return str(self._base_url)

    async def get_locations(
        self, service_name: str | None = NEXUS, *, operational_only: bool = False
    ) -> tuple[Location, ...]:
        """Return the enrolment centres of a program (every program when None).

        `operational_only` asks the scheduler to leave out temporary, invite-only and
        non-operational centres, as its own web page does.
        """
        params: dict[str, str] = {}
        if operational_only:
            params |= {"temporary": "false", "inviteOnly": "false", "operational": "true"}
        if service_name is not None:
            params["serviceName"] = service_name
        data = await self._get_json("locations/", params)
        return parse_locations(data)

    async def get_program_centres(self, service_name: str = NEXUS) -> dict[int, Location]:
        """Return the operational centres of a program by id, as its booking page lists them.

        The scheduler has never listed no centre of a program (the US NEXUS centres stayed
        open while the Canadian ones were closed): an empty list is a glitch, and taken at its
        word it would make every watched centre look gone. It raises `TTPNoCentresError`.
        """
        listed = await self.get_locations(service_name, operational_only=True)
        centres = {c.id: c for c in listed if c.offers(service_name)}
        if not centres:
            raise TTPNoCentresError(f"The scheduler listed no {service_name} centre")
        return centres

    async def get_soonest_slots(
        self,
        location_id: int,
        time_zone: tzinfo,
        *,
        limit: int = 500,
        minimum: int = 1,
        before: date | None = None,
    ) -> tuple[Slot, ...]:
        """Return a centre's soonest open slots, soonest first (at most `limit`).

        `minimum` is the number of places that must be open at one time; `before` keeps slots
        before that date. `time_zone` is the centre's `Location.time_zone`.
        """
        params = {
            "orderBy": "soonest",
            "limit": str(limit),
            "locationId": str(location_id),
            "minimum": str(minimum),
        }
        if before is not None:
            params |= {"filterTimestampBy": "before", "timestamp": before.isoformat()}
        body = await self._get_body("slots", params)
        query = (location_id, minimum)
        parser = self._slot_parsers.get(query)
        if parser is None or parser.zone != time_zone:
            parser = self._slot_parsers[query] = SlotParser(time_zone, location_id)
        if body == parser.body:
            # The same answer as last time, byte for byte (most polls): nothing to decode.
            return parser.slots
        return parser.parse(_decode(body), body)

    async def get_capacity(
        self, location_id: int, time_zone: tzinfo, start: datetime, end: datetime
    ) -> tuple[CapacitySlot, ...]:
        """Return every time of a centre between two aware datetimes, full ones included."""
        params = {
            "startTimestamp": wall_clock(start, time_zone),
            "endTimestamp": wall_clock(end, time_zone),
        }
        data = await self._get_json(f"locations/{location_id}/slots", params)
        return parse_capacity(data, time_zone)

    async def get_locations_with_availability(
        self,
        service_name: str = NEXUS,
        *,
        minimum: int = 1,
        limit: int = 500,
        before: date | None = None,
    ) -> tuple[Location, ...]:
        """Return, in one request, the centres that have open slots."""
        params = {"minimum": str(minimum), "limit": str(limit), "serviceName": service_name}
        if before is not None:
            params |= {"filterTimestampBy": "before", "timestamp": before.isoformat()}
        data = await self._get_json("slots/asLocations", params)
        return parse_locations(data)

    async def _get_json(self, path: str, params: dict[str, str]) -> object:
        return _decode(await self._get_body(path, params))

    async def _get_body(self, path: str, params: dict[str, str]) -> bytes:
        url = self._base_url / path
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._session.get(
                    url, params=params, headers=self._headers, allow_redirects=False
                ) as response,
            ):
                _raise_for_status(response.status, response.headers)
                body = await self._read_capped(response)
        except TimeoutError as err:
            raise TTPTimeoutError(f"No answer from the scheduler in {self._timeout:g} s") from err
        except aiohttp.ClientError as err:
            raise TTPConnectionError(f"Cannot reach the scheduler: {err}") from err
        return body

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        if response.content_length is not None and response.content_length > self._max_bytes:
            raise TTPResponseTooLargeError(
                f"The answer is {response.content_length} bytes, over {self._max_bytes}"
            )
        # Without a Content-Length the body is counted as it arrives and cut at the cap.
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self._max_bytes:
                raise TTPResponseTooLargeError(f"The answer is over {self._max_bytes} bytes")
            chunks.append(chunk)
            if len(chunks) > MAX_CHUNKS:
                raise TTPResponseError(f"The answer came in over {MAX_CHUNKS} pieces")
        return b"".join(chunks)


def _decode(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:  # nested too deep
        raise TTPResponseError(f"The scheduler's answer is not JSON: {err}") from err


def _raise_for_status(status: int, headers: CIMultiDictProxy[str]) -> None:
    if status == 200:
        return
    if status == 429:
        raise TTPRateLimitedError("Too many requests", _retry_after(headers))
    if status == 403:
        raise TTPBlockedError("The scheduler refuses this client", _retry_after(headers))
    if status >= 500:
        raise TTPServerError(status)
    if 300 <= status < 400:
        # Not followed: an https scheduler could be sent to plain http or to any host.
        where = headers.get("Location", "")[:100]
        raise TTPResponseError(f"The scheduler redirected to {where!r}; not followed")
    raise TTPResponseError(f"Unexpected HTTP status {status}")


def _retry_after(headers: CIMultiDictProxy[str]) -> int | None:
    """Read Retry-After as seconds, at most a week; it may be seconds or an HTTP date."""
    value = headers.get("Retry-After", "").strip()
    if not value or len(value) > 64:
        return None
    if value.isascii() and value.isdigit():
        longest = MAX_RETRY_AFTER_CLIENT
        return min(int(value), longest) if len(value) <= 10 else longest
    try:
        when = parsedate_to_datetime(value)
        wait = (when - datetime.now(when.tzinfo)).total_seconds() if when.tzinfo else None
    except TypeError, ValueError, OverflowError, IndexError:
        wait = None
    if wait is None:
        _LOGGER.debug("Ignoring unreadable Retry-After %r", value)
        return None
    return int(min(max(wait, 0), MAX_RETRY_AFTER_CLIENT))

"""The scheduler client against real-format answers on a loopback server."""

from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from custom_components.nexus.ttp import (
    DEFAULT_BASE_URL,
    TTPBlockedError,
    TTPClient,
    TTPConnectionError,
    TTPNoCentresError,
    TTPParseError,
    TTPRateLimitedError,
    TTPResponseError,
    TTPResponseTooLargeError,
    TTPServerError,
    TTPTimeoutError,
)
from tests.conftest import LOCATIONS_FIXTURE, load_json

from .conftest import CannedScheduler

CHICAGO = ZoneInfo("America/Chicago")


async def test_locations_parse_the_real_capture(
    client: TTPClient, scheduler: CannedScheduler
) -> None:
    scheduler.reply("locations/", load_json(LOCATIONS_FIXTURE))

    centres = await client.get_locations()

    assert len(centres) == 133
    nexus = [c for c in centres if c.offers("NEXUS")]
    assert len(nexus) == 26
    assert len([c for c in nexus if c.country_code == "CA"]) == 11
    blaine = next(c for c in centres if c.id == 5020)
    assert blaine.place == "Blaine, WA, US"
    assert blaine.time_zone == ZoneInfo("America/Los_Angeles")
    assert blaine.map_file_name == "/locations/5020/image"
    assert blaine.operational
    fort_erie = next(c for c in centres if c.id == 5022)
    assert fort_erie.place == "Fort Erie, ON, CA"
    champlain = next(c for c in centres if c.id == 5021)
    assert champlain.map_file_name is None
    assert scheduler.requests[0].query == {"serviceName": "NEXUS"}


async def test_locations_query_parameters(client: TTPClient, scheduler: CannedScheduler) -> None:
    scheduler.reply("locations/", [])

    assert await client.get_locations(operational_only=True) == ()
    await client.get_locations(None)

    assert scheduler.requests[0].query == {
        "temporary": "false",
        "inviteOnly": "false",
        "operational": "true",
        "serviceName": "NEXUS",
    }
    assert scheduler.requests[1].query == {}


async def test_program_centres_are_the_operational_nexus_ones(
    client: TTPClient, scheduler: CannedScheduler
) -> None:
    scheduler.reply("locations/", load_json(LOCATIONS_FIXTURE))
    centres = await client.get_program_centres()
    assert len(centres) == 26
    assert centres[5022].name.startswith("Buffalo-Ft. Erie")
    assert scheduler.requests[0].query["operational"] == "true"
    # The scheduler has never listed no NEXUS centre: an empty list is a glitch.
    scheduler.reply("locations/", [])
    with pytest.raises(TTPNoCentresError):
        await client.get_program_centres()


async def test_requests_name_the_integration(client: TTPClient, scheduler: CannedScheduler) -> None:
    scheduler.reply("locations/", [])

    await client.get_locations()

    headers = scheduler.requests[0].headers
    assert "nexus-home-assistant" in headers["User-Agent"]
    assert headers["Accept"] == "application/json"


async def test_soonest_slots_in_the_centres_time_zone(
    client: TTPClient, scheduler: CannedScheduler
) -> None:
    scheduler.reply("slots", [load_json("slots_soonest_sample.json")])

    (slot,) = await client.get_soonest_slots(5001, CHICAGO, limit=5, minimum=2)

    assert slot.location_id == 5001
    assert slot.start == datetime(2023, 11, 28, 8, 25, tzinfo=CHICAGO)
    assert slot.start.utcoffset() == timedelta(hours=-6)
    assert slot.end - slot.start == timedelta(minutes=10)
    assert slot.duration == 10
    assert slot.active
    assert not slot.remote
    assert scheduler.requests[0].query == {
        "orderBy": "soonest",
        "limit": "5",
        "locationId": "5001",
        "minimum": "2",
    }


async def test_same_answer_again_is_not_parsed_again(
    client: TTPClient, scheduler: CannedScheduler
) -> None:
    """Most polls get the answer of the last one: the same slots come back, nothing is redone."""
    sample = load_json("slots_soonest_sample.json")
    scheduler.reply("slots", [sample])
    first = await client.get_soonest_slots(5001, CHICAGO)
    assert await client.get_soonest_slots(5001, CHICAGO) is first
    # Another centre's or another family size's answer is another list.
    assert await client.get_soonest_slots(5001, CHICAGO, minimum=2) is not first

    scheduler.reply("slots", [sample | {"endTimestamp": "2023-11-28T08:45"}])
    (changed,) = await client.get_soonest_slots(5001, CHICAGO)
    assert changed.end == datetime(2023, 11, 28, 8, 45, tzinfo=CHICAGO)
    # A broken answer after a good one is an error, not the last good list.
    scheduler.reply("slots", raw=b"[{")
    with pytest.raises(TTPResponseError):
        await client.get_soonest_slots(5001, CHICAGO)


async def test_soonest_slots_before_a_date(client: TTPClient, scheduler: CannedScheduler) -> None:
    scheduler.reply("slots", [])

    assert await client.get_soonest_slots(5020, CHICAGO, before=date(2027, 2, 1)) == ()

    query = scheduler.requests[0].query
    assert query["filterTimestampBy"] == "before"
    assert query["timestamp"] == "2027-02-01"


async def test_capacity_view(client: TTPClient, scheduler: CannedScheduler) -> None:
    scheduler.reply("locations/5020/slots", load_json("location-window-slots_sample.json"))
    pacific = ZoneInfo("America/Los_Angeles")
    start = datetime(2023, 2, 5, 16, 0, tzinfo=UTC)

    rows = await client.get_capacity(5020, pacific, start, start + timedelta(days=30))

    assert [(r.available, r.total, r.taken) for r in rows] == [(2, 2, 0), (0, 2, 2)]
    assert rows[0].start == datetime(2023, 2, 5, 8, 30, tzinfo=pacific)
    assert rows[1].end == datetime(2023, 2, 5, 9, 0, tzinfo=pacific)
    # The window is sent as wall-clock time at the centre, as the scheduler expects.
    assert scheduler.requests[0].query == {
        "startTimestamp": "2023-02-05T08:00:00",
        "endTimestamp": "2023-03-07T08:00:00",
    }


async def test_locations_with_availability(client: TTPClient, scheduler: CannedScheduler) -> None:
    centres = load_json(LOCATIONS_FIXTURE)
    scheduler.reply("slots/asLocations", centres[:3])

    found = await client.get_locations_with_availability(before=date(2027, 1, 1))

    assert [c.id for c in found] == [c["id"] for c in centres[:3]]
    assert scheduler.requests[0].query == {
        "minimum": "1",
        "limit": "500",
        "serviceName": "NEXUS",
        "filterTimestampBy": "before",
        "timestamp": "2027-01-01",
    }
    await client.get_locations_with_availability(minimum=2, limit=10)
    assert scheduler.requests[1].query == {"minimum": "2", "limit": "10", "serviceName": "NEXUS"}


async def test_rate_limited_carries_retry_after(
    client: TTPClient, scheduler: CannedScheduler
) -> None:
    scheduler.reply("locations/", raw=b"", status=429, headers={"Retry-After": "120"})

    with pytest.raises(TTPRateLimitedError) as caught:
        await client.get_locations()

    assert caught.value.retry_after == 120


async def test_retry_after_as_an_http_date(client: TTPClient, scheduler: CannedScheduler) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=300), usegmt=True)
    scheduler.reply("locations/", raw=b"", status=429, headers={"Retry-After": when})

    with pytest.raises(TTPRateLimitedError) as caught:
        await client.get_locations()

    assert caught.value.retry_after is not None
    assert 290 <= caught.value.retry_after <= 300


@pytest.mark.parametrize(
    "header", [None, "soon", "Tue, 99 Foo 2026", "Tue, 15 Nov 1994 08:12:31 -0000"]
)
async def test_rate_limited_without_usable_retry_after(
    client: TTPClient, scheduler: CannedScheduler, header: str | None
) -> None:
    headers = {"Retry-After": header} if header else {}
    scheduler.reply("locations/", raw=b"", status=429, headers=headers)

    with pytest.raises(TTPRateLimitedError) as caught:
        await client.get_locations()

    assert caught.value.retry_after is None


async def test_blocked(client: TTPClient, scheduler: CannedScheduler) -> None:
    scheduler.reply("locations/", raw=b"Forbidden", status=403, headers={"Retry-After": "3600"})

    with pytest.raises(TTPBlockedError) as caught:
        await client.get_locations()

    assert caught.value.retry_after == 3600


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(client: TTPClient, scheduler: CannedScheduler, status: int) -> None:
    scheduler.reply("locations/", raw=b"<html>Bad Gateway</html>", status=status)

    with pytest.raises(TTPServerError) as caught:
        await client.get_locations()

    assert caught.value.status == status


async def test_unexpected_status(client: TTPClient, scheduler: CannedScheduler) -> None:
    with pytest.raises(TTPResponseError, match="404"):
        await client.get_locations()


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b'[{"id": 5020', b"\xff\xfe", b""])
async def test_not_json(client: TTPClient, scheduler: CannedScheduler, body: bytes) -> None:
    scheduler.reply("locations/", raw=body)

    with pytest.raises(TTPResponseError, match="not JSON"):
        await client.get_locations()


async def test_wrong_shape_names_what_failed(client: TTPClient, scheduler: CannedScheduler) -> None:
    scheduler.reply("locations/", {"error": "moved"})

    with pytest.raises(TTPParseError) as caught:
        await client.get_locations()

    assert caught.value.field == "locations"


async def test_json_served_as_html_is_still_read(
    client: TTPClient, scheduler: CannedScheduler
) -> None:
    """A wrong Content-Type alone does not lose data: the body is what is checked."""
    scheduler.reply("slots", [load_json("slots_soonest_sample.json")], content_type="text/html")

    assert len(await client.get_soonest_slots(5001, CHICAGO)) == 1


async def test_too_large_by_content_length(client: TTPClient, scheduler: CannedScheduler) -> None:
    scheduler.reply("locations/", raw=b"[" + b" " * 500_000 + b"]")

    with pytest.raises(TTPResponseTooLargeError):
        await client.get_locations()


async def test_too_large_without_content_length(socket_enabled: None) -> None:
    """A streamed body (no Content-Length) is cut at the cap, not read whole."""
    from aiohttp import web  # noqa: PLC0415
    from aiohttp.test_utils import TestServer  # noqa: PLC0415

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "application/json"
        await response.prepare(request)
        await response.write(b"[")
        for _ in range(100):
            await response.write(b" " * 10_000)
        return response

    app = web.Application()
    app.router.add_get("/schedulerapi/locations/", endless)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:
        client = TTPClient(
            session, str(server.make_url("/schedulerapi")), max_response_bytes=50_000
        )
        with pytest.raises(TTPResponseTooLargeError):
            await client.get_locations()


async def test_timeout(client: TTPClient, scheduler: CannedScheduler) -> None:
    scheduler.reply("locations/", [], delay=2)

    with pytest.raises(TTPTimeoutError):
        await client.get_locations()


async def test_connection_refused(socket_enabled: None, unused_tcp_port: int) -> None:
    async with aiohttp.ClientSession() as session:
        client = TTPClient(session, f"http://127.0.0.1:{unused_tcp_port}/schedulerapi")
        with pytest.raises(TTPConnectionError) as caught:
            await client.get_locations()

    assert not isinstance(caught.value, TTPTimeoutError)


async def test_base_url() -> None:
    async with aiohttp.ClientSession() as session:
        assert TTPClient(session).base_url == DEFAULT_BASE_URL
        assert TTPClient(session, "http://x/api/").base_url == "http://x/api"

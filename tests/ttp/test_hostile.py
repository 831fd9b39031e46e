"""Whatever a server sends, every public method returns bounded, valid values or a TTPError.

Hypothesis draws the whole answer (status, Retry-After, content type and encoding, redirects,
and a body: hostile JSON, a real record with one field made hostile, or raw bytes) and a real
server on loopback sends it to the real client.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import gzip
import json
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.nexus.ttp import (
    CapacitySlot,
    Location,
    Slot,
    TTPClient,
    TTPError,
    TTPParseError,
    TTPRefusedError,
    TTPResponseError,
)
from custom_components.nexus.ttp.fields import LIMITS, MAX_RETRY_AFTER_CLIENT
from tests.conftest import LOCATIONS_FIXTURE, load_json, run_in_own_loop
from tests.strategies import huge_integers, json_of

from .conftest import CannedScheduler

ZONE = ZoneInfo("America/Los_Angeles")
CENTRE = 5020
INT64 = 2**63

LOCATION = load_json(LOCATIONS_FIXTURE)[0]
SLOT = load_json("slots_soonest_sample.json") | {"locationId": CENTRE}
CAPACITY = load_json("location-window-slots_sample.json")[0]

# Strings a broken or hostile backend sends: half an emoji, NUL, controls, very long.
nasty_text = st.one_of(
    # Surrogates and control characters included, which st.text() leaves out by default.
    st.text(st.characters(categories=["Cs", "Cc", "Lu", "Nd", "Zs"]), max_size=20),
    st.sampled_from(
        [
            "Fort \ud83d Erie",
            "\udfff",
            "a\x00b",
            "\x1b[31m",
            "x" * 100_000,
            "America/" + "A" * 5000,
            "../../etc/passwd",
            "2026-13-45T25:61",
            "9999-12-31T23:59",
        ]
    ),
)
nasty_int = huge_integers(10**20, -1, 2**63, 2**64 + 1, 0)
leaves, json_values = json_of(nasty_text, nasty_int)


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# The fields the client reads, where a hostile value matters most.
READ = ["id", "name", "city", "state", "notes", "tzData", "services", "shortName", "address"]
READ += ["locationId", "startTimestamp", "endTimestamp", "duration", "timestamp", "total"]
READ += ["active", "pending", "conflicts"]


@st.composite
def record_made_hostile(draw: st.DrawFn) -> object:
    record = dict(draw(st.sampled_from([LOCATION, SLOT, CAPACITY])))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        read = sorted(set(READ) & record.keys())
        key = draw(st.sampled_from(read) | st.sampled_from(sorted(record)))
        record[key] = draw(leaves | json_values)
    return draw(st.sampled_from([[record], [record, record], record]))


bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    record_made_hostile().map(lambda v: json.dumps(v).encode()),
    st.sampled_from([deep(100_000), deep(995), b'[{"x": ' + deep(2000) + b"}]", b"\xff\xfe"]),
    st.binary(max_size=200),
)
retry_after = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10**30).map(str),
    st.sampled_from(
        [
            "31536000",
            "-5",
            "1e9",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Mon, 01 Jan 0001 00:00:00 GMT",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "soon",
            "\u0663\u0663",  # Arabic-Indic digits: isdigit() is true for them
        ]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)


@dataclass
class Answer:
    """What the hostile server sends."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    status = draw(st.sampled_from([200, 200, 200, 200, 204, 301, 302, 307, 403, 404, 429, 503]))
    body = draw(bodies)
    headers = {"Content-Type": draw(st.sampled_from(["application/json", "text/html", "x/y"]))}
    if (wait := draw(retry_after)) is not None:
        headers["Retry-After"] = wait
    if status in {301, 302, 307}:
        headers["Location"] = draw(
            st.sampled_from(["http://127.0.0.2:9/elsewhere", "/schedulerapi/slots", "https://x"])
        )
    if draw(st.booleans()):
        headers["Content-Encoding"] = "gzip"
        if draw(st.booleans()):
            body = gzip.compress(body)
    return Answer(status, body, headers)


METHODS: dict[str, Callable[[TTPClient], Awaitable[object]]] = {
    "get_locations": lambda c: c.get_locations(),
    "get_soonest_slots": lambda c: c.get_soonest_slots(CENTRE, ZONE, limit=10),
    "get_capacity": lambda c: c.get_capacity(
        CENTRE, ZONE, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    ),
    "get_locations_with_availability": lambda c: c.get_locations_with_availability(),
}


def valid_text(value: str, limit: int) -> None:
    assert len(value) <= limit
    value.encode("utf-8")  # no lone surrogate: Home Assistant can store and send it
    assert "\x00" not in value


def valid_int(value: int, low: int, high: int) -> None:
    assert isinstance(value, int)
    assert low <= value <= high < INT64


def valid(result: object) -> None:
    """Bounded values Home Assistant can store: text it can encode, 64-bit numbers, times."""
    assert isinstance(result, tuple)
    for item in result:
        if isinstance(item, Location):
            valid_int(item.id, 1, LIMITS.max_id)
            for name in ("name", "short_name", "city", "state", "address", "postal_code"):
                valid_text(getattr(item, name), LIMITS.text)
            valid_text(item.notes, LIMITS.notes)
            assert all(len(s) <= LIMITS.text for s in item.services)
            str(item.time_zone)
        elif isinstance(item, Slot):
            assert item.location_id == CENTRE
            valid_int(item.duration, 0, LIMITS.max_minutes)
            assert item.start.astimezone(UTC) <= item.end.astimezone(UTC)
        else:
            assert isinstance(item, CapacitySlot)
            for count in (item.available, item.total, item.pending, item.conflicts):
                valid_int(count, 0, LIMITS.max_places)
            assert item.start.astimezone(UTC) < item.end.astimezone(UTC) + timedelta(seconds=1)


async def exchange(answer: Answer) -> list[object]:
    """Serve `answer` on loopback and call every public method of the client against it."""

    async def handle(_request: web.Request) -> web.Response:
        return web.Response(status=answer.status, body=answer.body, headers=answer.headers)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    outcomes: list[object] = []
    try:
        async with aiohttp.ClientSession() as session:
            client = TTPClient(session, f"http://127.0.0.1:{port}/schedulerapi", request_timeout=5)
            for call in METHODS.values():
                try:
                    outcomes.append(await call(client))
                except TTPError as err:
                    outcomes.append(err)
    finally:
        await runner.cleanup()
    return outcomes


EXAMPLES = 1000


@pytest.mark.usefixtures("socket_enabled")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answer=answers())
def test_any_answer_gives_valid_values_or_a_ttp_error(answer: Answer) -> None:
    # Anything but a TTPError escapes here and fails the property.
    for outcome in run_in_own_loop(exchange(answer)):
        if isinstance(outcome, TTPRefusedError):
            assert outcome.retry_after is None or 0 <= outcome.retry_after <= MAX_RETRY_AFTER_CLIENT
        elif not isinstance(outcome, TTPError):
            valid(outcome)


# Each answer that got through before, as a regression test of its own.


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("31536000", MAX_RETRY_AFTER_CLIENT),  # a year
        ("99999999999999999999", MAX_RETRY_AFTER_CLIENT),
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER_CLIENT),
        ("Mon, 01 Jan 0001 00:00:00 GMT", 0),
        ("-5", None),
        ("1e9", None),
        ("soon", None),
        ("9" * 100, None),
    ],
)
async def test_retry_after_is_a_bounded_number_of_seconds(
    client: TTPClient, scheduler: CannedScheduler, header: str, seconds: int | None
) -> None:
    scheduler.reply("locations/", raw=b"", status=429, headers={"Retry-After": header})
    with pytest.raises(TTPRefusedError) as refused:
        await client.get_locations()
    assert refused.value.retry_after == seconds


@pytest.mark.parametrize("depth", [100_000, 995])
async def test_deeply_nested_json_is_a_response_error(
    client: TTPClient, scheduler: CannedScheduler, depth: int
) -> None:
    scheduler.reply("slots", raw=deep(depth))
    with pytest.raises(TTPError):
        await client.get_soonest_slots(CENTRE, ZONE)


async def test_a_deep_field_is_never_compared_again(
    client: TTPClient, scheduler: CannedScheduler
) -> None:
    # Parsed once (the client reads only the fields it knows)...
    nested = json.loads(deep(900))
    scheduler.reply("slots", [SLOT | {"extra": nested}])
    (first,) = await client.get_soonest_slots(CENTRE, ZONE)
    # ...and the next, different answer is compared with what was read of the first (its
    # fields, not the nested one): unequal at once, parsed again, no RecursionError.
    scheduler.reply("slots", [SLOT | {"extra": nested, "more": 1}])
    (second,) = await client.get_soonest_slots(CENTRE, ZONE)
    assert second == first
    # An element of just those fields is known again: not parsed a third time.
    scheduler.reply("slots", [SLOT])
    (third,) = await client.get_soonest_slots(CENTRE, ZONE)
    assert third is second


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tzData": "America/" + "A" * 10_000}, "tzData"),
        ({"tzData": "../../../../etc/passwd"}, "tzData"),
        ({"city": "Fort \ud83d Erie"}, "city"),
        ({"name": "Blaine\x00"}, "name"),
        ({"city": "x" * 10_000}, "city"),
        ({"id": 10**20}, "id"),
        ({"id": 0}, "id"),
    ],
)
async def test_a_centre_that_cannot_be_shown_or_stored_is_rejected(
    client: TTPClient, scheduler: CannedScheduler, change: dict[str, object], field: str
) -> None:
    scheduler.reply("locations/", raw=json.dumps([LOCATION | change]).encode())
    with pytest.raises(TTPParseError) as error:
        await client.get_locations()
    assert error.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total": 10**20}, "total"),
        ({"active": 2**64}, "active"),
        ({"duration": 10**9}, "duration"),
    ],
)
async def test_capacity_beyond_any_real_figure_is_rejected(
    client: TTPClient, scheduler: CannedScheduler, change: dict[str, object], field: str
) -> None:
    scheduler.reply(f"locations/{CENTRE}/slots", [CAPACITY | change])
    start = datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(TTPParseError) as error:
        await client.get_capacity(CENTRE, ZONE, start, start + timedelta(days=30))
    assert error.value.field == field


async def test_a_slot_of_another_centre_is_rejected(
    client: TTPClient, scheduler: CannedScheduler
) -> None:
    scheduler.reply("slots", [SLOT | {"locationId": 5022}])
    with pytest.raises(TTPParseError) as error:
        await client.get_soonest_slots(CENTRE, ZONE)
    assert error.value.field == "locationId"


@pytest.mark.parametrize("target", ["http://127.0.0.2:9/schedulerapi/slots", "/schedulerapi/x"])
async def test_redirects_are_not_followed(
    client: TTPClient, scheduler: CannedScheduler, target: str
) -> None:
    scheduler.reply("slots", raw=b"", status=302, headers={"Location": target})
    scheduler.reply("x", [SLOT])
    with pytest.raises(TTPResponseError, match="redirected"):
        await client.get_soonest_slots(CENTRE, ZONE)
    assert [r.path for r in scheduler.requests] == ["/schedulerapi/slots"]


@pytest.mark.usefixtures("socket_enabled")
async def test_a_body_trickled_a_byte_at_a_time_is_cut_short() -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for _ in range(100_000):
            await response.write(b" ")
            await asyncio.sleep(0)
        return response

    app = web.Application()
    app.router.add_get("/schedulerapi/locations/", trickle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as session:
            client = TTPClient(session, f"http://127.0.0.1:{port}/schedulerapi")
            began = asyncio.get_running_loop().time()
            with pytest.raises(TTPResponseError, match="pieces"):
                await client.get_locations()
            # Long before the 20 s timeout.
            assert asyncio.get_running_loop().time() - began < 10
    finally:
        await runner.cleanup()

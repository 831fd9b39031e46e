"""The scheduler stand-in: realistic answers, a timeline, faults and counts."""

import asyncio
from datetime import UTC, date, datetime, timedelta
import json
import subprocess
import sys
from typing import Any

import aiohttp
import pytest

from custom_components.nexus.ttp import (
    Location,
    TTPBlockedError,
    TTPClient,
    TTPConnectionError,
    TTPError,
    TTPParseError,
    TTPRateLimitedError,
    TTPResponseError,
    TTPResponseTooLargeError,
    TTPServerError,
    TTPTimeoutError,
)
from simulator import FAULT_KINDS, SimulatorState, load_scenario
from tests.conftest import RunningSimulator, run_in_own_loop

BLAINE = 5020
FORT_ERIE = 5022
TORONTO = 5027
OTTAWA_AIRPORT = 5025


@pytest.fixture
async def session() -> Any:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def client(simulator: RunningSimulator, session: aiohttp.ClientSession) -> TTPClient:
    return TTPClient(session, simulator.url, request_timeout=1, max_response_bytes=1_000_000)


async def centre(client: TTPClient, location_id: int) -> Location:
    return next(c for c in await client.get_locations() if c.id == location_id)


async def control(
    session: aiohttp.ClientSession, simulator: RunningSimulator, method: str, path: str, **body: Any
) -> Any:
    async with session.request(method, f"{simulator.root}/_control{path}", json=body) as reply:
        reply.raise_for_status()
        return await reply.json()


async def test_centre_list_is_the_real_capture(client: TTPClient) -> None:
    nexus = await client.get_locations()
    assert len(nexus) == 26
    assert len(await client.get_locations(None)) == 133
    assert {c.id for c in nexus if c.country_code == "CA"} >= {FORT_ERIE, TORONTO, OTTAWA_AIRPORT}


async def test_slots_are_future_sorted_and_filtered(client: TTPClient) -> None:
    blaine = await centre(client, BLAINE)
    slots = await client.get_soonest_slots(BLAINE, blaine.time_zone, limit=100)

    assert len(slots) == 25
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    assert all(s.start > datetime.now(UTC) for s in slots)
    assert all(s.end - s.start == timedelta(minutes=10) for s in slots)
    assert len(await client.get_soonest_slots(BLAINE, blaine.time_zone, limit=3)) == 3
    cutoff = slots[5].start.date() + timedelta(days=1)
    before = await client.get_soonest_slots(BLAINE, blaine.time_zone, limit=100, before=cutoff)
    assert before
    assert all(s.start.date() < cutoff for s in before)
    families = await client.get_soonest_slots(BLAINE, blaine.time_zone, limit=100, minimum=3)
    assert 0 < len(families) < len(slots)


async def test_capacity_agrees_with_open_slots(client: TTPClient) -> None:
    blaine = await centre(client, BLAINE)
    now = datetime.now(UTC)
    rows = await client.get_capacity(BLAINE, blaine.time_zone, now, now + timedelta(days=100))
    slots = await client.get_soonest_slots(BLAINE, blaine.time_zone, limit=500)

    assert {r.start for r in rows if r.available} == {s.start for s in slots}
    assert sum(r.taken for r in rows) > sum(r.available for r in rows)
    assert all(r.total == 4 for r in rows)


async def test_centres_with_availability(client: TTPClient) -> None:
    found = {c.id for c in await client.get_locations_with_availability()}
    assert BLAINE in found
    assert TORONTO not in found  # the demo gives Toronto no slots until the timeline opens one


async def test_timeline_opens_takes_and_unlists(
    client: TTPClient, simulator: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    blaine = await centre(client, BLAINE)
    zone = blaine.time_zone
    opened = datetime.combine(
        simulator.state.local_today(BLAINE) + timedelta(days=2), datetime.min.time()
    ).replace(hour=10, minute=20, tzinfo=zone)
    assert opened not in {s.start for s in await client.get_soonest_slots(BLAINE, zone)}

    await control(session, simulator, "POST", "/advance", seconds=125)
    assert opened in {s.start for s in await client.get_soonest_slots(BLAINE, zone)}

    await control(session, simulator, "POST", "/advance", seconds=180)
    assert opened not in {s.start for s in await client.get_soonest_slots(BLAINE, zone)}

    await control(session, simulator, "POST", "/advance", seconds=300)
    assert OTTAWA_AIRPORT not in {c.id for c in await client.get_locations()}

    # The demo repeats every 900 s: the Blaine slot opens again at 900 + 120.
    await control(session, simulator, "POST", "/advance", seconds=420)
    assert opened in {s.start for s in await client.get_soonest_slots(BLAINE, zone)}


async def test_a_closed_centre_publishes_nothing_until_it_reopens(
    client: TTPClient, simulator: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    halifax = await centre(client, 5031)  # listed all along, as during the closure
    now = datetime.now(UTC)
    window = (halifax.time_zone, now, now + timedelta(days=90))
    assert await client.get_capacity(5031, *window) == ()
    assert await client.get_soonest_slots(5031, halifax.time_zone) == ()

    await control(session, simulator, "POST", "/advance", seconds=185)  # the demo's reopening
    rows = await client.get_capacity(5031, *window)
    assert rows
    assert all(row.total == 2 for row in rows)
    assert len(await client.get_soonest_slots(5031, halifax.time_zone)) == 4


async def test_control_sets_slots_and_listing(
    client: TTPClient, simulator: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    toronto = await centre(client, TORONTO)
    start = (datetime.now(UTC) + timedelta(days=3)).astimezone(toronto.time_zone)
    stamp = start.strftime("%Y-%m-%dT%H:%M")

    await control(session, simulator, "POST", "/slots", location=TORONTO, start=stamp, available=2)
    (slot,) = await client.get_soonest_slots(TORONTO, toronto.time_zone)
    assert slot.start.strftime("%Y-%m-%dT%H:%M") == stamp

    await control(session, simulator, "POST", "/listing", location=TORONTO, listed=False)
    assert TORONTO not in {c.id for c in await client.get_locations()}
    assert await client.get_soonest_slots(TORONTO, toronto.time_zone) == ()
    await control(session, simulator, "POST", "/listing", location=TORONTO, listed=True)
    assert TORONTO in {c.id for c in await client.get_locations()}


async def test_counts_requests_per_endpoint(
    client: TTPClient, simulator: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    blaine = await centre(client, BLAINE)
    for _ in range(3):
        await client.get_soonest_slots(BLAINE, blaine.time_zone)
    simulator.state.set_fault("slots", "status", {"status": 500})
    with pytest.raises(TTPServerError):
        await client.get_soonest_slots(BLAINE, blaine.time_zone)

    state = await control(session, simulator, "GET", "")
    assert state["counts"] == {"locations": 1, "slots": 4, "capacity": 0, "as_locations": 0}
    assert state["faults"] == {"slots": {"kind": "status", "status": 500}}

    await control(session, simulator, "DELETE", "/counts")
    assert (await control(session, simulator, "GET", ""))["counts"]["slots"] == 0


FAULTS: list[tuple[str, dict[str, Any], type[TTPError] | None]] = [
    ("status", {"status": 403}, TTPBlockedError),
    ("status", {"status": 429, "retry_after": 30}, TTPRateLimitedError),
    ("status", {"status": 429}, TTPRateLimitedError),
    ("status", {"status": 500}, TTPServerError),
    ("status", {"status": 502}, TTPServerError),
    ("status", {"status": 503}, TTPServerError),
    ("delay", {"seconds": 0.1}, None),
    ("delay", {"seconds": 3}, TTPTimeoutError),
    ("hang", {}, TTPTimeoutError),
    ("slow_body", {"seconds": 3}, TTPTimeoutError),
    ("truncate", {}, TTPResponseError),
    ("not_json", {}, TTPResponseError),
    ("content_type", {}, None),
    ("drift", {"mode": "rename", "field": "startTimestamp"}, TTPParseError),
    ("drift", {"mode": "missing", "field": "locationId"}, TTPParseError),
    ("drift", {"mode": "null", "field": "endTimestamp"}, TTPParseError),
    ("drift", {"mode": "mistype", "field": "startTimestamp"}, TTPParseError),
    ("drift", {"mode": "mistype", "field": "duration"}, TTPParseError),
    ("oversize", {"bytes": 2_000_000}, TTPResponseTooLargeError),
    ("empty", {}, None),
    ("disconnect", {}, TTPConnectionError),
]


def test_every_fault_kind_is_tried() -> None:
    assert {kind for kind, _params, _error in FAULTS} == set(FAULT_KINDS)


@pytest.mark.parametrize(("kind", "params", "error"), FAULTS)
async def test_fault(
    client: TTPClient,
    simulator: RunningSimulator,
    session: aiohttp.ClientSession,
    kind: str,
    params: dict[str, Any],
    error: type[TTPError] | None,
) -> None:
    blaine = await centre(client, BLAINE)
    await control(session, simulator, "PUT", "/faults/slots", kind=kind, **params)

    if error is None:
        await client.get_soonest_slots(BLAINE, blaine.time_zone)
    else:
        with pytest.raises(error) as caught:
            await client.get_soonest_slots(BLAINE, blaine.time_zone)
        if "retry_after" in params:
            assert caught.value.retry_after == params["retry_after"]  # type: ignore[attr-defined]
        if kind == "drift":
            assert params["field"] in str(caught.value)

    # Only the endpoint named is affected, and switching the fault off restores it.
    assert len(await client.get_locations()) == 26
    await control(session, simulator, "DELETE", "/faults")
    assert len(await client.get_soonest_slots(BLAINE, blaine.time_zone)) == 25


async def test_fault_for_a_number_of_requests(
    client: TTPClient, simulator: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    await control(session, simulator, "PUT", "/faults/*", kind="status", status=503, times=2)
    for _ in range(2):
        with pytest.raises(TTPServerError):
            await client.get_locations()
    assert len(await client.get_locations()) == 26


async def test_bad_control_requests(
    simulator: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    for path, body in (
        ("/faults/slots", {"kind": "gremlins"}),
        ("/faults/nowhere", {"kind": "empty"}),
    ):
        async with session.put(f"{simulator.root}/_control{path}", json=body) as reply:
            assert reply.status == 400
            assert "unknown" in await reply.text()


def test_scenario_generates_future_slots_for_each_centre() -> None:
    state = SimulatorState(load_scenario("demo"), start=datetime(2026, 3, 1, 12, tzinfo=UTC))
    assert len(state.schedules) == 26
    assert all(
        moment.date() > date(2026, 3, 1) and moment.weekday() < 5
        for rows in state.schedules.values()
        for moment in rows
    )


def test_runs_from_the_command_line(socket_enabled: None, unused_tcp_port: int) -> None:
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "simulator", "--port", str(unused_tcp_port), "--scenario", "demo"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{unused_tcp_port}/schedulerapi" in banner

        async def fetch() -> Any:
            url = f"http://127.0.0.1:{unused_tcp_port}/schedulerapi/locations/?serviceName=NEXUS"
            for _ in range(50):
                try:
                    async with aiohttp.ClientSession() as session, session.get(url) as reply:
                        return await reply.json()
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            return None

        assert len(run_in_own_loop(fetch())) == 26
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_scenario_file_by_path(tmp_path: Any) -> None:
    path = tmp_path / "tiny.json"
    locations = tmp_path / "locations.json"
    locations.write_text(json.dumps([{"id": 1, "tzData": "UTC", "services": []}]))
    path.write_text(
        json.dumps({"locations": "locations.json", "centres": {"1": {"open_slots": 2}}})
    )
    scenario = load_scenario(path)
    state = SimulatorState(scenario)
    assert len(state.open_times(1)) == 2


async def test_counts_bytes_and_regenerates(
    client: TTPClient, simulator: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    fort_erie = await centre(client, FORT_ERIE)
    assert len(await client.get_soonest_slots(FORT_ERIE, fort_erie.time_zone)) == 6

    await control(session, simulator, "POST", "/regenerate", open_slots=40, locations=[FORT_ERIE])
    slots = await client.get_soonest_slots(FORT_ERIE, fort_erie.time_zone, limit=5000)

    assert len(slots) == 40
    state = await control(session, simulator, "GET", "")
    assert state["bytes"]["slots"] > 40 * 100
    assert state["bytes"]["locations"] > 50_000  # the 26 NEXUS centres of the capture

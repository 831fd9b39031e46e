"""The fault campaign: every fault the scheduler or the network throws, switched on and off.

For each fault: entities go unavailable (or, where the answer is still usable, stay right),
one line is logged going down and one coming back, the back-off never polls faster than the
normal interval, and no slot_opened is lost or repeated across it. A summary table prints at
the end of the run.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from tests.conftest import RunningSimulator

from .conftest import BLAINE, CYCLE, FORT_ERIE, Openings, advance, closed_time, open_slot, watch

NEXT_SLOT = "sensor.blaine_wa_us_next_matching_slot"
MATCHING = "sensor.blaine_wa_us_matching_slots_open"

# (fault, outcome, passed) rows for the summary printed at the end of the test run.
CAMPAIGN: list[tuple[str, str, str]] = []


@pytest.fixture
def subentries() -> list[Any]:
    return [
        watch("Blaine, WA, US", BLAINE, "watch_blaine"),
        watch("Fort Erie, ON, CA", FORT_ERIE, "watch_fort_erie"),
    ]


type Switch = Callable[[RunningSimulator, MockConfigEntry], Awaitable[None] | None]


@dataclass(frozen=True)
class Fault:
    """A fault, how to switch it on and off, and what users must see meanwhile."""

    name: str
    on: Switch
    off: Switch = field(default=lambda sim, _entry: sim.state.clear_faults())
    unavailable: bool = True  # False where the answer is still usable
    lasts: timedelta = 3 * CYCLE
    hangs: bool = False  # the request only ends when the client's timeout expires
    # Slow-moving views are only asked for now and then: the fault shows when one is due.
    shows_after: timedelta = timedelta()
    recovers_within: timedelta = timedelta(hours=1)
    # A slower view (the centre list, a capacity view): the slots and alerts go on without it.
    secondary: bool = False


def scheduler(endpoint: str, kind: str, **params: Any) -> Switch:
    return lambda sim, _entry: sim.state.set_fault(endpoint, kind, params)


def refuse_connections(sim: RunningSimulator, _entry: MockConfigEntry) -> Awaitable[None]:
    return sim.refuse_connections()  # nothing listens on the stand-in's port


def accept_connections(sim: RunningSimulator, _entry: MockConfigEntry) -> Awaitable[None]:
    return sim.accept_connections()


def unlist(sim: RunningSimulator, _entry: MockConfigEntry) -> None:
    sim.state.unlisted.add(BLAINE)


def relist(sim: RunningSimulator, _entry: MockConfigEntry) -> None:
    sim.state.unlisted.discard(BLAINE)


FAULTS = [
    Fault("403 forbidden", scheduler("slots", "status", status=403)),
    Fault("429 with Retry-After", scheduler("slots", "status", status=429, retry_after=900)),
    Fault("429 without Retry-After", scheduler("slots", "status", status=429)),
    Fault("500", scheduler("slots", "status", status=500)),
    Fault("502 with an HTML body", scheduler("slots", "status", status=502)),
    Fault("503", scheduler("*", "status", status=503)),
    Fault("connection refused", refuse_connections, accept_connections),
    Fault("connection reset", scheduler("*", "disconnect")),
    Fault("hang past the timeout", scheduler("slots", "hang", seconds=3600), hangs=True),
    Fault(
        "slow body past the timeout",
        scheduler("slots", "slow_body", seconds=600, chunks=2),
        hangs=True,
    ),
    Fault("truncated JSON", scheduler("slots", "truncate")),
    Fault("non-JSON body, status 200", scheduler("slots", "not_json")),
    Fault("wrong content type", scheduler("slots", "content_type"), unavailable=False),
    Fault("renamed field", scheduler("slots", "drift", mode="rename", field="startTimestamp")),
    Fault("missing field", scheduler("slots", "drift", mode="missing", field="locationId")),
    Fault("null field", scheduler("slots", "drift", mode="null", field="endTimestamp")),
    Fault("mistyped field", scheduler("slots", "drift", mode="mistype", field="duration")),
    Fault(
        "mistyped capacity field",
        scheduler("capacity", "drift", mode="mistype", field="total"),
        unavailable=False,
        lasts=timedelta(hours=1, minutes=20),
        secondary=True,
    ),
    Fault("empty slot list", scheduler("slots", "empty"), unavailable=False),
    Fault(
        "empty centre list",
        scheduler("locations", "empty"),
        unavailable=False,
        lasts=timedelta(hours=6, minutes=20),
        secondary=True,
    ),
    Fault("body over the size cap", scheduler("slots", "oversize", bytes=6_000_000)),
    Fault(
        "centre no longer listed",
        unlist,
        relist,
        unavailable=False,
        lasts=timedelta(hours=6, minutes=10),
        # Centres come back at the next centre list, at most six hours later.
        recovers_within=timedelta(hours=6, minutes=10),
    ),
]


def expected_next_slot(simulator: RunningSimulator) -> str:
    """The soonest open Blaine slot as the stand-in has it, in UTC as the sensor shows it."""
    moment, _row = simulator.state.open_times(BLAINE)[0]
    return moment.replace(tzinfo=simulator.state.zone(BLAINE)).astimezone().isoformat()


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
async def test_fault(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    told = Openings(hass)
    before = open_slot(simulator)  # opens before the fault and stays open
    await advance(hass, freezer, CYCLE)
    assert told.local_times() == [before.strftime("%Y-%m-%d %H:%M")]
    caplog.clear()

    outcome = "stays available, values right"
    try:
        await _run_fault(hass, simulator, loaded_entry, freezer, caplog, fault, told, before)
        if fault.unavailable:
            outcome = "unavailable, then recovered"
        elif fault.secondary:
            outcome = "slots and alerts go on"
        passed = "pass"
    except BaseException:
        passed = "FAIL"
        raise
    finally:
        CAMPAIGN.append((fault.name, outcome, passed))


async def _run_fault(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    told: Openings,
    before: datetime,
) -> None:
    requests_before = sum(simulator.state.counts.values())
    result = fault.on(simulator, entry)
    if result is not None:
        await result
    elapsed = timedelta()
    during = closed_time(simulator, 4)  # opens while the fault lasts
    opened_during = False
    while elapsed < fault.lasts:
        await advance(hass, freezer, CYCLE, hangs=fault.hangs)
        elapsed += CYCLE + (timedelta(seconds=40) if fault.hangs else timedelta())
        if not opened_during:
            simulator.state.set_time(BLAINE, during, 1)
            opened_during = True
        if fault.unavailable and elapsed > fault.shows_after:
            # Not a stale value presented as current.
            assert hass.states.get(NEXT_SLOT).state == STATE_UNAVAILABLE
            assert hass.states.get(MATCHING).state == STATE_UNAVAILABLE
        elif not fault.unavailable:
            assert hass.states.get(NEXT_SLOT).state != STATE_UNAVAILABLE
    # Never faster than the normal interval: at most one slot request per centre per cycle.
    polls = sum(simulator.state.counts.values()) - requests_before
    assert polls <= 3 * (elapsed // timedelta(minutes=3) + 1)

    result = fault.off(simulator, entry)
    if result is not None:
        await result
    waited = timedelta()
    while waited < fault.recovers_within:  # a refusal's back-off may wait 15 minutes here
        await advance(hass, freezer, CYCLE)
        waited += CYCLE
        if hass.states.get(NEXT_SLOT).state != STATE_UNAVAILABLE and len(told) > 1:
            break
    # One more cycle, so that a repeated event would show.
    await advance(hass, freezer, CYCLE)

    assert hass.states.get(NEXT_SLOT).state == expected_next_slot(simulator)
    assert told.local_times() == [
        before.strftime("%Y-%m-%d %H:%M"),
        during.strftime("%Y-%m-%d %H:%M"),
    ]
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in errors if r.exc_info], "a traceback was logged"
    if fault.unavailable:
        assert len([r for r in errors if "Error fetching nexus data" in r.getMessage()]) == 1
        assert caplog.text.count("Fetching nexus data recovered") == 1
    else:
        assert not [r for r in errors if "Error fetching" in r.getMessage()]
    # A failing slower view is said once (per view: each watched centre has its own), when it
    # starts failing.
    views = [r.args[0] for r in errors if r.getMessage().startswith("Cannot read")]  # type: ignore[index]
    assert bool(views) == fault.secondary
    assert len(views) == len(set(views))


@pytest.mark.parametrize(
    ("stamp", "kind"),
    [("2027-03-14T02:30", "DST gap"), ("2027-11-07T01:30", "DST fold")],
)
async def test_slot_in_a_dst_change(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    stamp: str,
    kind: str,
) -> None:
    told = Openings(hass, "event.fort_erie_on_ca_slot_opened")
    # Fort Erie is on Toronto time, which changes at 02:00 in March and November.
    simulator.state.set_time(FORT_ERIE, datetime.fromisoformat(stamp), 1)
    passed = "FAIL"
    try:
        for _ in range(3):
            await advance(hass, freezer, CYCLE)
        assert told.local_times() == [stamp.replace("T", " ")]
        assert (
            hass.states.get("sensor.fort_erie_on_ca_next_matching_slot").state != STATE_UNAVAILABLE
        )
        passed = "pass"
    finally:
        CAMPAIGN.append((f"slot in a {kind}", "told once, no crash", passed))

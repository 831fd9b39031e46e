"""Fixtures for tests that run the integration in Home Assistant against the stand-in."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant import block_async_io
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.nexus.const import (
    CONF_EXPIRY,
    CONF_LABEL,
    CONF_LOCATION_ID,
    CONF_MIN_PLACES,
    CONF_WEEKDAYS,
    DOMAIN,
    ENV_SCHEDULER_URL,
    SUBENTRY_CARD,
    SUBENTRY_WATCH,
    WEEKDAYS,
)
from simulator import Scenario, load_scenario
from tests.conftest import RunningSimulator

NOW = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
# Longer than one polling period (60 s plus up to 5 s of jitter): moving frozen time this far
# fires exactly one update, whatever the jitter.
CYCLE = timedelta(minutes=3, seconds=16)
BLAINE = 5020
FORT_ERIE = 5022
TORONTO = 5027
OTTAWA_AIRPORT = 5025


@pytest.fixture(autouse=True)
def detect_blocking_io(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Run Home Assistant's own detector of blocking I/O in the event loop; it must stay quiet."""
    block_async_io.enable()
    yield
    for call in block_async_io._BLOCKED_CALLS.calls:
        setattr(call.object, call.function, call.original_func)
    block_async_io._BLOCKED_CALLS.calls.clear()
    assert "Detected blocking call" not in caplog.text


@pytest.fixture
def simulator_start(freezer: FrozenDateTimeFactory) -> datetime:
    """Freeze time, so that generated slots and every figure are the same on every run."""
    freezer.move_to(NOW)
    return NOW


@pytest.fixture
def scenario() -> Scenario:
    """The demo's centres and slots, without its timeline: each test makes its own changes."""
    return replace(load_scenario("demo"), timeline=[])


@pytest.fixture(autouse=True)
def scheduler_url(simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the integration at the stand-in, as developers do with NEXUS_SCHEDULER_URL."""
    monkeypatch.setenv(ENV_SCHEDULER_URL, simulator.url)
    return simulator.url


def watch(title: str, location_id: int, subentry_id: str, **wishes: Any) -> ConfigSubentryData:
    """A centre watch subentry."""
    data = {CONF_LOCATION_ID: location_id, CONF_WEEKDAYS: list(WEEKDAYS), CONF_MIN_PLACES: 1}
    return ConfigSubentryData(
        data=MappingProxyType(data | wishes),
        subentry_type=SUBENTRY_WATCH,
        title=title,
        subentry_id=subentry_id,
        unique_id=None,
    )


def subentry_device(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, subentry_id: str
) -> str | None:
    """Return the id of a watch's or a card's device, or None when there is none.

    Looked up among the entry's devices: how to find one device by identifier changed across
    the Home Assistant releases the tests run on.
    """
    return next(
        (
            device.id
            for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
            if (DOMAIN, subentry_id) in device.identifiers
        ),
        None,
    )


def card(label: str, expiry: str, subentry_id: str) -> ConfigSubentryData:
    """A membership card subentry."""
    return ConfigSubentryData(
        data=MappingProxyType({CONF_LABEL: label, CONF_EXPIRY: expiry}),
        subentry_type=SUBENTRY_CARD,
        title=label,
        subentry_id=subentry_id,
        unique_id=None,
    )


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """Two watches (Blaine, Fort Erie with wishes) and a card; override per test."""
    return [
        watch("Blaine, WA, US", BLAINE, "watch_blaine"),
        watch(
            "Fort Erie, ON, CA",
            FORT_ERIE,
            "watch_fort_erie",
            weekdays=["mon", "tue", "wed", "thu", "fri"],
            time_from="09:00:00",
            time_until="15:00:00",
        ),
        card("Alex", "2027-06-15", "card_alex"),
    ]


@pytest.fixture
def config_entry(subentries: list[ConfigSubentryData]) -> MockConfigEntry:
    """The NEXUS service entry with its subentries."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="NEXUS",
        data={},
        version=1,
        minor_version=2,
        entry_id="nexus_entry",
        subentries_data=subentries,
    )


def stored(key: str, data: Any, version: Any = 1) -> dict[str, Any]:
    """A storage file of Home Assistant's, as `hass_storage` holds it."""
    return {"version": version, "minor_version": 1, "key": key, "data": data}


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add the entry and set it up, as Home Assistant does at start; it must load."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def loaded_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry, set up."""
    await set_up(hass, config_entry)
    return config_entry


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta, *, hangs: bool = False
) -> None:
    """Move frozen time on and let Home Assistant run what fell due."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    if hangs:
        _let_timeouts_expire(hass, freezer)
    await hass.async_block_till_done(wait_background_tasks=True)


def _let_timeouts_expire(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, left: int = 40
) -> None:
    """Move frozen time on a second per loop turn, so that the client's timeout can fire.

    With time frozen, asyncio's own timers never come due; waiting for a hung request would
    wait for ever. This runs while the test waits for Home Assistant to settle.
    """
    if left:
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        hass.loop.call_soon(_let_timeouts_expire, hass, freezer, left - 1)


def closed_times(simulator: RunningSimulator, location_id: int = BLAINE) -> list[datetime]:
    """The future times at the centre with no open place (naive wall clock), in order."""
    now = simulator.state.local_now(location_id)
    rows = simulator.state.schedules[location_id]
    return [m for m, row in sorted(rows.items()) if row.available == 0 and m > now]


def closed_time(simulator: RunningSimulator, skip: int = 0, location_id: int = BLAINE) -> datetime:
    """A future time at the centre with no open place (naive wall clock), to open in a test."""
    return closed_times(simulator, location_id)[skip]


def open_slot(
    simulator: RunningSimulator, skip: int = 0, location_id: int = BLAINE, places: int = 1
) -> datetime:
    """Open a time that had no open place (see `closed_time`); return its wall clock."""
    moment = closed_time(simulator, skip, location_id)
    simulator.state.set_time(location_id, moment, places)
    return moment


class Openings:
    """Every alert (`slot_opened`) and withdrawal (`slots_gone`) an event entity told, in order.

    As an automation sees them: coming back from unavailable restores the last event, which
    is not a new one. The slots told are those the alerts list, in order.
    """

    def __init__(self, hass: HomeAssistant, entity_id: str = "event.blaine_wa_us_slot_opened"):
        """Start listening to the event entity."""
        self.events: list[dict[str, Any]] = []  # the alerts
        self.gone: list[dict[str, Any]] = []  # the withdrawals

        @callback
        def changed(event: Event[Any]) -> None:
            old, new = event.data["old_state"], event.data["new_state"]
            if old is None or new is None or STATE_UNAVAILABLE in (old.state, new.state):
                return
            kind = new.attributes.get("event_type")
            if kind == "slot_opened":
                self.events.append(dict(new.attributes))
            elif kind == "slots_gone":
                self.gone.append(dict(new.attributes))

        async_track_state_change_event(hass, entity_id, changed)

    def __len__(self) -> int:
        """How many slots were told, over all alerts."""
        return sum(e["count"] for e in self.events)

    def starts(self) -> list[str]:
        """The told slots' starts (aware ISO times in the centre's zone)."""
        return [s["start"] for e in self.events for s in e["slots"]]

    def local_times(self) -> list[str]:
        """The told slots' starts on the centre's wall clock ("2026-12-03 09:40")."""
        return [s["local_time"] for e in self.events for s in e["slots"]]

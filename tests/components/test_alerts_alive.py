"""Nothing silently stops the alerts.

Watches added while loading, the wall clock set back or forward, slower views that fail, and
centre lists that name thousands of centres.
"""

import asyncio
from dataclasses import replace
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.nexus import coordinator as coordinator_module, store as store_module
from custom_components.nexus.const import (
    CONF_LOCATION_ID,
    CONF_MIN_PLACES,
    CONF_WEEKDAYS,
    MAX_VIEW_READS,
    SUBENTRY_WATCH,
    WEEKDAYS,
)
from simulator import Scenario, load_scenario
from tests.conftest import RunningSimulator

from .conftest import BLAINE, CYCLE, FORT_ERIE, Openings, advance, open_slot, set_up, watch

LANSDOWNE = 5520
OTTAWA_AIRPORT = 5025


def slot_requests(simulator: RunningSimulator, centre: int) -> int:
    return simulator.state.centre_counts["slots", centre]


def watch_states(hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str) -> list[str]:
    """The states of a watch's entities."""
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    ids = [e.entity_id for e in entries if e.config_subentry_id == subentry_id]
    assert ids, subentry_id
    return [hass.states.get(entity_id).state for entity_id in ids]


@pytest.mark.parametrize("subentries", [[watch("Blaine, WA, US", BLAINE, "watch_blaine")]])
async def test_watches_added_during_the_first_refresh_are_all_polled(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: RunningSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The first refresh is in flight (its slot answers held) while three watches are added,
    # back to back, as the demo and a quick user do.
    simulator.state.hold("slots")
    config_entry.add_to_hass(hass)
    setup = hass.async_create_task(hass.config_entries.async_setup(config_entry.entry_id))
    for _ in range(10_000):
        if simulator.state.waiting["slots"]:
            break
        await asyncio.sleep(0)
    assert simulator.state.waiting["slots"], "the first refresh never asked for slots"
    added = {"watch_fort_erie": FORT_ERIE, "watch_lansdowne": LANSDOWNE, "watch_ottawa": 5025}
    for subentry_id, centre in added.items():
        data = {CONF_LOCATION_ID: centre, CONF_WEEKDAYS: list(WEEKDAYS), CONF_MIN_PLACES: 1}
        hass.config_entries.async_add_subentry(
            config_entry,
            ConfigSubentry(
                data=MappingProxyType(data),
                subentry_id=subentry_id,
                subentry_type=SUBENTRY_WATCH,
                title=subentry_id,
                unique_id=None,
            ),
        )
    simulator.state.release("slots")
    # Its result says nothing here: by then the reload that the new watches asked for runs.
    await setup
    await hass.async_block_till_done()
    await advance(hass, freezer, CYCLE)

    assert config_entry.state is ConfigEntryState.LOADED
    for subentry_id, centre in added.items():
        assert slot_requests(simulator, centre) >= 1, subentry_id
        states = watch_states(hass, config_entry, subentry_id)
        assert STATE_UNAVAILABLE not in states, (subentry_id, states)
    # And each goes on being polled, once per period.
    before = {centre: slot_requests(simulator, centre) for centre in added.values()}
    await advance(hass, freezer, CYCLE)
    assert {c: slot_requests(simulator, c) - n for c, n in before.items()} == dict.fromkeys(
        added.values(), 1
    )


class ShiftedWallClock:
    """The wall clock the integration reads, moved apart from the monotonic clock.

    A Raspberry Pi with no real-time clock boots with a wrong time and is set right later, in
    either direction, while its monotonic clock (and Home Assistant's timers) run on.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        for module in (coordinator_module, store_module):
            monkeypatch.setattr(module, "dt_util", self)

    def utcnow(self) -> Any:
        return dt_util.utcnow() + self.offset

    def __getattr__(self, name: str) -> Any:
        """The rest of Home Assistant's dt helpers, as they are."""
        return getattr(dt_util, name)


@pytest.mark.parametrize("subentries", [[watch("Blaine, WA, US", BLAINE, "watch_blaine")]])
@pytest.mark.parametrize(
    "jumps",
    [[timedelta(days=-1)], [timedelta(days=3), timedelta(days=-3)]],
    ids=["set back a day", "forward three days then back"],
)
async def test_a_wall_clock_set_back_or_forward_keeps_the_cadence(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    jumps: list[timedelta],
) -> None:
    told = Openings(hass)
    clock = ShiftedWallClock(monkeypatch)
    for number, jump in enumerate(jumps):
        clock.offset += jump
        before = slot_requests(simulator, BLAINE)
        for _ in range(5):
            await advance(hass, freezer, CYCLE)
        # One slot request per polling period, whatever the wall clock says.
        assert slot_requests(simulator, BLAINE) - before == 5
        # A week or so ahead: still to come while the wall clock runs three days fast.
        opened = open_slot(simulator, skip=300 + number)
        await advance(hass, freezer, CYCLE)
        assert told.local_times()[-1] == opened.strftime("%Y-%m-%d %H:%M")
        assert hass.states.get("sensor.blaine_wa_us_next_matching_slot").state != "unavailable"
        # The slot is taken: seen gone, however the clock moved since it opened.
        simulator.state.set_time(BLAINE, opened, 0)
        await advance(hass, freezer, CYCLE)
    assert len(told) == len(jumps)
    lifetime = hass.states.get("sensor.blaine_wa_us_typical_opening_lifetime").state
    assert float(lifetime) >= 0
    days = hass.states.get("sensor.blaine_wa_us_days_to_the_soonest_slot").state
    assert float(days) >= 0


async def test_a_bad_capacity_view_at_one_centre_costs_only_its_figures(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: RunningSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.state.set_fault(
        "capacity", "drift", {"mode": "mistype", "field": "total", "centre": FORT_ERIE}
    )
    # Refused at start too: the entry sets up on good slot answers.
    await set_up(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    fort_erie_told = Openings(hass, "event.fort_erie_on_ca_slot_opened")
    blaine_told = Openings(hass)
    asked = simulator.state.centre_counts["capacity", FORT_ERIE]

    # Fort Erie's watch wants weekdays 09:00 to 15:00: its opening is on a weekday morning.
    open_slot(simulator, location_id=FORT_ERIE, skip=2)
    open_slot(simulator)
    elapsed = timedelta()
    while elapsed < timedelta(minutes=77):
        await advance(hass, freezer, CYCLE)
        elapsed += CYCLE
        for centre in ("blaine_wa_us", "fort_erie_on_ca"):
            state = hass.states.get(f"sensor.{centre}_next_matching_slot")
            assert state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN), centre
    assert len(fort_erie_told) == 1
    assert len(blaine_told) == 1
    # Never read: unknown, not made up. Blaine's read hourly as ever.
    assert hass.states.get("sensor.fort_erie_on_ca_open_slots_in_the_next_30_days").state == (
        STATE_UNKNOWN
    )
    assert hass.states.get("sensor.blaine_wa_us_open_slots_in_the_next_30_days").state.isdigit()
    # Asked again on the view's back-off (5, 10, 20, 40 minutes: at 5, 15, 35 and 75) and
    # on the status read's (every 30 minutes), not at every poll (23 in these 77 minutes).
    assert simulator.state.centre_counts["capacity", FORT_ERIE] - asked <= 4 + 2
    assert simulator.state.centre_counts["capacity", BLAINE] <= 3


def crowded(demo: Scenario, count: int) -> Scenario:
    """The demo's list and thousands more Canadian NEXUS centres (listed, publishing nothing)."""
    model = next(c for c in demo.locations if c["id"] == FORT_ERIE)
    extra = [
        model | {"id": 100_000 + n, "name": f"Pop-up {n}", "notes": "", "directions": ""}
        for n in range(count)
    ]
    return replace(demo, locations=[*demo.locations, *extra], timeline=[])


@pytest.mark.parametrize("subentries", [[watch("Blaine, WA, US", BLAINE, "watch_blaine")]])
@pytest.mark.parametrize("scenario", [crowded(load_scenario("demo"), 3000)])
async def test_thousands_of_canadian_centres_cost_at_most_the_cap_per_update(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up(hass, config_entry)
    # The slots came with the first update, behind no burst of status reads.
    assert hass.states.get("sensor.blaine_wa_us_next_matching_slot").state != STATE_UNKNOWN
    # Each read is one request, or two for a centre with no time in the next 30 days.
    per_update = [simulator.state.counts["capacity"]]
    for _ in range(10):
        before = simulator.state.counts["capacity"]
        await advance(hass, freezer, CYCLE)
        per_update.append(simulator.state.counts["capacity"] - before)
    assert max(per_update) <= 2 * MAX_VIEW_READS
    # The statuses of the Canadian centres remembered (at most 100) are all read by then.
    assert sum(per_update) >= 100
    assert slot_requests(simulator, BLAINE) == 11

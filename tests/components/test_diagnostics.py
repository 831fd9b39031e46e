"""Diagnostics say what is polled and what was seen, never the user's card details."""

import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.nexus.diagnostics import async_get_config_entry_diagnostics
from tests.conftest import RunningSimulator

from .conftest import BLAINE, watch
from .test_cadence import NIGHT, watched_for_a_month


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: RunningSimulator,
    loaded_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)

    # The port of the stand-in and the polling jitter change from run to run.
    assert diagnostics == snapshot(
        exclude=props("scheduler", "update_interval_seconds", "next_poll_in_seconds")
    )
    assert diagnostics["scheduler"] == simulator.url
    assert 60 <= diagnostics["update_interval_seconds"] <= 65
    # The history's counts, per watched centre: the first poll saw the open slots, no opening.
    assert {c: h["openings"] for c, h in diagnostics["history"].items()} == {"5020": 0, "5022": 0}
    assert all(h["open_now"] > 0 for h in diagnostics["history"].values())
    # No history yet: both watched centres every minute, the next poll within one.
    for centre in diagnostics["cadence"].values():
        assert centre["interval_seconds"] == 60
        assert 0 < centre["next_poll_in_seconds"] <= 65
    text = json.dumps(diagnostics)
    assert "Alex" not in text
    assert "2027-06-15" not in text


@pytest.mark.parametrize("subentries", [[watch("Blaine, WA, US", BLAINE, "watch_blaine")]])
async def test_diagnostics_count_the_history_and_show_the_cadence(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await watched_for_a_month(hass, hass_storage, config_entry, freezer, NIGHT)
    # Read directly: the test client's token is older than the week frozen time moved on.
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)

    # A month of 120 openings, all gone; nothing about who watches.
    assert diagnostics["history"][str(BLAINE)] | {"open_now": 0} == {
        "openings": 120,
        "gone": 120,
        "releases": 0,
        "open_now": 0,
    }
    # 02:00 at Blaine, an hour with no opening in the month: every 5 minutes.
    assert diagnostics["cadence"][str(BLAINE)]["interval_seconds"] == 300
    assert diagnostics["cadence"][str(BLAINE)]["shaped_by_history"] is True
    assert diagnostics["watches"]["watch_blaine"]["next_expected_release"] == (
        "2026-12-07T16:45:00+00:00"
    )

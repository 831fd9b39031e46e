"""Diagnostics say what is polled and what was seen, never the user's card details."""

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from tests.conftest import RunningSimulator


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
    # No history yet: both watched centres every minute, the next poll within one.
    for centre in diagnostics["cadence"].values():
        assert centre["interval_seconds"] == 60
        assert 0 < centre["next_poll_in_seconds"] <= 65
    text = json.dumps(diagnostics)
    assert "Alex" not in text
    assert "2027-06-15" not in text

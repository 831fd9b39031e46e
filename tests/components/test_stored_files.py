"""Any stored file, any content, starts the integration: what cannot be read is left out.

The property test over the readers themselves is tests/test_stored_files.py.
"""

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.nexus import store as store_module
from custom_components.nexus.const import DOMAIN, OPENINGS_SAVE_DELAY
from custom_components.nexus.store import MAX_FILE_BYTES
from custom_components.nexus.ttp.fields import LIMITS
from tests.conftest import RunningSimulator

from .conftest import BLAINE, CYCLE, FORT_ERIE, NOW, advance, set_up, stored, watch

CENTRES = f"{DOMAIN}.nexus_entry.centres"
SEEN = f"{DOMAIN}.nexus_entry.seen"
OPENINGS = f"{DOMAIN}.nexus_entry.openings"
CANADIAN_OPEN = "binary_sensor.nexus_canadian_enrolment_centres_open"
WEEK = "sensor.blaine_wa_us_openings_in_the_last_7_days"


# Files of the wrong shape, as a broken disk, an old backup or a hand edit leaves them.
WRONG_SHAPES = {
    "a JSON array": [1, 2, 3],
    "no version": {"data": {}},
    "a version of the wrong type": stored("x", {}, version="1"),
    "a version from the future": stored("x", {}, version=99),
    "data not an object": stored("x", "not an object"),
    "data of the wrong types": stored(
        "x",
        {
            "canadian": [1],
            "watches": 5,
            "centres": {"x": 1},
            "interviewing": "yes",
            "totals": {"watch_blaine": -1},
        },
    ),
}


@pytest.mark.parametrize("key", [CENTRES, SEEN, OPENINGS])
@pytest.mark.parametrize("content", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
async def test_a_file_of_the_wrong_shape_sets_up_and_is_rebuilt(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    key: str,
    content: Any,
) -> None:
    hass_storage[key] = content
    await set_up(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.blaine_wa_us_next_matching_slot").state != "unavailable"
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING and "nexus" in r.name]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert len(problems) == 1, [r.getMessage() for r in problems]
    # Written anew, of the shape the integration writes, at its next write.
    await advance(hass, freezer, timedelta(seconds=OPENINGS_SAVE_DELAY + 1))
    rebuilt = hass_storage[key]
    assert rebuilt["version"] == 1
    assert isinstance(rebuilt["data"], dict)
    written = {"canadian", "listed_on", "interviewing", "watches", "centres", "totals"}
    assert set(rebuilt["data"]) <= written
    lost_history = ir.async_get(hass).async_get_issue(DOMAIN, "history_unreadable")
    assert (lost_history is not None) == (key == OPENINGS)


async def test_what_is_read_back_is_bounded(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    now = round(NOW.timestamp())
    hass_storage[CENTRES] = stored(
        CENTRES,
        {
            "canadian": {"1": "x" * 1_000_000, "2": "Ghost (Nowhere, ON)", "3": "a\x00b", "4": " "},
            "listed_on": {"2": "not a date", "1": "2026-11-01"},
            "interviewing": {"2": "yes", "1": True},
        },
    )
    start = "2026-12-10T09:00:00-08:00"
    hass_storage[OPENINGS] = stored(
        OPENINGS,
        {
            "centres": {
                str(BLAINE): {
                    "openings": [
                        # More places than 100 (written so: the client allows 100,000).
                        [start, 10, 150, now - 3600, now - 3500],
                        # Stamped while the clock ran a month fast.
                        [start, 10, 1, now + 30 * 86400, None],
                        # At the edge of the calendar.
                        ["9999-12-31T23:59:00-05:00", 10, 1, now - 60, None],
                    ],
                    "releases": [[now + 30 * 86400, 40]],
                },
            }
        },
    )
    await set_up(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    program = hass.states.get(CANADIAN_OPEN)
    labels = [label for key in ("not_listed", "interviewing") for label in program.attributes[key]]
    assert "Ghost (Nowhere, ON)" in program.attributes["not_listed"]
    assert all(len(label) <= LIMITS.text for label in labels)
    # The opening of 150 places is read back; the one "from the future" counts from now.
    assert hass.states.get(WEEK).state == "2"
    released = hass.states.get("sensor.blaine_wa_us_last_release")
    assert released.state == NOW.isoformat()
    # ...and leaves the 7 days a week from now, not a month after.
    for _ in range(8):
        await advance(hass, freezer, timedelta(days=1))
    await advance(hass, freezer, CYCLE)
    assert hass.states.get(WEEK).state == "0"
    row = hass_storage[OPENINGS]["data"]["centres"][str(BLAINE)]["openings"]
    assert [r[2] for r in row] == [150, 1]


@pytest.mark.parametrize(
    "subentries",
    [[watch("Blaine, WA, US", BLAINE, "watch_blaine"), watch("Fort Erie", FORT_ERIE, "w_fe")]],
)
async def test_a_huge_file_is_bounded(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    now = round(NOW.timestamp())
    row = ["2026-12-10T09:00:00-08:00", 10, 1, now - 3600, now - 3500]
    hass_storage[OPENINGS] = stored(
        OPENINGS,
        {
            "centres": {
                str(centre): {"openings": [row] * (20_000 if centre == BLAINE else 5)}
                for centre in [BLAINE, *range(1, 300)]
            }
        },
    )
    hass_storage[SEEN] = stored(SEEN, {"watches": {"watch_blaine": ["k" * 300] * 20_000}})
    await set_up(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    response = await hass.services.async_call(
        DOMAIN, "get_openings", {"centre_id": BLAINE}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    assert len(response["openings"]) == 3000
    # Written anew as it was read: the watched centres' first, each bounded. Fort Erie had
    # none stored, so it starts one of its own.
    await advance(hass, freezer, timedelta(seconds=OPENINGS_SAVE_DELAY + 1))
    histories = hass_storage[OPENINGS]["data"]["centres"]
    assert len(histories) == 200 + 1
    assert len(histories[str(BLAINE)]["openings"]) == 3000
    assert all(len(h["openings"]) <= 3000 and len(h["open"]) <= 3000 for h in histories.values())


async def test_a_file_over_the_size_cap_is_not_read(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass_storage[OPENINGS] = stored(OPENINGS, {"centres": {}})
    # The harness keeps stored files in memory: the size read from disk is what is made up.
    sizes = {hass.config.path(".storage", OPENINGS): MAX_FILE_BYTES + 1}
    monkeypatch.setattr(store_module, "_size", lambda path: sizes.get(path, 0))
    await set_up(hass, config_entry)

    assert f"Cannot read {OPENINGS}, starting it afresh: {MAX_FILE_BYTES + 1} bytes" in caplog.text
    assert ir.async_get(hass).async_get_issue(DOMAIN, "history_unreadable") is not None

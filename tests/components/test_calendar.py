"""The slot calendar, read as the frontend's calendar card reads it."""

from datetime import datetime, time
from http import HTTPStatus
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.conftest import RunningSimulator

from .conftest import OTTAWA_AIRPORT, TORONTO, watch

CALENDAR = "calendar.blaine_wa_us_open_slots"


async def get_events(client: Any, entity_id: str, start: str, end: str) -> list[dict[str, Any]]:
    reply = await client.get(f"/api/calendars/{entity_id}?start={start}&end={end}")
    assert reply.status == HTTPStatus.OK
    return await reply.json()


async def test_calendar_lists_matching_slots(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    client = await hass_client()

    reply = await client.get("/api/calendars")
    listed = {c["entity_id"] for c in await reply.json()}
    assert listed == {CALENDAR, "calendar.fort_erie_on_ca_open_slots"}

    events = await get_events(client, CALENDAR, "2026-11-30T00:00:00Z", "2026-12-31T00:00:00Z")
    assert events
    first = events[0]
    assert first["summary"] == "NEXUS · Blaine, WA"
    assert first["location"] == "8115 Birch Bay Square St., Suite 104, BLAINE, WA 98230, US"
    assert first["start"] == {"dateTime": "2026-12-03T09:40:00-08:00"}
    assert first["end"] == {"dateTime": "2026-12-03T09:50:00-08:00"}
    assert first["uid"] == "5020@2026-12-03T09:40:00-08:00"
    count = int(hass.states.get("sensor.blaine_wa_us_matching_slots_open").state)
    everything = await get_events(client, CALENDAR, "2026-11-01T00:00:00Z", "2028-01-01T00:00:00Z")
    assert len(everything) == count
    assert len(events) < count

    state = hass.states.get(CALENDAR)
    assert state.state == "off"  # the soonest slot is not under way now
    assert state.attributes["start_time"] == "2026-12-03 09:40:00"
    assert state.attributes["message"] == first["summary"]


async def test_calendar_respects_the_watch_wishes(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    client = await hass_client()
    events = await get_events(
        client,
        "calendar.fort_erie_on_ca_open_slots",
        "2026-11-01T00:00:00Z",
        "2028-01-01T00:00:00Z",
    )
    # The API answers in Home Assistant's time zone; the wishes are Fort Erie's wall clock.
    toronto = ZoneInfo("America/Toronto")
    assert events
    for event in events:
        start = datetime.fromisoformat(event["start"]["dateTime"]).astimezone(toronto)
        end = datetime.fromisoformat(event["end"]["dateTime"]).astimezone(toronto)
        assert time(9) <= start.time()
        assert end.time() <= time(15)
    assert len(events) == int(hass.states.get("sensor.fort_erie_on_ca_matching_slots_open").state)


async def test_empty_range(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    client = await hass_client()
    assert await get_events(client, CALENDAR, "2020-01-01T00:00:00Z", "2020-02-01T00:00:00Z") == []


# A watch of a centre with no open slot, and one of a centre that is not listed.
@pytest.mark.parametrize(
    "subentries",
    [
        [
            watch("Mississauga, ON, CA", TORONTO, "watch_toronto"),
            watch("Ottawa, ON, CA", OTTAWA_AIRPORT, "watch_ottawa"),
        ]
    ],
)
async def test_no_open_slot(
    hass: HomeAssistant,
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    simulator.state.unlisted.add(OTTAWA_AIRPORT)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client()
    for entity_id in ("calendar.mississauga_on_ca_open_slots", "calendar.ottawa_on_ca_open_slots"):
        assert hass.states.get(entity_id).state == "off"
        assert "start_time" not in hass.states.get(entity_id).attributes
        assert (
            await get_events(client, entity_id, "2026-11-01T00:00:00Z", "2028-01-01T00:00:00Z")
            == []
        )

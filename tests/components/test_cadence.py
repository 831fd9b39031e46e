"""The planned cadence as the scheduler sees it: a centre's history shapes when it is asked."""

from datetime import UTC, datetime, timedelta
import random
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.nexus.const import DOMAIN
from custom_components.nexus.history import CentreHistory, Opening
from tests.conftest import RunningSimulator

from .conftest import BLAINE, advance, set_up, stored, watch

BLAINE_TIME = ZoneInfo("America/Los_Angeles")
# Monday 7 December 2026, the first Monday of the month, 02:00 at Blaine.
NIGHT = datetime(2026, 12, 7, 2, 0, tzinfo=BLAINE_TIME)
WINDOW = NIGHT.replace(hour=9)  # within the published release window, 08:45-10:00
STORE_KEY = f"{DOMAIN}.nexus_entry.openings"
SECOND = timedelta(seconds=1)


@pytest.fixture
def subentries() -> list[Any]:
    return [watch("Blaine, WA, US", BLAINE, "watch_blaine")]


def daytime_openings(now: datetime) -> dict[str, Any]:
    """A month of openings at Blaine, all between 08:00 and 20:00 centre time, as stored."""
    rng = random.Random(25)  # noqa: S311 (believable, not secret)
    openings = []
    while len(openings) < 120:
        opened = now - timedelta(days=rng.uniform(0.5, 31))  # watched for more than a month
        if 8 <= opened.astimezone(BLAINE_TIME).hour < 20:
            start = opened + timedelta(days=20)
            openings.append(
                Opening(
                    key=f"{BLAINE} {len(openings)}",
                    start=start.astimezone(BLAINE_TIME),
                    end=start.astimezone(BLAINE_TIME) + timedelta(minutes=10),
                    places=1,
                    opened=opened.astimezone(UTC),
                    gone=opened.astimezone(UTC) + timedelta(minutes=2),
                )
            )
    return {"centres": {str(BLAINE): CentreHistory(BLAINE, openings).as_data()}}


async def watched_for_a_month(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    at: datetime,
) -> None:
    """Start Home Assistant at `at` with Blaine's month of daytime openings stored."""
    freezer.move_to(at)
    hass_storage[STORE_KEY] = stored(STORE_KEY, daytime_openings(at.astimezone(UTC)))
    await set_up(hass, entry)


async def requests_during(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: RunningSimulator,
    span: timedelta,
) -> list[int]:
    """Walk frozen time a second at a time; return the slot requests made in each minute."""
    per_minute = []
    for _minute in range(int(span.total_seconds() // 60)):
        before = simulator.state.centre_counts["slots", BLAINE]
        for _ in range(60):
            await advance(hass, freezer, SECOND)
        per_minute.append(simulator.state.centre_counts["slots", BLAINE] - before)
    return per_minute


async def test_the_scheduler_sees_the_planned_cadence(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await watched_for_a_month(hass, hass_storage, config_entry, freezer, NIGHT)

    # At night, with no opening at these hours in a month: every 5 minutes (and its jitter).
    night = await requests_during(hass, freezer, simulator, timedelta(minutes=30))
    assert 5 <= sum(night) <= 6

    # The first Monday's release window: every 15 s (and its jitter), 4 a minute at most.
    await advance(hass, freezer, WINDOW - NIGHT - timedelta(minutes=30))
    window = await requests_during(hass, freezer, simulator, timedelta(minutes=10))
    assert max(window) <= 4
    assert sum(window) >= 35

    # A refusal's Retry-After wins over the window: nothing asked for 10 minutes.
    simulator.state.set_fault("slots", "status", {"status": 429, "retry_after": 600})
    refused = await requests_during(hass, freezer, simulator, timedelta(minutes=10))
    assert sum(refused) == 1
    simulator.state.clear_faults()
    resumed = await requests_during(hass, freezer, simulator, timedelta(minutes=3))
    assert sum(resumed) >= 9  # the window's cadence again

    # A failing scheduler is not asked at the window's pace: once a minute until it answers.
    simulator.state.set_fault("slots", "status", {"status": 503})
    failing = await requests_during(hass, freezer, simulator, timedelta(minutes=5))
    assert sum(failing) <= 6
    simulator.state.clear_faults()
    resumed = await requests_during(hass, freezer, simulator, timedelta(minutes=3))
    assert sum(resumed) >= 9


RELEASE_SENSOR = "sensor.blaine_wa_us_next_expected_release"
CALENDAR = "calendar.blaine_wa_us_open_slots"


async def test_the_next_release_is_shown_and_on_the_calendar(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator: RunningSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await watched_for_a_month(hass, hass_storage, config_entry, freezer, NIGHT)

    # The published rule: this first Monday, 08:45-10:00 at Blaine.
    shown = hass.states.get(RELEASE_SENSOR)
    assert datetime.fromisoformat(shown.state) == NIGHT.replace(hour=8, minute=45)
    assert shown.attributes["window_end"] == NIGHT.replace(hour=10).astimezone(UTC).isoformat()
    assert shown.attributes["learned"] is False
    events = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": CALENDAR, "start_date_time": NIGHT, "duration": {"days": 40}},
        blocking=True,
        return_response=True,
    )
    releases = [e for e in events[CALENDAR]["events"] if "expected release" in e["summary"]]
    assert [(e["start"], e["end"]) for e in releases] == [
        (NIGHT.replace(hour=8, minute=45).isoformat(), NIGHT.replace(hour=10).isoformat()),
        ("2027-01-04T08:45:00-08:00", "2027-01-04T10:00:00-08:00"),
    ]

    # Once the window is over: the next month's.
    await advance(hass, freezer, NIGHT.replace(hour=10, minute=1) - NIGHT)
    assert hass.states.get(RELEASE_SENSOR).state == "2027-01-04T16:45:00+00:00"

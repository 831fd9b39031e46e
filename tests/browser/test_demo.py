"""The demo as scripts/develop starts it: watched from the start, alerts shown.

Every watch it adds is polled from the start: the demo adds NEXUS and then its watches and
card back to back, while NEXUS's first update (the centre list and the Canadian centres'
interview times) is still running, the case in which watches used to get entities but no
polling, "Unavailable" for good. Its announce automation shows an alert, and then its
withdrawal, in Home Assistant's notifications.
"""

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
from playwright.async_api import Browser, expect
import pytest

from demo.provision import DEMO_AUTOMATION, DEMO_WATCHES, HomeAssistantAPI, provision_demo

from .conftest import SCREENSHOTS, Stack, log_in, running_stack, screenshot

HALIFAX = 5031

# Two polling periods (60 s and up to 5 s of jitter each), from the end of the demo's set-up.
TWO_POLLS = 2 * 65


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A fresh Home Assistant and the stand-in's demo scenario, set up as scripts/develop does."""
    with running_stack(tmp_path_factory.mktemp("demo-config"), "demo") as stack:

        async def provision() -> None:
            async with aiohttp.ClientSession() as session:
                api = HomeAssistantAPI(session, stack.ha)
                api.token = stack.token
                await provision_demo(api, date.today())  # noqa: DTZ011 - as the demo does

        asyncio.run(provision())
        yield stack


async def watch_entities(stack: Stack) -> dict[str, list[str]]:
    """The entity ids of each centre watch of the NEXUS entry, by subentry id."""
    entries = await stack.call("GET", "/api/config/config_entries/entry?domain=nexus")
    entry_id = entries[0]["entry_id"]
    subentries = await stack.websocket(
        {"type": "config_entries/subentries/list", "entry_id": entry_id}
    )
    watches: dict[str, list[str]] = {
        s["subentry_id"]: [] for s in subentries["result"] if s["subentry_type"] == "centre_watch"
    }
    registry = await stack.websocket({"type": "config/entity_registry/list"})
    for entity in registry["result"]:
        if entity["config_entry_id"] == entry_id and entity["config_subentry_id"] in watches:
            watches[entity["config_subentry_id"]].append(entity["entity_id"])
    return watches


async def test_every_demo_watch_is_available_within_two_polls(demo: Stack) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TWO_POLLS
    while True:
        watches = await watch_entities(demo)
        states = {s["entity_id"]: s["state"] for s in await demo.call("GET", "/api/states")}
        unavailable = [
            entity_id
            for entity_ids in watches.values()
            for entity_id in entity_ids
            if states.get(entity_id, "unavailable") == "unavailable"
        ]
        if len(watches) == len(DEMO_WATCHES) and all(watches.values()) and not unavailable:
            break
        assert loop.time() < deadline, f"still unavailable after two polls: {unavailable}"
        await asyncio.sleep(2)
    # Each watched centre is asked for its slots: the stand-in has seen them all.
    asked = (await demo.stand_in_state())["centre_counts"]["slots"]
    assert all(asked.get(str(watch.location_id), 0) >= 1 for watch in DEMO_WATCHES), asked


async def test_the_openings_graph_draws_the_days_before_the_demo(
    demo: Stack, browser: Browser
) -> None:
    # The history the demo starts with (demo/history.py), as the watches' long-term statistics:
    # openings per day, each day's change of the "Openings counted" sum.
    watches = await watch_entities(demo)
    counted = sorted(e for ids in watches.values() for e in ids if e.endswith("_openings_counted"))
    assert len(counted) == len(DEMO_WATCHES)
    start = datetime.now(UTC) - timedelta(days=7)
    query = {
        "type": "recorder/statistics_during_period",
        "start_time": start.isoformat(),
        "statistic_ids": counted,
        "period": "day",
        "types": ["change"],
    }
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30  # imported through the recorder's queue, committed in seconds
    while len((reply := await demo.websocket(query))["result"]) < len(counted):
        assert loop.time() < deadline, reply
        await asyncio.sleep(1)
    days = {entity: [row["change"] for row in rows] for entity, rows in reply["result"].items()}
    assert days.keys() == set(counted)
    for changes in days.values():
        assert len(changes) >= 4  # the demo's history: 5 days before today
        assert all(change >= 0 for change in changes)  # a count per day, never below 0
        assert sum(changes) > 0

    # Drawn by Home Assistant's own statistics-graph card on the demo dashboard.
    page = await log_in(browser, demo)
    await page.goto(f"{demo.ha}/nexus-demo")
    graph = page.locator("hui-statistics-graph-card").filter(has_text="Openings counted")
    for label in ("Blaine, WA", "Buffalo-Ft. Erie (Fort Erie, ON)", "Halifax (Goffs, NS)"):
        await expect(graph).to_contain_text(f"{label} Openings counted")
    await expect(graph.locator("canvas")).to_have_count(1)
    await expect(graph).not_to_contain_text("No statistics found")
    await screenshot(page, "dashboard")
    if SCREENSHOTS is not None:
        stack_card = page.locator("hui-vertical-stack-card").filter(has=graph)
        await stack_card.first.screenshot(path=SCREENSHOTS / "openings.png")


async def test_the_demo_shows_an_alert_and_its_withdrawal(demo: Stack, browser: Browser) -> None:
    # The announce automation the demo made through the automation editor's API is loaded.
    states = await demo.call("GET", "/api/states")
    (announce,) = [s for s in states if s["attributes"].get("id") == DEMO_AUTOMATION]
    assert announce["state"] == "on"

    # Halifax reopens 180 s into the stand-in's timeline (its release is an alert of its own);
    # the slot this test opens comes in a later poll, at a time nothing else touches.
    loop = asyncio.get_running_loop()
    elapsed = (await demo.stand_in_state())["elapsed"]
    await asyncio.sleep(max(0, 180 + 70 - elapsed))
    day = datetime.now(ZoneInfo("America/Halifax")).date() + timedelta(days=10)
    while day.weekday() > 4:  # the demo's Halifax watch wants a weekday
        day += timedelta(days=1)
    await demo.control("/slots", location=HALIFAX, start=f"{day.isoformat()}T09:07", available=1)
    opened = loop.time()

    page = await log_in(browser, demo)
    await page.goto(f"{demo.ha}/nexus-demo")
    await page.locator("#sidebar-notifications").click()
    drawer = page.locator("notification-drawer")
    alert = drawer.locator("notification-item").filter(has_text="at 09:07 (centre time)")
    await expect(alert).to_be_visible(timeout=TWO_POLLS * 1000)
    assert loop.time() - opened < TWO_POLLS
    await expect(alert).to_contain_text("NEXUS slot open: Halifax")
    await expect(alert).to_contain_text(f"{day.day} {day.strftime('%B %Y')} at 09:07")
    # The demo's history says how long slots last there.
    await expect(alert).to_contain_text("Slots here usually go within about")
    await screenshot(page, "demo-alert")

    await demo.control("/slots", location=HALIFAX, start=f"{day.isoformat()}T09:07", available=0)
    gone = drawer.locator("notification-item").filter(has_text="Gone after")
    await expect(gone).to_contain_text("NEXUS: gone at Halifax", timeout=TWO_POLLS * 1000)
    await expect(gone).to_contain_text("the slot at Halifax")
    # Replaced, not added: the alert is no longer shown.
    await expect(alert).to_have_count(0)

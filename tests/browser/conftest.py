"""A real Home Assistant process and the scheduler stand-in, for browser tests.

These tests run in their own pytest process (scripts/test does it), without the Home
Assistant test plugin: Home Assistant runs as a real process here, not inside pytest.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
import os
from pathlib import Path
import subprocess
import sys
from typing import Any

import aiohttp
from playwright.async_api import Browser, Page, async_playwright
import pytest

from demo.provision import DEMO_PASSWORD, DEMO_USER, HomeAssistantAPI
from demo.seed import seed
from simulator.process import free_port, start_simulator

ROOT = Path(__file__).parents[2]
CHROMIUM = os.environ.get("NEXUS_CHROMIUM", "/usr/bin/chromium")
# Where screenshots go when NEXUS_SCREENSHOTS=1 (they illustrate the README).
SCREENSHOTS = ROOT / "docs" / "images" if os.environ.get("NEXUS_SCREENSHOTS") == "1" else None
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Stack:
    """The running processes and how to reach them."""

    ha: str
    simulator: str
    token: str

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call Home Assistant's API as the demo user."""
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantAPI(session, self.ha)
            api.token = self.token
            return await api.request(method, path, **kwargs)

    async def websocket(self, command: dict[str, Any]) -> Any:
        """Send one websocket command as the demo user."""
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantAPI(session, self.ha)
            api.token = self.token
            return await api.websocket(command)

    async def stand_in_state(self) -> Any:
        """The stand-in's clock, request counts and faults (GET /_control)."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.simulator}/_control") as reply,
        ):
            reply.raise_for_status()
            return await reply.json()

    async def control(self, path: str, **body: Any) -> Any:
        """Drive the stand-in."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.simulator}/_control{path}", json=body) as reply,
        ):
            reply.raise_for_status()
            return await reply.json()


async def _onboard(ha: str) -> str:
    async with aiohttp.ClientSession() as session:
        api = HomeAssistantAPI(session, ha)
        await api.wait_until_up(timeout=240)
        await api.onboard_or_login(DEMO_USER, DEMO_PASSWORD)
        return api.token


@contextmanager
def running_stack(config: Path, scenario: str) -> Iterator[Stack]:
    """Start the stand-in (`scenario`) and a fresh Home Assistant in `config`, onboarded."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}; scripts/test installs it")
    ha_port = free_port()
    seed(config, ha_port)  # as scripts/develop prepares its configuration
    simulator, simulator_url = start_simulator(scenario)
    env = os.environ | {"NEXUS_SCHEDULER_URL": f"{simulator_url}/schedulerapi"}
    log = (config / "home-assistant.out").open("w")
    processes = [
        simulator,
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "homeassistant", "-c", str(config)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        ha = f"http://127.0.0.1:{ha_port}"
        yield Stack(ha, simulator_url, asyncio.run(_onboard(ha)))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stand-in and a fresh Home Assistant, onboarded with the demo user only."""
    with running_stack(tmp_path_factory.mktemp("ha-config"), "browser") as started:
        yield started


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, driven by Playwright (its own browser download cannot work here)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(stack: Stack, browser: Browser) -> Page:
    """A page of Home Assistant, logged in as the demo user through the login form."""
    return await log_in(browser, stack)


async def log_in(browser: Browser, stack: Stack) -> Page:
    """Open Home Assistant in a new page and log in as the demo user through the login form."""
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    await page.goto(f"{stack.ha}/config/integrations/dashboard")
    await page.get_by_label("Username").fill(DEMO_USER)
    await page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.get_by_role("button", name="Add integration").wait_for()
    return page


async def screenshot(page: Page, name: str) -> None:
    """Keep a screenshot for the README when asked to (NEXUS_SCREENSHOTS=1)."""
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.wait_for_timeout(500)  # let animations settle
        await page.screenshot(path=SCREENSHOTS / f"{name}.png")

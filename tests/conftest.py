"""Shared fixtures for the NEXUS tests."""

import asyncio
from collections.abc import AsyncGenerator, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
import json
from pathlib import Path
import sys
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from simulator import API_PREFIX, Scenario, SimulatorState, create_app, load_scenario

FIXTURES = Path(__file__).parent / "fixtures"
LOCATIONS_FIXTURE = "locations_all-programs_operational_2023-03-02.json"


def run_in_own_loop[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a test that is not async, on a loop of its own.

    Unlike `asyncio.run`, it leaves the thread's current loop as it was: the Home Assistant
    test plugin of older releases reads it in every test that follows.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def load_json(name: str) -> Any:
    """Read a JSON fixture (real captures of the scheduler's answers)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom_components/nexus in every test that runs Home Assistant."""
    if "recorder_mock" in request.fixturenames:
        # The recorder's database must be prepared before Home Assistant starts.
        request.getfixturevalue("recorder_db_url")
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@dataclass
class RunningSimulator:
    """The scheduler stand-in, served on loopback for one test."""

    state: SimulatorState
    url: str  # the API root, what the integration is pointed at
    root: str  # where /_control lives
    server: TestServer = field(repr=False)

    async def refuse_connections(self) -> None:
        """Stop listening and drop the open connections: every request is refused."""
        for site in list(self.server.runner.sites):
            await site.stop()
        if self.server.runner.server is not None:
            for connection in self.server.runner.server.connections:
                connection.force_close()

    async def accept_connections(self) -> None:
        """Listen again, on the same port."""
        await web.TCPSite(self.server.runner, "127.0.0.1", self.server.port).start()


@pytest.fixture
def scenario() -> Scenario:
    """The scenario the simulator serves; override in a module for another one."""
    return load_scenario("demo")


@pytest.fixture
def simulator_start() -> datetime | None:
    """When the simulator's clock starts; None for now. Tests that freeze time override it."""
    return None


@pytest.fixture
async def simulator(
    socket_enabled: None, scenario: Scenario, simulator_start: datetime | None
) -> AsyncGenerator[RunningSimulator]:
    """Serve the scheduler stand-in on 127.0.0.1 for one test."""
    state = SimulatorState(scenario, start=simulator_start)
    server = TestServer(create_app(state), host="127.0.0.1")
    # No access log: it reads the local time zone, which frozen time breaks.
    await server.start_server(access_log=None)
    root = str(server.make_url("")).rstrip("/")
    yield RunningSimulator(state, f"{root}{API_PREFIX}", root, server)
    await server.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the fault campaign's table when it ran."""
    campaign = sys.modules.get("tests.components.test_faults")
    rows = getattr(campaign, "CAMPAIGN", None)
    if not rows:
        return
    width = max(len(fault) for fault, _outcome, _passed in rows)
    terminalreporter.section("fault campaign")
    terminalreporter.write_line(f"{'fault':<{width}}  {'outcome':<32}  result")
    for fault, outcome, passed in rows:
        terminalreporter.write_line(f"{fault:<{width}}  {outcome:<32}  {passed}")

"""A scheduler on loopback that answers what each test tells it to, and records the requests."""

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
import json
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.nexus.ttp import TTPClient


@dataclass
class Canned:
    """One canned answer."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class Seen:
    """One request the scheduler received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


class CannedScheduler:
    """Answers each path with what `reply` set; 404 otherwise."""

    def __init__(self) -> None:
        """Start with no answers."""
        self.answers: dict[str, Canned] = {}
        self.requests: list[Seen] = []
        self.base_url = ""
        self.app = web.Application()
        self.app.router.add_route("GET", "/{tail:.*}", self._handle)

    def reply(
        self,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        delay: float = 0.0,
    ) -> None:
        """Answer `path` (below /schedulerapi) with JSON `body`, or `raw` bytes."""
        data = raw if raw is not None else json.dumps(body).encode()
        self.answers[f"/schedulerapi/{path}"] = Canned(
            data, status, headers or {}, content_type, delay
        )

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(Seen(request.path, dict(request.query), dict(request.headers)))
        canned = self.answers.get(request.path)
        if canned is None:
            return web.Response(status=404)
        await asyncio.sleep(canned.delay)
        return web.Response(
            body=canned.body,
            status=canned.status,
            headers=canned.headers,
            content_type=canned.content_type,
        )


@pytest.fixture
async def scheduler(socket_enabled: None) -> AsyncGenerator[CannedScheduler]:
    """Serve a CannedScheduler on 127.0.0.1."""
    canned = CannedScheduler()
    server = TestServer(canned.app, host="127.0.0.1")
    await server.start_server()
    canned.base_url = str(server.make_url("/schedulerapi"))
    yield canned
    await server.close()


@pytest.fixture
async def client(scheduler: CannedScheduler) -> AsyncGenerator[TTPClient]:
    """A client of the canned scheduler, with a short timeout."""
    async with aiohttp.ClientSession() as session:
        yield TTPClient(
            session, scheduler.base_url, request_timeout=0.5, max_response_bytes=400_000
        )

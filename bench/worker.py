"""One benchmarked Home Assistant, in its own process: python -m bench.worker WAY SIM ... .

Home Assistant runs in this process, so each update cycle is driven directly through the
coordinators (no debounce) and the event loop's own CPU time is read with time.thread_time.
WAY "latency" instead lets the integration poll on its own schedule, scaled down, and times
openings until the event entity fires; WAY "catch" counts the openings told while still
open (and bookable), and times their withdrawals; WAY "release" counts the notifications the
announce blueprint sends for a release. Prints one JSON object with the figures.
"""

import asyncio
from contextlib import closing
import cProfile
from datetime import UTC, date, datetime, timedelta
import importlib
from itertools import pairwise
import json
import math
import os
from pathlib import Path
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from types import MappingProxyType
from typing import Any

import aiohttp
from homeassistant import bootstrap
from homeassistant.components.recorder.tasks import StatisticsTask
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigSubentryData,
)
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, ServiceCall, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.runner import RuntimeConfig

from .rest_config import rest_yaml

ROOT = Path(__file__).parents[1]
CYCLES_PER_DAY = 24 * 60 // 3  # both ways poll every 3 minutes
NEXUS_BENCH_CENTRE = 5022  # Fort Erie, for the cases of one watch

CONFIG = """
homeassistant:
  time_zone: America/Toronto
  country: CA
http:
  server_host: 127.0.0.1
  server_port: {port}
recorder:
  commit_interval: 1
logger:
  default: error
"""


async def _control(sim: str, path: str, **body: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            "POST" if body else "GET", f"{sim}/_control{path}", json=body or None
        ) as reply,
    ):
        reply.raise_for_status()
        return await reply.json()


async def _churn(sim: str, centre: int, cycle: int) -> None:
    async with aiohttp.ClientSession() as session:
        params = {"orderBy": "soonest", "limit": "1", "locationId": str(centre), "minimum": "1"}
        async with session.get(f"{sim}/schedulerapi/slots", params=params) as reply:
            soonest = await reply.json()
    if soonest:
        await _control(
            sim, "/slots", location=centre, start=soonest[0]["startTimestamp"], available=0
        )
    await _control(
        sim,
        "/slots",
        location=centre,
        start=f"2027-{1 + cycle % 12:02d}-20T07:{cycle % 60:02d}",
        available=1,
    )


def _bytes_by_kind(database: Path) -> dict[str, int]:
    """Count the bytes the recorder keeps: states and events, 5-minute and hourly statistics.

    Rows and index entries, SQLite's own count (dbstat payload), so that a few cycles' growth
    is seen exactly rather than in whole pages.
    """
    kinds = {"states": 0, "short_term": 0, "hourly": 0}
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        for name, payload in db.execute(
            "SELECT name, coalesce(sum(payload), 0) FROM dbstat GROUP BY name"
        ):
            table = name.lower()
            kind = (
                "states"
                if "statistics" not in table
                else "short_term"
                if "short_term" in table
                else "hourly"
            )
            kinds[kind] += int(payload)
    return kinds


async def _settled_bytes(hass: HomeAssistant, database: Path) -> dict[str, int]:
    recorder = get_instance(hass)
    await recorder.async_block_till_done()
    await asyncio.sleep(1.5)  # past the recorder's 1 s commit interval
    await recorder.async_block_till_done()
    return await hass.async_add_executor_job(_bytes_by_kind, database)


def _back_to_back() -> None:
    """Let polls come back to back, each standing for one a minute or more apart.

    The 30 s floor between two requests for a centre's slots (and the planner's 15 s, should
    its poll fall due meanwhile) would answer them from the last.
    """
    api = importlib.import_module("custom_components.nexus.api")
    vars(api).update(SLOT_FLOOR=timedelta(0))
    cadence = importlib.import_module("custom_components.nexus.cadence")
    vars(cadence).update(FASTEST=0.0)


async def _setup_integration(hass: HomeAssistant, centres: list[int]) -> Any:
    """Add NEXUS with one weekday watch per centre, as it starts when already configured.

    One set-up, not one reload per watch added through the UI.
    """
    watches = [
        ConfigSubentryData(
            data=MappingProxyType(
                {
                    "location_id": cid,
                    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                    "minimum_places": 1,
                    # One alert per poll at most: 60 an hour never holds one back. The bench
                    # opens far more than a real centre (up to 90 an hour), and measures the
                    # polling, not the cap (issue 23's own figures will measure the cap).
                    "max_alerts_per_hour": 60,
                }
            ),
            subentry_type="centre_watch",
            title=f"Centre {cid}",
            unique_id=None,
        )
        for cid in centres
    ]
    entry = ConfigEntry(
        data={},
        discovery_keys=MappingProxyType({}),
        domain="nexus",
        minor_version=2,
        options={},
        source=SOURCE_USER,
        subentries_data=watches,
        title="NEXUS",
        unique_id=None,
        version=1,
    )
    await hass.config_entries.async_add(entry)
    await hass.async_block_till_done()
    if entry.state is not ConfigEntryState.LOADED:
        raise RuntimeError(f"NEXUS did not set up: {entry.state}")
    return entry.runtime_data.async_refresh


def _rest_refresh(hass: HomeAssistant) -> Any:
    coordinators = hass.data["rest"]["coordinator"]
    return lambda: asyncio.gather(*(c.async_refresh() for c in coordinators))


async def _floor(sim: str, centres: list[int], repeats: int) -> float:
    spent = []
    async with aiohttp.ClientSession() as session:
        for _ in range(repeats):
            began = time.thread_time()
            for cid in centres:
                params = {
                    "orderBy": "soonest",
                    "limit": "5000",
                    "locationId": str(cid),
                    "minimum": "1",
                }
                async with session.get(f"{sim}/schedulerapi/slots", params=params) as reply:
                    json.loads(await reply.read())
            spent.append(time.thread_time() - began)
    return 1000 * statistics.median(spent)


def _full_history(config_dir: Path, centres: list[int]) -> None:
    """Give each centre the largest history the integration keeps, as after months of watching.

    MAX_OPENINGS openings over the last 90 days, each gone two minutes after it opened, on
    weekday mornings (the bench's watches want weekdays), and MAX_RELEASES releases.
    """
    history = importlib.import_module("custom_components.nexus.history")
    now = datetime.now(UTC)
    kept: timedelta = history.HISTORY_KEPT
    stored = {}
    for cid in centres:
        openings = []
        for i in range(history.MAX_OPENINGS):
            opened = now - kept + kept * (i + 1) / (history.MAX_OPENINGS + 1)
            day = (opened + timedelta(days=20)).date()
            if day.weekday() > 4:  # to the Monday after
                day += timedelta(days=7 - day.weekday())
            start = datetime(day.year, day.month, day.day, 9, 10 * (i % 6), tzinfo=UTC)
            openings.append(
                history.Opening(
                    key=f"{cid}@{start.isoformat()}",
                    start=start,
                    end=start + timedelta(minutes=10),
                    places=1,
                    opened=opened,
                    gone=opened + timedelta(minutes=2),
                )
            )
        releases = [
            history.Release(now - kept + kept * (i + 1) / (history.MAX_RELEASES + 1), 20)
            for i in range(history.MAX_RELEASES)
        ]
        stored[str(cid)] = history.CentreHistory(cid, openings, releases).as_data()
    # As a file of an earlier release: the integration moves it to the entry's own at setup.
    path = config_dir / ".storage" / "nexus.openings"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": 1, "minor_version": 1, "key": "nexus.openings", "data": {"centres": stored}}
    path.write_text(json.dumps(data), encoding="utf-8")


async def _start(
    way: str,
    centres: list[int],
    sim: str,
    port: int,
    *,
    history: bool = False,
    automations: bool = False,
) -> tuple[HomeAssistant, Path]:
    """Start a Home Assistant with the recorder and one way of watching `centres`.

    With `automations`, it has the repository's blueprints and loads automations.yaml (empty
    at first), as a user's does.
    """
    config_dir = Path(tempfile.mkdtemp(prefix=f"nexus-bench-{way}-"))
    if history:
        _full_history(config_dir, centres)
    config = CONFIG.format(port=port)
    if automations:
        shutil.copytree(ROOT / "blueprints", config_dir / "blueprints")
        (config_dir / "automations.yaml").write_text("[]\n", encoding="utf-8")
        config += "automation: !include automations.yaml\n"
    if way == "rest":
        config += rest_yaml(f"{sim}/schedulerapi", centres)
    else:
        (config_dir / "custom_components").mkdir()
        (config_dir / "custom_components" / "nexus").symlink_to(
            ROOT / "custom_components" / "nexus"
        )
    (config_dir / "configuration.yaml").write_text(config, encoding="utf-8")
    os.environ["NEXUS_SCHEDULER_URL"] = f"{sim}/schedulerapi"
    hass = await bootstrap.async_setup_hass(
        RuntimeConfig(config_dir=str(config_dir), skip_pip=True, log_no_color=True)
    )
    if hass is None:
        raise RuntimeError("Home Assistant did not set up")
    await hass.async_start()
    return hass, config_dir / "home-assistant_v2.db"


class Cycles:
    """Drives and measures update cycles of one Home Assistant."""

    def __init__(self, hass: HomeAssistant, refresh: Any, sim: str, centres: list[int]) -> None:
        """Count state writes from now on."""
        self.hass, self.refresh, self.sim, self.centres = hass, refresh, sim, centres
        self.writes = 0
        hass.bus.async_listen(EVENT_STATE_CHANGED, self._count)
        # NEXUS_BENCH_PROFILE=DIR writes a cProfile of the measured cycles of each case there.
        self.profile_dir = os.environ.get("NEXUS_BENCH_PROFILE")

    @callback
    def _count(self, _event: Event[Any]) -> None:
        self.writes += 1

    async def one(self, profiler: cProfile.Profile | None) -> tuple[float, float]:
        """Run one refresh of every centre; return its event-loop CPU and wall seconds."""
        if profiler:
            profiler.enable()
        t_cpu, t_wall = time.thread_time(), time.perf_counter()
        await self.refresh()
        await self.hass.async_block_till_done()
        cpu, wall = time.thread_time() - t_cpu, time.perf_counter() - t_wall
        if profiler:
            profiler.disable()
        return cpu, wall

    async def measure(self, name: str, size: int, cycles: int, database: Path) -> dict[str, Any]:
        """Warm up, then measure `cycles` cycles."""
        for _ in range(2):  # warm up
            await self.one(None)
        profiler = cProfile.Profile() if self.profile_dir else None
        # Statistics tables are left out: they grow with wall-clock time, not cycles.
        db_before = (await _settled_bytes(self.hass, database))["states"]
        writes_before = self.writes
        cpu, wall = [], []
        requests = received = 0
        for cycle in range(cycles):
            # Real schedules move: the soonest slot of each centre is taken and a new one opens
            # between two polls, so both ways have something to write.
            for cid in self.centres:
                await _churn(self.sim, cid, cycle)
            before = await _control(self.sim, "")
            spent = await self.one(profiler)
            cpu.append(spent[0])
            wall.append(spent[1])
            after = await _control(self.sim, "")
            requests += sum(after["counts"].values()) - sum(before["counts"].values())
            received += sum(after["bytes"].values()) - sum(before["bytes"].values())
        grown = (await _settled_bytes(self.hass, database))["states"] - db_before
        # Most real polls find the schedule as it was: measure those too.
        same = [(await self.one(None))[0] for _ in range(cycles)]
        if profiler and self.profile_dir:
            profiler.dump_stats(
                Path(self.profile_dir) / f"{name}-K{len(self.centres)}-S{size}.prof"
            )
        return {
            "cpu_ms": 1000 * statistics.median(cpu),
            "cpu_same_ms": 1000 * statistics.median(same),
            "wall_ms": 1000 * statistics.median(wall),
            "requests": requests / cycles,
            "kib": received / 1024 / cycles,
            "state_writes": (self.writes - writes_before) / cycles,
            "db_kib_per_day": grown / 1024 / cycles * CYCLES_PER_DAY,
        }


async def work(  # noqa: PLR0917
    way: str, centres: list[int], size: int, cycles: int, sim: str, port: int, history: bool
) -> dict[str, Any]:
    """Open `size` slots per centre, set up one Home Assistant, measure, stop it.

    The slots are there before Home Assistant starts, as when it restarts: the integration's
    first update records them as seen rather than announcing thousands of openings.
    """
    await _control(sim, "/regenerate", open_slots=size, locations=centres)
    if way == "integration":
        _back_to_back()
    hass, database = await _start(way, centres, sim, port, history=history)
    refresh = (
        await _setup_integration(hass, centres) if way == "integration" else _rest_refresh(hass)
    )
    spent: list[float] = []
    if way == "integration":
        # The history's own share of each cycle: what keeping it adds to an update.
        # Both its parts: following the open slots, and bringing the figures forward.
        book = hass.config_entries.async_entries("nexus")[0].runtime_data._book  # noqa: SLF001
        update, bring = book.update, book.figures

        def timed_update(centre_slots: Any, now: Any) -> bool:
            started = time.thread_time()
            try:
                return bool(update(centre_slots, now))
            finally:
                spent.append(time.thread_time() - started)

        def timed_figures(centres: Any, now: Any) -> Any:
            started = time.thread_time()
            try:
                return bring(centres, now)
            finally:
                spent[-1] += time.thread_time() - started

        book.update, book.figures = timed_update, timed_figures
    figures = await Cycles(hass, refresh, sim, centres).measure(way, size, cycles, database)
    if spent:
        # After the two warm-up cycles: the cycles with a change.
        figures["history_ms"] = 1000 * statistics.median(spent[2 : 2 + cycles])
    if way == "integration":
        figures["floor_ms"] = await _floor(sim, centres, cycles)
        # What writing the history costs the event loop: once, a minute after a change,
        # never inside a poll (the Store calls it from its own timer).
        entry = hass.config_entries.async_entries("nexus")[0]
        histories = entry.runtime_data._book.histories  # noqa: SLF001
        started = time.thread_time()
        rows = {"centres": {str(cid): h.as_data() for cid, h in histories.items()}}  # as saved
        figures["write_ms"] = 1000 * (time.thread_time() - started)
        figures["openings_stored"] = sum(len(c["openings"]) for c in rows["centres"].values())
    await hass.async_stop()
    return {str(size): figures}


def _weekday_times() -> Any:
    """Yield distinct weekday times in 2027 before the scenario's opening hours."""
    day = date(2027, 1, 4)  # a Monday
    while True:
        if day.weekday() < 5:  # Monday to Friday
            for minute in (0, 15, 30, 45):
                yield f"{day.isoformat()}T07:{minute:02d}"
        day += timedelta(days=1)


async def latency(sim: str, port: int, trials: int, interval: float) -> dict[str, Any]:
    """Open a slot at a random moment, `trials` times; time each until the event entity fires.

    The integration polls on its own schedule, scaled from its production interval (and
    jitter) down to `interval` seconds, so that many trials fit in minutes.
    """
    _scale_polling_to(interval)
    centre = 5020
    await _control(sim, "/regenerate", open_slots=10, locations=[centre])
    hass, _database = await _start("latency", [centre], sim, port)
    await _setup_integration(hass, [centre])
    fired: asyncio.Queue[float] = asyncio.Queue()
    polls: list[float] = []

    @callback
    def on_state(event: Event[Any]) -> None:
        new = event.data["new_state"]
        opened = new is not None and new.attributes.get("event_type") == "slot_opened"
        if event.data["entity_id"].startswith("event.") and opened:
            fired.put_nowait(time.perf_counter())

    hass.bus.async_listen(EVENT_STATE_CHANGED, on_state)
    entry = hass.config_entries.async_entries("nexus")[0]
    entry.runtime_data.async_add_listener(lambda: polls.append(time.perf_counter()))
    rng = random.Random(7)
    waits: list[float] = []
    times = _weekday_times()
    for _ in range(trials):
        await asyncio.sleep(rng.uniform(0, interval * 1.1))
        await _control(sim, "/slots", location=centre, start=next(times), available=1)
        opened = time.perf_counter()
        told = await asyncio.wait_for(fired.get(), timeout=interval * 4)
        waits.append(told - opened)
    await hass.async_stop()
    gaps = [b - a for a, b in pairwise(polls)]
    return {"interval_s": interval, "period_s": statistics.mean(gaps), "waits_s": waits}


def _scale_polling_to(interval: float) -> None:
    """Scale the integration's polling, from its own interval down to `interval` seconds."""
    const = importlib.import_module("custom_components.nexus.const")
    _scale_polling(
        interval,
        const.SLOT_INTERVAL.total_seconds(),
        const.SLOT_JITTER_SECONDS,
        const.SLOT_FLOOR.total_seconds(),
    )


def _scale_polling(interval: float, production: float, jitter: float, floor: float) -> None:
    """Scale the integration's polling from `production` seconds down to `interval`.

    Patched before Home Assistant imports the integration, which then uses these values.
    """
    scale = interval / production
    coordinator = importlib.import_module("custom_components.nexus.coordinator")
    # Home Assistant wakes a coordinator up to a second early or late (it rounds to whole
    # seconds); the coordinator's own second of leeway (DUE_EARLY) stays as it is.
    vars(coordinator).update(
        SLOT_INTERVAL=timedelta(seconds=interval), SLOT_JITTER_SECONDS=jitter * scale
    )
    api = importlib.import_module("custom_components.nexus.api")
    vars(api).update(SLOT_FLOOR=timedelta(seconds=floor * scale))
    alerts = importlib.import_module("custom_components.nexus.alerts")
    vars(alerts).update(CAP_WINDOW=alerts.CAP_WINDOW * scale)
    # The planned cadence (no history here: the even day), every `interval`.
    cadence = importlib.import_module("custom_components.nexus.cadence")
    vars(cadence).update(
        FASTEST=cadence.FASTEST * scale,
        SLOWEST=cadence.SLOWEST * scale,
        DAILY_POLLS=86400 / interval,
    )


async def catch_rate(  # noqa: PLR0917
    sim: str, port: int, openings: int, production: float, jitter: float, scale: float
) -> dict[str, Any]:
    """Open slots at random moments, each taken again after a random lifetime.

    Lifetimes are log-uniform from 30 s to 10 min; openings come at random (exponential
    gaps), several open at once. An opening is caught when its `slot_opened` event fires
    while the stand-in still holds it. Every duration is scaled by `scale`, polling included.
    """
    const = importlib.import_module("custom_components.nexus.const")
    _scale_polling(production * scale, production, jitter, const.SLOT_FLOOR.total_seconds())
    centre = 5020
    await _control(sim, "/regenerate", open_slots=10, locations=[centre])
    hass, _database = await _start("catch", [centre], sim, port)
    await _setup_integration(hass, [centre])
    told: dict[str, float] = {}
    alerts: dict[str, list[str]] = {}  # alert tag: the slots it told
    withdrawn: dict[str, float] = {}  # alert tag: when its `slots_gone` fired

    @callback
    def on_state(event: Event[Any]) -> None:
        new = event.data["new_state"]
        if not event.data["entity_id"].startswith("event.") or new is None:
            return
        now, tag = time.perf_counter(), str(new.attributes.get("alert"))
        if new.attributes.get("event_type") == "slots_gone":
            withdrawn.setdefault(tag, now)
            return
        # One alert per update tells every slot that opened in it (at most 20 listed: here a
        # few open at once).
        stamps = [str(slot["local_time"]) for slot in new.attributes.get("slots") or ()]
        alerts.setdefault(tag, stamps)
        for stamp in stamps:
            told.setdefault(stamp, now)

    hass.bus.async_listen(EVENT_STATE_CHANGED, on_state)
    before = (await _control(sim, ""))["counts"].get("slots", 0)
    began = time.perf_counter()
    rng = random.Random(14)
    times = _weekday_times()
    records: list[tuple[float, float, float | None]] = []  # lifetime, wait, opened
    taken: dict[str, float] = {}  # slot: when the stand-in stopped holding it

    async def one(stamp: str, lifetime: float) -> None:
        await _control(sim, "/slots", location=centre, start=stamp, available=1)
        opened = time.perf_counter()
        await asyncio.sleep(lifetime * scale)
        # Taken: an event that fires from now on comes too late.
        await _control(sim, "/slots", location=centre, start=stamp, available=0)
        gone = time.perf_counter()
        taken[stamp.replace("T", " ")] = gone
        when = told.get(stamp.replace("T", " "))
        caught = when is not None and when < gone
        records.append((lifetime, (when - opened) / scale if caught and when else -1, opened))

    tasks = []
    for _ in range(openings):
        await asyncio.sleep(rng.expovariate(1 / 40) * scale)  # one opening every 40 s
        lifetime = math.exp(rng.uniform(math.log(30), math.log(600)))
        tasks.append(asyncio.create_task(one(next(times), lifetime)))
    await asyncio.gather(*tasks)
    elapsed = (time.perf_counter() - began) / scale
    requests = (await _control(sim, ""))["counts"].get("slots", 0) - before
    await asyncio.sleep(2 * (production + jitter) * scale)  # the last withdrawals
    await hass.async_stop()
    # From the moment an alert's last slot went to its withdrawal, in production seconds.
    withdrawals = [
        (withdrawn[tag] - max(taken[stamp] for stamp in stamps)) / scale
        for tag, stamps in alerts.items()
        if tag in withdrawn and stamps and all(stamp in taken for stamp in stamps)
    ]
    return {
        "interval_s": production,
        "lifetimes_s": [r[0] for r in records],
        "waits_s": [r[1] for r in records],  # -1: missed
        "requests_per_hour": requests / elapsed * 3600,
        "alerts": len(alerts),
        "withdrawal_waits_s": withdrawals,
    }


class Phone:
    """A notify action that counts what the announce blueprint sends, per alert tag."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Register `notify.bench_phone`."""
        self.calls: list[dict[str, Any]] = []
        hass.services.async_register("notify", "bench_phone", self._notify)

    async def _notify(self, call: ServiceCall) -> None:
        self.calls.append(dict(call.data))

    def per_watch(self, subentries: list[str]) -> dict[str, dict[str, int]]:
        """Alerts and withdrawals sent, per watch (its subentry id is in the alert's tag)."""
        counts = {sub: {"alerts": 0, "withdrawals": 0} for sub in subentries}
        for call in self.calls:
            sub = str(call["data"]["tag"]).removeprefix("nexus-").rsplit("-", 1)[0]
            kind = "withdrawals" if str(call["message"]).startswith("Gone") else "alerts"
            counts[sub][kind] += 1
        return counts


async def release(sim: str, port: int, size: int, interval: float) -> dict[str, Any]:
    """Release `size` slots at one centre in one poll, then take them all.

    Two watches of the centre, and the announce blueprint, as a user imports it, telling a
    phone about both: what it sends is counted, per watch. Polling is scaled down to
    `interval` seconds, as in the latency case.
    """
    _scale_polling_to(interval)
    centre = 5020
    await _control(sim, "/regenerate", open_slots=10, locations=[centre])
    hass, _database = await _start("release", [centre], sim, port, automations=True)
    await _setup_integration(hass, [centre, centre])
    entry = hass.config_entries.async_entries("nexus")[0]
    phone = Phone(hass)
    events = sorted(
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == "event"
    )
    announce = {
        "id": "announce",
        "use_blueprint": {
            "path": "nexus/announce_openings.yaml",
            "input": {"slot_event": events, "notify_actions": ["notify.bench_phone"]},
        },
    }
    # As the automation editor saves one: to automations.yaml, then reloaded.
    (Path(hass.config.config_dir) / "automations.yaml").write_text(
        json.dumps([announce]), encoding="utf-8"
    )
    await hass.services.async_call("automation", "reload", blocking=True)
    if not hass.states.async_all("automation"):
        raise RuntimeError("the announce automation did not load")

    async def next_poll() -> None:
        """Wait for the stand-in to be asked for the centre's slots once more."""
        before = (await _control(sim, ""))["counts"].get("slots", 0)
        async with asyncio.timeout(interval * 4):
            # The stand-in is another process: its count can only be asked for again.
            while (await _control(sim, ""))["counts"].get("slots", 0) == before:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        await hass.async_block_till_done()

    async def set_all(stamps: list[str], available: int) -> None:
        await asyncio.gather(
            *(
                _control(sim, "/slots", location=centre, start=t, available=available)
                for t in stamps
            )
        )

    times = _weekday_times()
    stamps = [next(times) for _ in range(size)]
    await next_poll()
    await set_all(stamps, 1)  # at once, just after a poll: the next one sees them all
    for _ in range(2):
        await next_poll()
    await hass.async_block_till_done()
    told = {e: hass.states.get(e).attributes.get("count") for e in events}  # type: ignore[union-attr]
    await set_all(stamps, 0)
    for _ in range(2):
        await next_poll()
    await hass.async_block_till_done()
    await hass.async_stop()
    return {
        "slots": size,
        "told_per_alert": told,
        "per_watch": phone.per_watch(list(entry.subentries)),
    }


async def statistics_cost(
    sim: str, port: int, openings: int, periods: int, counted: bool
) -> dict[str, Any]:
    """Measure what one watch's database grows by, with *Openings counted* or without it.

    `openings` openings and `periods` 5-minute runs of the statistics; the difference between
    the two runs is the sensor's cost.

    The statistics are compiled for the coming periods at once (the recorder's own task, for
    a start it is given): a day's worth is 288 periods, 24 of them closing an hour.
    """
    centre = NEXUS_BENCH_CENTRE
    await _control(sim, "/regenerate", open_slots=10, locations=[centre])
    _back_to_back()  # the openings come back to back
    hass, database = await _start("integration", [centre], sim, port)
    await _setup_integration(hass, [centre])
    entry = hass.config_entries.async_entries("nexus")[0]
    registry = er.async_get(hass)
    (sensor,) = (
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.unique_id.endswith("_openings_total")
    )
    if not counted:
        registry.async_update_entity(sensor, disabled_by=er.RegistryEntryDisabler.USER)
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
    await entry.runtime_data.async_refresh()
    before = await _settled_bytes(hass, database)
    times = _weekday_times()
    for _ in range(openings):
        await _control(sim, "/slots", location=centre, start=next(times), available=1)
        await entry.runtime_data.async_refresh()
        await hass.async_block_till_done()
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    start += timedelta(minutes=5 - start.minute % 5)
    for period in range(periods):
        get_instance(hass).queue_task(StatisticsTask(start + period * timedelta(minutes=5), False))
    after = await _settled_bytes(hass, database)
    state = hass.states.get(sensor)
    await hass.async_stop()
    return {
        "openings": openings,
        "periods": periods,
        "counted": state.state if state else None,
        **{kind: after[kind] - before[kind] for kind in before},
    }


def main() -> None:
    """Parse the arguments the bench runner passes and print the figures as JSON.

    python -m bench.worker integration|rest SIM PORT CYCLES CENTRES SIZE [history]
    python -m bench.worker latency SIM PORT TRIALS INTERVAL
    python -m bench.worker catch SIM PORT OPENINGS PRODUCTION_INTERVAL JITTER SCALE
    python -m bench.worker release SIM PORT SLOTS INTERVAL
    python -m bench.worker statistics SIM PORT OPENINGS PERIODS counted|not-counted
    """
    way, sim, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        if way == "latency":
            figures = asyncio.run(latency(sim, port, int(sys.argv[4]), float(sys.argv[5])))
        elif way == "statistics":
            openings, periods, counted = sys.argv[4:7]
            figures = asyncio.run(
                statistics_cost(sim, port, int(openings), int(periods), counted == "counted")
            )
        elif way == "release":
            figures = asyncio.run(release(sim, port, int(sys.argv[4]), float(sys.argv[5])))
        elif way == "catch":
            openings, production, jitter, scale = sys.argv[4:8]
            figures = asyncio.run(
                catch_rate(sim, port, int(openings), float(production), float(jitter), float(scale))
            )
        else:
            centres = [int(c) for c in sys.argv[5].split(",")]
            size = int(sys.argv[6])
            history = sys.argv[7:8] == ["history"]
            figures = asyncio.run(work(way, centres, size, int(sys.argv[4]), sim, port, history))
    except Exception as err:  # noqa: BLE001 (reported to the runner, which fails)
        print(f"bench worker failed: {err!r}", file=sys.stderr, flush=True)
        # Home Assistant's own threads would keep a failed process alive.
        os._exit(1)
    print(json.dumps(figures), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()

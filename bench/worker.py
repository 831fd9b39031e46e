"""One benchmarked Home Assistant, in its own process: python -m bench.worker WAY K S... .

Home Assistant runs in this process, so each update cycle is driven directly through the
coordinators (no debounce) and the event loop's own CPU time is read with time.thread_time.
Prints one JSON object with the figures.
"""

import asyncio
import json
import os
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any

import aiohttp
from homeassistant import bootstrap
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.recorder import get_instance
from homeassistant.runner import RuntimeConfig

from .rest_config import rest_yaml

ROOT = Path(__file__).parents[1]
CYCLES_PER_DAY = 24 * 60 // 3  # both ways poll every 3 minutes

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


def _db_bytes(config_dir: Path) -> int:
    return sum(p.stat().st_size for p in config_dir.glob("home-assistant_v2.db*"))


async def _setup_integration(hass: HomeAssistant, centres: list[int]) -> Any:
    flow = await hass.config_entries.flow.async_init("nexus", context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    entry = result["result"]
    for cid in centres:
        sub = await hass.config_entries.subentries.async_init(
            (entry.entry_id, "centre_watch"), context={"source": SOURCE_USER}
        )
        await hass.config_entries.subentries.async_configure(
            sub["flow_id"],
            {
                "location_id": str(cid),
                "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                "minimum_places": 1,
            },
        )
        await hass.async_block_till_done()
    loaded = hass.config_entries.async_get_entry(entry.entry_id)
    if loaded is None:
        raise RuntimeError("NEXUS did not set up")
    return loaded.runtime_data.async_refresh


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


async def work(  # noqa: PLR0917
    way: str, centres: list[int], sizes: list[int], cycles: int, sim: str, port: int
) -> dict[str, Any]:
    """Set up one Home Assistant, measure every S, stop it."""
    config_dir = Path(tempfile.mkdtemp(prefix=f"nexus-bench-{way}-"))
    config = CONFIG.format(port=port)
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
    refresh = (
        await _setup_integration(hass, centres) if way == "integration" else _rest_refresh(hass)
    )
    writes = 0

    @callback
    def count(_event: Event[Any]) -> None:
        nonlocal writes
        writes += 1

    hass.bus.async_listen(EVENT_STATE_CHANGED, count)
    recorder = get_instance(hass)
    out: dict[str, Any] = {}
    for size in sizes:
        await _control(sim, "/regenerate", open_slots=size, locations=centres)
        for _ in range(2):  # warm up, and see the new slots once
            await refresh()
            await hass.async_block_till_done()
        await recorder.async_block_till_done()
        await asyncio.sleep(1.5)
        await recorder.async_block_till_done()
        db_before, writes_before = _db_bytes(config_dir), writes
        cpu, wall = [], []
        requests = received = 0
        for cycle in range(cycles):
            # Real schedules move: the soonest slot of each centre is taken and a new one opens
            # between two polls, so both ways have something to write.
            for cid in centres:
                await _churn(sim, cid, cycle)
            before = await _control(sim, "")
            t_cpu, t_wall = time.thread_time(), time.perf_counter()
            await refresh()
            await hass.async_block_till_done()
            cpu.append(time.thread_time() - t_cpu)
            wall.append(time.perf_counter() - t_wall)
            after = await _control(sim, "")
            requests += sum(after["counts"].values()) - sum(before["counts"].values())
            received += sum(after["bytes"].values()) - sum(before["bytes"].values())
        await recorder.async_block_till_done()
        await asyncio.sleep(1.5)
        await recorder.async_block_till_done()
        out[str(size)] = {
            "cpu_ms": 1000 * statistics.median(cpu),
            "wall_ms": 1000 * statistics.median(wall),
            "requests": requests / cycles,
            "kib": received / 1024 / cycles,
            "state_writes": (writes - writes_before) / cycles,
            "db_kib_per_day": (_db_bytes(config_dir) - db_before) / 1024 / cycles * CYCLES_PER_DAY,
            "floor_ms": await _floor(sim, centres, cycles) if way == "integration" else None,
        }
    await hass.async_stop()
    return out


def main() -> None:
    """Parse the arguments the bench runner passes and print the figures as JSON."""
    way, sim, port, cycles = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    centres = [int(c) for c in sys.argv[5].split(",")]
    sizes = [int(s) for s in sys.argv[6].split(",")]
    try:
        figures = asyncio.run(work(way, centres, sizes, cycles, sim, port))
    except Exception as err:  # noqa: BLE001 (reported to the runner, which fails)
        print(f"bench worker failed: {err!r}", file=sys.stderr, flush=True)
        # Home Assistant's own threads would keep a failed process alive.
        os._exit(1)
    print(json.dumps(figures), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()

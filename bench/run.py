"""Run the benchmark: this integration against the REST-sensor way, side by side.

python -m bench [--smoke]   (scripts/bench; results in bench/RESULTS.md)
"""

import argparse
import json
import os
from pathlib import Path
import random
import socket
import statistics
import subprocess
import sys
import time
from typing import Any
from urllib.request import urlopen

from simulator import load_scenario

ROOT = Path(__file__).parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
NEXUS_IDS = sorted(
    int(c["id"])
    for c in load_scenario("bench").locations
    if any(s["name"] == "NEXUS" for s in c["services"])
)
WAYS = ("integration", "rest")
FIELDS = ("cpu_ms", "wall_ms", "requests", "kib", "state_writes", "db_kib_per_day")


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_simulator() -> tuple[subprocess.Popen[bytes], str]:
    """Start the stand-in with the bench scenario and wait until it answers."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "simulator", "--port", str(port), "--scenario", "bench"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urlopen(f"{url}/_control", timeout=1):  # noqa: S310 (loopback)
                return process, url
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the stand-in did not start")


def run_worker(way: str, sim: str, centres: list[int], sizes: list[int], cycles: int) -> Any:
    """Benchmark one way with K centres in a fresh process; return its figures per S."""
    command = [
        sys.executable,
        "-m",
        "bench.worker",
        way,
        sim,
        str(free_port()),
        str(cycles),
        ",".join(map(str, centres)),
        ",".join(map(str, sizes)),
    ]
    done = subprocess.run(  # noqa: S603
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=900,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"bench worker ({way}, K={len(centres)}) failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def latency(trials: int, update_ms: float) -> tuple[float, float]:
    """Model detection latency: an opening at a random moment waits for the next poll.

    The wait follows the production schedule (3 minutes plus 0-15 s of jitter); the measured
    update time is added. Measuring it for real takes minutes of wall clock per trial.
    """
    rng = random.Random(1)
    waits = sorted(
        rng.uniform(0, 180 + rng.uniform(0, 15)) + update_ms / 1000 for _ in range(trials)
    )
    return statistics.median(waits), waits[int(trials * 0.95)]


def ratio(x: float, y: float) -> str:
    """Format x/y, or n/a when y is zero."""
    return f"{x / y:.1f}" if y else "n/a"


def report(
    results: dict[int, dict[str, Any]], ks: list[int], ss: list[int], repeats: int, cycles: int
) -> str:
    """Format the results as Markdown."""
    rows = [
        (
            "| K | S | way | loop CPU ms/cycle | wall ms/cycle | requests/cycle | KiB/cycle "
            "| state writes/cycle | DB KiB/day |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    ratios = [
        "| K | S | CPU (b)/(a) | DB growth (b)/(a) | CPU (a)/floor | floor ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for k in ks:
        for s in ss:
            a, b = results[k]["integration"][str(s)], results[k]["rest"][str(s)]
            for name, r in (("(a) integration", a), ("(b) rest + template", b)):
                rows.append(
                    f"| {k} | {s} | {name} | {r['cpu_ms']:.2f} | {r['wall_ms']:.1f} | "
                    f"{r['requests']:.1f} | {r['kib']:.0f} | {r['state_writes']:.1f} | "
                    f"{r['db_kib_per_day']:.0f} |"
                )
            ratios.append(
                f"| {k} | {s} | {ratio(b['cpu_ms'], a['cpu_ms'])} | "
                f"{ratio(b['db_kib_per_day'], a['db_kib_per_day'])} | "
                f"{ratio(a['cpu_ms'], a['floor_ms'])} | {a['floor_ms']:.2f} |"
            )
    biggest = results[ks[-1]]["integration"][str(ss[-1])]
    median, p95 = latency(10_000, biggest["wall_ms"])
    return (
        f"K watched centres, S open slots per centre; medians over {repeats} run(s) of "
        f"{cycles} update cycles, Home Assistant in its own process with the "
        "recorder on SQLite, against the scheduler stand-in. Between two cycles the soonest "
        "slot of each centre is taken and a new one opens, so both ways have states to write.\n\n"
        + "\n".join(rows)
        + "\n\n"
        + "\n".join(ratios)
        + f"\n\nDetection latency (modelled, 10,000 trials, update time of the largest case "
        f"added): median {median:.0f} s, 95th percentile {p95:.0f} s, for a 180 s polling "
        "interval plus up to 15 s of jitter.\n"
    )


def main() -> None:
    """Run every case, print the table and write it to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--smoke", action="store_true", help="K=1, S=10, one run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    ks, ss, repeats, cycles = (
        ([1], [10], 1, 2) if args.smoke else ([1, 5, 26], [10, 500, 5000], 1, 5)
    )
    started = time.perf_counter()
    simulator, sim = start_simulator()
    results: dict[int, dict[str, Any]] = {}
    try:
        for k in ks:
            results[k] = {}
            for way in WAYS:
                runs = [run_worker(way, sim, NEXUS_IDS[:k], ss, cycles) for _ in range(repeats)]
                results[k][way] = {
                    str(s): {
                        field: statistics.median(run[str(s)][field] for run in runs)
                        for field in (*FIELDS, *(("floor_ms",) if way == "integration" else ()))
                    }
                    for s in ss
                }
                print(f"bench: K={k} {way}: {results[k][way]}", flush=True)
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)
    text = "# Benchmark results\n\n" + report(results, ks, ss, repeats, cycles)
    took = time.perf_counter() - started
    text += f"\nRun: `scripts/bench{' --smoke' if args.smoke else ''}`, {took:.0f} s.\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

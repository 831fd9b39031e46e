"""Run the benchmark: this integration against the REST-sensor way, side by side.

python -m bench [--smoke] [--out FILE]   (scripts/bench; results in bench/RESULTS.md)
"""

import argparse
from collections.abc import Callable
from datetime import timedelta
import importlib
import json
import os
from pathlib import Path
import statistics
import subprocess
import sys
import time
from typing import Any

from simulator import load_scenario
from simulator.process import free_port, start_simulator

from . import cadence_sim

ROOT = Path(__file__).parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
NEXUS_IDS = sorted(
    int(c["id"])
    for c in load_scenario("bench").locations
    if any(s["name"] == "NEXUS" for s in c["services"])
)
WAYS = ("integration", "rest")
# The integration's polling, read at run time (mypy checks the integration as its own package).
_CONST = importlib.import_module("custom_components.nexus.const")
SLOT_INTERVAL: timedelta = _CONST.SLOT_INTERVAL
SLOT_JITTER_SECONDS: float = _CONST.SLOT_JITTER_SECONDS
CATCH_SCALE_DOWN = 60  # the catch-rate case runs 60 times faster than real time
RELEASE_SLOTS = 40  # a block of times published at once
# What "Openings counted" costs the recorder in a day: a busy centre's openings that fit the
# watch, and a day of statistics runs (288 of 5 minutes, 24 of them closing an hour).
OPENINGS_A_DAY, PERIODS_A_DAY = 20, 288
# The polling compared for the catch rate: this release's, and the 3 minutes before it.
CADENCES = {
    f"every {SLOT_INTERVAL.total_seconds():g} s + 0-{SLOT_JITTER_SECONDS:g} s (now)": (
        SLOT_INTERVAL.total_seconds(),
        SLOT_JITTER_SECONDS,
    ),
    "every 180 s + 0-15 s (before)": (180.0, 15.0),
}
FIELDS = (
    "cpu_ms",
    "cpu_same_ms",
    "wall_ms",
    "requests",
    "kib",
    "state_writes",
    "db_kib_per_day",
)


def run_worker(way: str, sim: str, *args: object) -> Any:
    """Run one benchmark worker (bench/worker.py) in a fresh process; return its figures."""
    command = [sys.executable, "-m", "bench.worker", way, sim, str(free_port())]
    done = subprocess.run(  # noqa: S603
        command + [str(arg) for arg in args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=900,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"bench worker ({way} {args}) failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratio(x: float, y: float) -> str:
    """Format x/y, or n/a when y is zero."""
    return f"{x / y:.1f}" if y else "n/a"


def _case_rows(results: dict[int, dict[str, Any]], ks: list[int], ss: list[int]) -> list[str]:
    rows = [
        (
            "| K | S | way | loop CPU ms/cycle | same, nothing changed | wall ms/cycle "
            "| requests/cycle | KiB/cycle | state writes/cycle | recorder KiB/day |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for k in ks:
        for s in ss:
            for name, way in (("(a) integration", "integration"), ("(b) rest + template", "rest")):
                r = results[k][way][str(s)]
                rows.append(
                    f"| {k} | {s} | {name} | {r['cpu_ms']:.2f} | {r['cpu_same_ms']:.2f} | "
                    f"{r['wall_ms']:.1f} | {r['requests']:.1f} | {r['kib']:.0f} | "
                    f"{r['state_writes']:.1f} | {r['db_kib_per_day']:.0f} |"
                )
            floor = results[k]["integration"][str(s)]["floor_ms"]
            rows.append(
                f"| {k} | {s} | floor: fetch + decode | {floor:.2f} | {floor:.2f} | | | | | |"
            )
    return rows


def _ratio_rows(results: dict[int, dict[str, Any]], ks: list[int], ss: list[int]) -> list[str]:
    rows = [
        (
            "| K | S | CPU (b)/(a) | same, nothing changed | recorder (b)/(a) | CPU (a)/floor "
            "| same, nothing changed | (a) CPU ms per centre |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for k in ks:
        for s in ss:
            a, b = results[k]["integration"][str(s)], results[k]["rest"][str(s)]
            rows.append(
                f"| {k} | {s} | {ratio(b['cpu_ms'], a['cpu_ms'])} | "
                f"{ratio(b['cpu_same_ms'], a['cpu_same_ms'])} | "
                f"{ratio(b['db_kib_per_day'], a['db_kib_per_day'])} | "
                f"{ratio(a['cpu_ms'], a['floor_ms'])} | "
                f"{ratio(a['cpu_same_ms'], a['floor_ms'])} | {a['cpu_ms'] / k:.2f} |"
            )
    return rows


type Case = tuple[dict[str, Any], dict[str, Any], int]  # (a), (b), K
type Check = Callable[[Case], bool]

TARGETS: tuple[tuple[str, Check, Check | None], ...] = (
    (
        "loop CPU at least 10x below (b)",
        lambda c: c[1]["cpu_ms"] >= 10 * c[0]["cpu_ms"],
        lambda c: c[1]["cpu_same_ms"] >= 10 * c[0]["cpu_same_ms"],
    ),
    (
        "loop CPU at most 2x the floor",
        lambda c: c[0]["cpu_ms"] <= 2 * c[0]["floor_ms"],
        lambda c: c[0]["cpu_same_ms"] <= 2 * c[0]["floor_ms"],
    ),
    (
        "recorder growth at least 10x below (b)",
        lambda c: c[1]["db_kib_per_day"] >= 10 * c[0]["db_kib_per_day"],
        None,
    ),
    ("requests per cycle = watched centres", lambda c: c[0]["requests"] == c[2], None),
)


def _targets(results: dict[int, dict[str, Any]], ks: list[int], ss: list[int]) -> list[str]:
    """Say in how many cases the integration meets each of the benchmark's targets."""
    cases = [
        (results[k]["integration"][str(s)], results[k]["rest"][str(s)], k) for k in ks for s in ss
    ]

    def met(check: Check | None) -> str:
        return "" if check is None else f"{sum(map(check, cases))} of {len(cases)} cases"

    rows = ["| target | met with a change | met, nothing changed |", "| --- | --- | --- |"]
    rows += [f"| {name} | {met(changed)} | {met(same)} |" for name, changed, same in TARGETS]
    return rows


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _latency_text(figures: dict[str, Any]) -> str:
    waits = sorted(figures["waits_s"])
    period = figures["period_s"]
    median, p95 = statistics.median(waits), _p95(waits)
    production = SLOT_INTERVAL.total_seconds() + SLOT_JITTER_SECONDS / 2  # the mean period
    return (
        f"Detection latency, measured: {len(waits)} openings at random moments, each timed "
        "from the stand-in opening the slot to the event entity firing, with the polling "
        f"interval scaled from {SLOT_INTERVAL.total_seconds():g} s down to "
        f"{figures['interval_s']:g} s (jitter scaled too; mean period measured {period:.2f} s). "
        f"Median {median:.2f} s, 95th percentile {p95:.2f} s: {median / period:.2f} and "
        f"{p95 / period:.2f} of the polling period, that is about "
        f"{median / period * production:.0f} s and {p95 / period * production:.0f} s at the "
        "production interval.\n"
    )


BOOKING_S = 60  # opening the booking page, logging in (two factors) and picking the slot
SHORT_S = 120  # "gone within 2 minutes"


def _percent(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


def catch_figures(figures: dict[str, Any]) -> dict[str, float]:
    """Summarise one catch-rate run: rates in percent, waits in production seconds.

    Caught: the alert fired while the slot was still open. Bookable: it fired with at least
    BOOKING_S of the slot's life left, the time a person needs to book it.
    """
    pairs = list(zip(figures["lifetimes_s"], figures["waits_s"], strict=True))
    caught = [wait for _life, wait in pairs if wait >= 0]
    short = [(life, wait) for life, wait in pairs if life < SHORT_S]

    def bookable(rows: list[tuple[float, float]]) -> int:
        return sum(wait >= 0 and life - wait >= BOOKING_S for life, wait in rows)

    withdrawals = figures["withdrawal_waits_s"]
    return {
        "openings": len(pairs),
        "caught_pct": _percent(len(caught), len(pairs)),
        "bookable_pct": _percent(bookable(pairs), len(pairs)),
        "short": len(short),
        "short_caught_pct": _percent(sum(w >= 0 for _life, w in short), len(short)),
        "short_bookable_pct": _percent(bookable(short), len(short)),
        "median_wait_s": statistics.median(caught) if caught else 0.0,
        "p95_wait_s": _p95(caught) if caught else 0.0,
        "requests_per_hour": figures["requests_per_hour"],
        "alerts": figures["alerts"],
        "withdrawals": len(withdrawals),
        "median_withdrawal_s": statistics.median(withdrawals) if withdrawals else 0.0,
        "p95_withdrawal_s": _p95(withdrawals) if withdrawals else 0.0,
    }


def _catch_text(runs: dict[str, dict[str, float]]) -> str:
    rows = [
        (
            "| polling | openings | caught | bookable | lifetime under 2 min: caught | "
            "bookable | median time to alert | 95th percentile | slot requests an hour per "
            "centre |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows += [
        f"| {name} | {r['openings']} | {r['caught_pct']:.1f} % | {r['bookable_pct']:.1f} % | "
        f"{r['short_caught_pct']:.1f} % | {r['short_bookable_pct']:.1f} % (of {r['short']}) | "
        f"{r['median_wait_s']:.0f} s | {r['p95_wait_s']:.0f} s | {r['requests_per_hour']:.0f} |"
        for name, r in runs.items()
    ]
    gone = [
        f"| {name} | {r['alerts']} | {r['withdrawals']} | {r['median_withdrawal_s']:.0f} s | "
        f"{r['p95_withdrawal_s']:.0f} s | {period + jitter + 5:g} s |"
        for (name, r), (period, jitter) in zip(runs.items(), CADENCES.values(), strict=False)
    ]
    return (
        "Catch rate, measured: openings at random moments (one every 40 s on average, several "
        "open at once), each taken again after a lifetime drawn log-uniform from 30 s to "
        "10 min; caught when its `slot_opened` alert fired while the stand-in still held the "
        f"slot, *bookable* when it fired with at least {BOOKING_S} s of the slot's life left "
        "(the time it takes to open the booking page, log in and pick it). Time scaled down "
        f"{CATCH_SCALE_DOWN}x, polling included; times below are production seconds.\n\n"
        + "\n".join(rows)
        + "\n\nWithdrawals, in the same runs: from the moment the last slot of an alert was "
        "taken at the stand-in to its `slots_gone` event (goal: within one polling period, "
        "its jitter included, + 5 s).\n\n"
        + "| polling | alerts | withdrawn | median | 95th percentile | goal |\n"
        + "| --- | --- | --- | --- | --- | --- |\n"
        + "\n".join(gone)
        + "\n"
    )


def release_text(figures: dict[str, Any]) -> str:
    """Say what a release of many slots in one poll sent, per watch."""
    watches = figures["per_watch"].values()
    alerts = sorted({w["alerts"] for w in watches})
    withdrawals = sorted({w["withdrawals"] for w in watches})
    told = sorted(set(figures["told_per_alert"].values()))
    return (
        f"A release, measured: {figures['slots']} slots opened at one centre between two "
        f"polls, watched by {len(figures['per_watch'])} watches, each announced by the "
        "announce blueprint to a phone; then all taken. Notifications per watch: "
        f"{' / '.join(map(str, alerts))} for the release (goal 1; its alert counted "
        f"{' / '.join(map(str, told))} slots), {' / '.join(map(str, withdrawals))} when they "
        "were gone.\n"
    )


def cadence_text(figures: dict[str, Any], seeds: int) -> str:
    """Compare the planner with the fixed minute, both models (bench/cadence_sim.py)."""
    rows = [
        (
            "| model | polling | caught | bookable (spread of the runs) | released slots "
            "alerted within 30 s | released slots bookable | slot requests a day | most in one "
            "minute |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in figures.items():
        model, way = name.split(" ", 1)
        released = (
            f"{r['released_within_30_s_pct']:.0f} % | {r['released_bookable_pct']:.0f} %"
            if r["released"]
            else "(none) | (none)"
        )
        rows.append(
            f"| {model} | {way} | {r['caught_pct']:.1f} % | {r['bookable_pct']:.1f} % "
            f"({r['bookable_spread']:.1f}) | {released} | {r['requests_per_day']:.0f} | "
            f"{r['most_requests_in_a_minute']:.0f} |"
        )
    shares = ", ".join(
        f"{hour:02d}h {share:.1f}" for hour, share in enumerate(cadence_sim.hourly_share("W"))
    )
    night = sum(cadence_sim.hourly_share("W")[h] for h in (*range(22, 24), *range(7)))
    return (
        "## The cadence planner against a fixed minute\n\n"
        f"Simulated weeks at one centre, {seeds} per model and way (each with its own openings, "
        "history and jitter; figures are their means): the polls fall where the integration's "
        "own planner puts them (the coordinator's code, jitter included), and an opening is "
        "seen at the first poll while it is open. The planner learns from the 30 days before "
        f"the week, made by the same model. {cadence_sim.OPENINGS_PER_DAY} openings a day, "
        "lifetimes log-uniform from 30 s to 10 min. Model U: uniform in time. Model W: by hour "
        f"of the day, in percent of a day's openings: {shares} ({night:.0f} % from 22:00 to "
        f"07:00), plus the first Monday's release at 09:00 of {cadence_sim.RELEASE_SLOTS} "
        "slots with lifetimes from 1 to 10 min. Bookable: seen with at least 60 s left.\n\n"
        + "\n".join(rows)
        + "\n\nThe planner's bookable rate less the fixed minute's, on the same weeks: "
        + "; ".join(
            f"model {name.split()[0]} {gain[0]:+.1f} points (from {gain[1]:+.1f} to {gain[2]:+.1f})"
            for name, r in figures.items()
            if (gain := r.get("bookable_gain"))
        )
        + ".\n"
    )


HISTORY_FIELDS = ("cpu_ms", "cpu_same_ms", "history_ms", "write_ms", "openings_stored")


def history_cost(
    sim: str, cases: list[tuple[int, int]], repeats: int, cycles: int
) -> dict[str, dict[str, float]]:
    """Run the integration without and with a full history; medians per case."""
    results: dict[str, dict[str, float]] = {}
    for k, s in cases:
        centres = ",".join(map(str, NEXUS_IDS[:k]))
        for label, extra in (("without", ()), ("with", ("history",))):
            runs = [
                run_worker("integration", sim, cycles, centres, s, *extra) for _ in range(repeats)
            ]
            results[f"{k} {s} {label}"] = {
                field: statistics.median(run[str(s)][field] for run in runs)
                for field in HISTORY_FIELDS
            }
            print(f"bench: history K={k} S={s} {label}: {results[f'{k} {s} {label}']}")
    return results


def _history_text(results: dict[str, dict[str, float]], repeats: int) -> str:
    rows = [
        "## The history of openings: cost per update with a full history\n",
        (
            f"The integration without any history, and with the largest it keeps (3,000 openings "
            f"and 500 releases per centre, over 90 days), started from it; loop CPU per cycle, "
            f"medians of {repeats} run(s). Target: within 10 % of the cost without.\n"
        ),
        (
            "| K | S | with a change: without / with, ms | ratio | nothing changed: without / "
            "with, ms | ratio | the history's share of a cycle with a change: without / with, "
            "ms | openings stored | writing them, ms (once, off the poll) |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    cases = sorted({tuple(map(int, key.split()[:2])) for key in results})
    for k, s in cases:
        off, on = results[f"{k} {s} without"], results[f"{k} {s} with"]
        rows.append(
            f"| {k} | {s} | {off['cpu_ms']:.2f} / {on['cpu_ms']:.2f} | "
            f"{on['cpu_ms'] / off['cpu_ms']:.2f} | {off['cpu_same_ms']:.2f} / "
            f"{on['cpu_same_ms']:.2f} | {on['cpu_same_ms'] / off['cpu_same_ms']:.2f} | "
            f"{off['history_ms']:.3f} / {on['history_ms']:.3f} | "
            f"{on['openings_stored']:.0f} | {on['write_ms']:.1f} |"
        )
    return "\n".join(rows) + "\n"


def statistics_figures(sim: str, openings: int, periods: int) -> dict[str, Any]:
    """Run the statistics case with and without the sensor; return both and the difference."""
    runs = {
        counted: run_worker("statistics", sim, openings, periods, counted)
        for counted in ("counted", "not-counted")
    }
    kinds = ("states", "short_term", "hourly")
    return runs | {
        "added": {kind: runs["counted"][kind] - runs["not-counted"][kind] for kind in kinds}
    }


def statistics_text(figures: dict[str, Any]) -> str:
    """Say what the sensor added to the recorder's database."""
    added, runs = figures["added"], figures["counted"]
    return (
        f"Openings counted, measured: one watch, {runs['openings']} openings and "
        f"{runs['periods']} statistics runs of 5 minutes, with the sensor and without it "
        f"(the sensor's state at the end: {runs['counted']}). It added "
        f"{added['states']} bytes of states, {added['short_term']} bytes of 5-minute "
        f"statistics and {added['hourly']} bytes of hourly statistics (SQLite dbstat, rows "
        "and index entries). States and 5-minute statistics are purged after the recorder's "
        "keep days (10 by default); hourly statistics are kept.\n"
    )


def report(  # noqa: PLR0917
    results: dict[int, dict[str, Any]],
    ks: list[int],
    ss: list[int],
    repeats: int,
    cycles: int,
    latency: dict[str, Any],
    catch: dict[str, dict[str, float]],
    released: dict[str, Any],
    cadence: tuple[dict[str, Any], int],
    history: tuple[dict[str, dict[str, float]], int],
    counted: dict[str, Any],
) -> str:
    """Format the results as Markdown."""
    return (
        f"K watched centres (one watch each), S open slots per centre; medians over {repeats} "
        f"run(s) of {cycles} update cycles; Home Assistant in its own process with the "
        "recorder on SQLite, against the scheduler stand-in. Between two cycles the soonest "
        "slot of each centre is taken and a new one opens, so both ways have states to write; "
        "then as many cycles with nothing changed, as most real polls are. "
        "Loop CPU is the event loop thread's CPU time for one cycle (fetch, parse, entities, "
        "state machine); recorder KiB/day is the bytes of rows and index entries the recorder "
        "added (SQLite dbstat), per cycle, times 480 cycles a day. The floor only fetches and "
        "decodes the same answers in the same process.\n\n"
        + "\n".join(_case_rows(results, ks, ss))
        + "\n\n"
        + "\n".join(_ratio_rows(results, ks, ss))
        + "\n\n"
        + "\n".join(_targets(results, ks, ss))
        + "\n\n"
        + _latency_text(latency)
        + "\n"
        + _catch_text(catch)
        + "\n"
        + release_text(released)
        + "\n"
        + cadence_text(*cadence)
        + "\n"
        + _history_text(*history)
        + "\n"
        + statistics_text(counted)
    )


def main() -> None:
    """Run every case, print the table and write it to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--smoke", action="store_true", help="K=1, S=10, one run")
    parser.add_argument(
        "--out",
        type=Path,
        help="where to write the Markdown (default: bench/RESULTS.md, "
        "or nowhere with --smoke, so that a smoke run never replaces the real results); "
        "the figures go beside it as JSON (RESULTS.json)",
    )
    args = parser.parse_args()
    ks, ss, repeats, cycles = (
        ([1], [10], 1, 2) if args.smoke else ([1, 5, 26], [10, 500, 5000], 1, 7)
    )
    trials, interval = (2, 2.0) if args.smoke else (40, 4.0)
    openings = 4 if args.smoke else 200
    started = time.perf_counter()
    simulator, sim = start_simulator("bench")
    results: dict[int, dict[str, Any]] = {}
    try:
        for k in ks:
            results[k] = {}
            for way in WAYS:
                centres = ",".join(map(str, NEXUS_IDS[:k]))
                results[k][way] = {}
                # Each S in a fresh Home Assistant: going from 500 to 5000 open slots in one
                # would announce 4,500 openings per watch before the first measured cycle.
                for s in ss:
                    runs = [run_worker(way, sim, cycles, centres, s) for _ in range(repeats)]
                    results[k][way][str(s)] = {
                        field: statistics.median(run[str(s)][field] for run in runs)
                        for field in (*FIELDS, *(("floor_ms",) if way == "integration" else ()))
                    }
                    print(f"bench: K={k} S={s} {way}: {results[k][way][str(s)]}", flush=True)
        latency = run_worker("latency", sim, trials, interval)
        print(f"bench: latency: {latency}", flush=True)
        catch = {
            name: catch_figures(
                run_worker("catch", sim, openings, every, jitter, 1 / CATCH_SCALE_DOWN)
            )
            for name, (every, jitter) in list(CADENCES.items())[: 1 if args.smoke else None]
        }
        print(f"bench: catch rate: {catch}", flush=True)
        released = run_worker("release", sim, RELEASE_SLOTS, interval)
        print(f"bench: release: {released}", flush=True)
        seeds = (1,) if args.smoke else tuple(range(1, 11))
        cadence = cadence_sim.compare(seeds)
        print(f"bench: cadence: {cadence}", flush=True)
        history_repeats = 1 if args.smoke else 3
        history = history_cost(
            sim,
            [(1, 10)] if args.smoke else [(1, 10), (5, 500), (26, 10)],
            history_repeats,
            cycles,
        )
        counted = statistics_figures(
            sim, *((2, 12) if args.smoke else (OPENINGS_A_DAY, PERIODS_A_DAY))
        )
        print(f"bench: openings counted: {counted}", flush=True)
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)
    text = "# Benchmark results\n\n" + report(
        results,
        ks,
        ss,
        repeats,
        cycles,
        latency,
        catch,
        released,
        (cadence, len(seeds)),
        (history, history_repeats),
        counted,
    )
    took = time.perf_counter() - started
    text += f"\nRun: `scripts/bench{' --smoke' if args.smoke else ''}`, {took:.0f} s.\n"
    out = args.out or (None if args.smoke else RESULTS)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        figures = {
            "cases": results,
            "latency": latency,
            "catch": catch,
            "release": released,
            "cadence": cadence,
            "history": history,
            "statistics": counted,
            "seconds": took,
        }
        out.with_suffix(".json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

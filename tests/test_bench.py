"""The benchmark's smoke run (smallest case, one run), so that it cannot rot."""

import json
from pathlib import Path
import subprocess
import sys

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.usefixtures("socket_enabled")
def test_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    figures = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    cases = figures["cases"]["1"]
    for way in ("integration", "rest"):
        case = cases[way]["10"]
        # One request per watched centre per cycle, for both ways, and the cycles timed.
        assert case["requests"] == 1.0
        assert case["cpu_ms"] > 0
        assert case["state_writes"] > 0
    assert cases["integration"]["10"]["floor_ms"] > 0
    # Openings at random moments were timed until the event entity fired.
    assert len(figures["latency"]["waits_s"]) == 2
    assert all(0 < wait < 60 for wait in figures["latency"]["waits_s"])
    # Openings with random lifetimes, at the cadence of this release, counted as caught or
    # missed (the full run compares the old cadence too).
    (catch,) = figures["catch"].values()
    assert catch["openings"] == 4
    assert 0 <= catch["bookable_pct"] <= catch["caught_pct"] <= 100
    # Scaled down, the polling still costs what a minute costs: about 58 requests an hour.
    assert 40 <= catch["requests_per_hour"] <= 75
    # Every alert of the run was withdrawn once its slots were gone, and timed.
    assert catch["withdrawals"] == catch["alerts"] > 0
    assert 0 < catch["median_withdrawal_s"] <= catch["p95_withdrawal_s"]
    # A release of 40 slots in one poll: one notification per watch, then one withdrawal.
    release = figures["release"]
    assert set(release["told_per_alert"].values()) == {40}
    assert list(release["per_watch"].values()) == [{"alerts": 1, "withdrawals": 1}] * 2
    # The planner against the fixed minute, on a simulated week of each model.
    cadence = figures["cadence"]
    assert set(cadence) == {"U fixed 60 s", "U planner", "W fixed 60 s", "W planner"}
    for way in cadence.values():
        assert 0 < way["bookable_pct"] <= way["caught_pct"] <= 100
        assert way["most_requests_in_a_minute"] <= 4
    fixed, planned = cadence["W fixed 60 s"], cadence["W planner"]
    assert abs(planned["requests_per_day"] / fixed["requests_per_day"] - 1) < 0.01
    assert planned["released_within_30_s_pct"] == 100
    # The same case without and with the fullest history the integration keeps.
    assert figures["history"]["1 10 with"]["openings_stored"] == 3000
    assert figures["history"]["1 10 without"]["openings_stored"] < 3000
    # What "Openings counted" adds to the database: its states and its statistics rows.
    counted = figures["statistics"]
    assert counted["counted"]["counted"] == "2"  # both openings counted
    assert counted["not-counted"]["counted"] is None  # disabled: no state
    assert all(added > 0 for added in counted["added"].values()), counted["added"]
    # The Markdown the README quotes is written from the same figures.
    text = out.read_text(encoding="utf-8")
    assert "| 1 | 10 | (a) integration |" in text
    assert "| 1 | 10 | (b) rest + template |" in text
    assert "Detection latency, measured: 2 openings" in text
    assert "Catch rate, measured" in text
    assert "| W | planner |" in text
    assert "Notifications per watch: 1 for the release (goal 1; its alert counted 40" in text
    assert "Openings counted, measured: one watch, 2 openings and 12 statistics runs" in text

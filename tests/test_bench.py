"""The benchmark's smoke run (smallest case, one run), so that it cannot rot."""

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
    text = out.read_text(encoding="utf-8")
    assert "| 1 | 10 | (a) integration |" in text
    assert "| 1 | 10 | (b) rest + template |" in text
    # One request per watched centre per cycle, for both ways.
    assert text.count("| 1.0 |") >= 2
    # Openings at random moments were timed until the event entity fired.
    assert "Detection latency, measured: 2 openings" in text
    # Openings with random lifetimes, at the cadence of this release, counted as caught or
    # missed (the full run compares the old cadence too).
    assert "Catch rate, measured" in text
    (row,) = [line for line in text.splitlines() if line.startswith("| every 60 s")]
    assert row.split(" | ")[1] == "4"
    # The same case without and with the fullest history the integration keeps.
    (row,) = [line for line in text.splitlines() if line.startswith("| 1 | 10 | ")][-1:]
    assert row.split(" | ")[7] == "3000"

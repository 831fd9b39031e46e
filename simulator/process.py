"""Run the stand-in as a process of its own, on a free loopback port (benchmark, browser tests)."""

from pathlib import Path
import socket
import subprocess
import sys
import time
from urllib.request import urlopen


def free_port() -> int:
    """Return a TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_simulator(scenario: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m simulator` with a scenario; return the process and its root URL.

    Returns once the stand-in answers, so that nothing polls it before it listens.
    """
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "simulator", "--port", str(port), "--scenario", scenario],
        cwd=Path(__file__).parents[1],  # where the simulator package is
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urlopen(f"{url}/_control", timeout=1):  # noqa: S310 (loopback)
                return process, url
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the stand-in did not start")

"""Prepare a new demo configuration before Home Assistant first starts.

`python -m demo.seed DIR PORT` writes Home Assistant's HTTP settings (loopback only, on PORT)
and a few days of openings at the demo's centres; a file that exists already is left alone.
"""

from datetime import UTC, datetime
from pathlib import Path
import sys

from .history import seed_openings
from .provision import seed_http_config


def seed(config_dir: Path, port: int) -> None:
    """Write what a new demo configuration starts with."""
    seed_http_config(config_dir, port)
    seed_openings(config_dir, datetime.now(UTC))


if __name__ == "__main__":
    seed(Path(sys.argv[1]), int(sys.argv[2]))

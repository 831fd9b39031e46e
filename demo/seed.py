"""Prepare a new demo configuration before Home Assistant first starts.

`python -m demo.seed DIR PORT` writes Home Assistant's HTTP settings (loopback only, on PORT)
and a few days of openings at the demo's centres; a file that exists already is left alone.
"""

from datetime import UTC, datetime
import json
from pathlib import Path
import sys
from typing import Any

from custom_components.nexus.store import LEGACY_OPENINGS_KEY

from .history import demo_openings


def write_new_store(config_dir: Path, key: str, data: dict[str, Any]) -> bool:
    """Write a storage file of Home Assistant's, at its first version, unless one exists.

    Home Assistant migrates a first version itself; an existing file (a user's own settings,
    or what the integration has kept) is left alone. Returns whether it was written.
    """
    path = config_dir / ".storage" / key
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = {"version": 1, "minor_version": 1, "key": key, "data": data}
    path.write_text(json.dumps(stored), encoding="utf-8")
    return True


def seed(config_dir: Path, port: int) -> None:
    """Write what a new demo configuration starts with."""
    # Home Assistant now keeps its HTTP settings in storage (Settings > System > Network); an
    # `http:` block in configuration.yaml would raise a "deprecated YAML" repair.
    write_new_store(config_dir, "http", {"server_host": ["127.0.0.1"], "server_port": port})
    # The history goes in as earlier releases kept it (one file, no entry id): the demo's
    # entry is made after the first start, through the config flow, and Home Assistant only
    # reads storage files that were there at its start. The integration's own load path moves
    # the file to the entry's (store.LEGACY_OPENINGS_KEY), as it does for a user who upgrades.
    write_new_store(config_dir, LEGACY_OPENINGS_KEY, demo_openings(datetime.now(UTC)))


if __name__ == "__main__":
    seed(Path(sys.argv[1]), int(sys.argv[2]))

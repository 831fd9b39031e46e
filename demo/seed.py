"""Prepare a new demo configuration before Home Assistant first starts.

`python -m demo.seed DIR PORT` links this checkout's integration and blueprints into DIR,
writes the demo's configuration, dashboard and Home Assistant's HTTP settings (loopback only,
on PORT), and a few days of openings at the demo's centres; a file that exists already is
left alone. scripts/develop and the browser tests both start from it.
"""

from datetime import UTC, datetime
import json
from pathlib import Path
import shutil
import sys
from typing import Any

from custom_components.nexus.store import LEGACY_OPENINGS_KEY

from .history import demo_openings

ROOT = Path(__file__).parents[1]
# The line of configurations written before the demo had automations: automations made in the
# UI were saved to automations.yaml and never loaded.
BARE_AUTOMATION = "automation:\n"
INCLUDED_AUTOMATIONS = "automation: !include automations.yaml\n"


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


def _link(link: Path, target: Path) -> None:
    """Link `link` to `target` (a checkout's folder): edits there are what Home Assistant loads."""
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink():
        link.unlink()
    link.symlink_to(target, target_is_directory=True)


def _copy_new(source: Path, destination: Path) -> None:
    if not destination.exists():
        shutil.copy(source, destination)


def seed(config_dir: Path, port: int) -> None:
    """Write what a new demo configuration starts with."""
    _link(config_dir / "custom_components" / "nexus", ROOT / "custom_components" / "nexus")
    # The blueprints as a user who imported them has them: the demo's announce automation is
    # made from them, and the automation editor offers them.
    _link(
        config_dir / "blueprints" / "automation" / "nexus",
        ROOT / "blueprints" / "automation" / "nexus",
    )
    configuration = config_dir / "configuration.yaml"
    _copy_new(ROOT / "scripts" / "develop_configuration.yaml", configuration)
    text = configuration.read_text(encoding="utf-8")
    if BARE_AUTOMATION in text.splitlines(keepends=True):
        configuration.write_text(
            text.replace(BARE_AUTOMATION, INCLUDED_AUTOMATIONS), encoding="utf-8"
        )
    automations = config_dir / "automations.yaml"
    if not automations.exists():
        automations.write_text("[]\n", encoding="utf-8")  # what the automation editor writes to
    _copy_new(ROOT / "demo" / "dashboard.yaml", config_dir / "nexus_dashboard.yaml")
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

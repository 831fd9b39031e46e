"""Scenarios: the centre list, the slots of each centre and a timeline of changes, as data.

A scenario is a JSON file:

    {
      "locations": "path to a capture of /locations/ (relative to the scenario file)",
      "seed": 1,
      "centres": {
        "5020": {"open_slots": 12, "days": [2, 60], "hours": [8, 16], "duration": 15,
                 "capacity": 3},
        "5031": {"closed": true}
      },
      "timeline": [
        {"after": 120, "open": {"location": 5020, "in_days": 3, "at": "10:15", "available": 2}},
        {"after": 300, "take": {"location": 5020, "in_days": 3, "at": "10:15"}},
        {"after": 400, "take_soonest": {"location": 5020}},
        {"after": 600, "unlist": 5025},
        {"after": 900, "list": 5025},
        {"after": 960, "reopen": 5031}
      ],
      "repeat": 1200
    }

Slot times are generated relative to the day the simulator starts, in each centre's own time
zone, so the demo always shows future slots. A centre without a schedule (not named, or
`"closed": true`) is listed but publishes no interview time, as closed centres do; "reopen"
gives it its schedule. `after` is seconds since start; with `repeat`
the timeline starts over every that many seconds.
"""

from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Any

SCENARIO_DIR = Path(__file__).parent / "scenarios"


@dataclass(frozen=True, kw_only=True)
class CentreSlots:
    """How to generate one centre's schedule."""

    open_slots: int = 10
    days: tuple[int, int] = (1, 60)
    hours: tuple[int, int] = (8, 16)
    duration: int = 15
    capacity: int = 2
    closed: bool = False  # listed, but publishes no interview time until a "reopen" event


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A parsed scenario."""

    locations: list[dict[str, Any]]
    centres: dict[int, CentreSlots]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    repeat: float | None = None
    seed: int = 1


def _centre(raw: dict[str, Any]) -> CentreSlots:
    return CentreSlots(
        open_slots=int(raw.get("open_slots", 10)),
        days=(int(raw.get("days", [1, 60])[0]), int(raw.get("days", [1, 60])[1])),
        hours=(int(raw.get("hours", [8, 16])[0]), int(raw.get("hours", [8, 16])[1])),
        duration=int(raw.get("duration", 15)),
        capacity=int(raw.get("capacity", 2)),
        closed=bool(raw.get("closed", False)),
    )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a scenario by name (a file in simulator/scenarios) or by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    locations_path = (path.parent / raw["locations"]).resolve()
    locations = json.loads(locations_path.read_text(encoding="utf-8"))
    centres = raw.get("centres", {})
    default = centres.pop("*", None)
    parsed = {int(key): _centre(value) for key, value in centres.items()}
    if default is not None:
        # "*" gives every NEXUS centre of the list the same kind of schedule.
        for location in locations:
            if any(s.get("name") == "NEXUS" for s in location.get("services", [])):
                parsed.setdefault(int(location["id"]), _centre(default))
    return Scenario(
        locations=locations,
        centres=parsed,
        timeline=sorted(raw.get("timeline", []), key=lambda event: float(event["after"])),
        repeat=raw.get("repeat"),
        seed=int(raw.get("seed", 1)),
    )

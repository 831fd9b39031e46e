"""The cadence planner against a fixed minute, on simulated weeks of openings at one centre.

A discrete-event simulation, not a Home Assistant: polls fall where the integration's own
planner (custom_components/nexus/cadence.py, the code the coordinator calls, with the same
jitter) puts them, and an opening is seen at the first poll while it is open. The planner
learns from a history of the 30 days before the week, made by the same model; the week is
new. The catch-rate case measures the whole path (stand-in, Home Assistant, event) at the
fixed cadence; this one measures where the polls go.

Two models of a centre's openings (its clock, America/Toronto):
- U: uniform in time, lifetimes log-uniform from 30 s to 10 min (the catch-rate model);
- W: a shaped week: openings by hour of the day in HOURLY_W (at least 10 % at night,
  22:00-07:00), lifetimes as in U, plus the first Monday's release at 09:00 of 40 slots
  with lifetimes uniform from 1 to 10 min.
"""

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
import importlib
import math
import random
import statistics
from typing import Any
from zoneinfo import ZoneInfo

_CADENCE = importlib.import_module("custom_components.nexus.cadence")
_CONST = importlib.import_module("custom_components.nexus.const")
_HISTORY = importlib.import_module("custom_components.nexus.history")

ZONE = ZoneInfo("America/Toronto")
WEEK_START = datetime(2027, 1, 4, tzinfo=ZONE)  # the first Monday of January
BOOKING_S = 60  # see run.BOOKING_S
RELEASE_SLOTS = 40
RELEASE_AT = time(9, 0)
OPENINGS_PER_DAY = 48
# Model W's share of a day's openings by hour of the day (sums to 1): people cancel when
# they are awake, most in the morning and after lunch; 12 % between 22:00 and 07:00.
HOURLY_W = [
    0.015, 0.01, 0.01, 0.01, 0.01, 0.015, 0.025, 0.05, 0.08, 0.09, 0.08, 0.07,
    0.06, 0.08, 0.075, 0.065, 0.055, 0.05, 0.045, 0.04, 0.035, 0.03, 0.025, 0.02,
]  # fmt: skip
JITTER_SHARE = _CONST.SLOT_JITTER_SECONDS / _CONST.SLOT_INTERVAL.total_seconds()


@dataclass(frozen=True, slots=True)
class Slot:
    """An opening of the model: when it opened, how long it stays, whether a release's."""

    opened: datetime
    lifetime: float  # seconds
    released: bool = False


def _lifetime(rng: random.Random) -> float:
    return math.exp(rng.uniform(math.log(30), math.log(600)))


def _is_first_monday(day: date) -> bool:
    return day.weekday() == 0 and day.day <= 7


def openings(model: str, start: datetime, days: int, rng: random.Random) -> list[Slot]:
    """Return the model's openings over `days` days from `start` (the centre's midnight)."""
    slots: list[Slot] = []
    for offset in range(days):
        midnight = (start + timedelta(days=offset)).replace(hour=0)
        for _ in range(OPENINGS_PER_DAY):
            hour = rng.randrange(24) if model == "U" else rng.choices(range(24), HOURLY_W)[0]
            opened = midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            slots.append(Slot(opened.astimezone(UTC), _lifetime(rng)))
        if model == "W" and _is_first_monday(midnight.date()):
            release = datetime.combine(midnight.date(), RELEASE_AT, ZONE).astimezone(UTC)
            slots += [
                Slot(release, rng.uniform(60, 600), released=True) for _ in range(RELEASE_SLOTS)
            ]
    return sorted(slots, key=lambda s: s.opened)


def history(model: str, rng: random.Random) -> Any:
    """Return the 30 days before the week as the integration would have recorded them.

    Each opening as an opening (seen when it opened, gone when it went), a release as a
    release; from 35 days back, so that the centre has been watched for the whole basis.
    """
    slots = openings(model, WEEK_START - timedelta(days=35), 35, rng)
    recorded = [
        _HISTORY.Opening(
            key=f"5022 {n}",
            start=slot.opened + timedelta(days=30),
            end=slot.opened + timedelta(days=30, minutes=10),
            places=1,
            opened=slot.opened,
            gone=slot.opened + timedelta(seconds=slot.lifetime),
        )
        for n, slot in enumerate(s for s in slots if not s.released)
    ]
    releases = sorted({s.opened for s in slots if s.released})
    return _HISTORY.CentreHistory(
        5022, recorded, [_HISTORY.Release(at, RELEASE_SLOTS) for at in releases]
    )


def polls(planned: bool, known: Any, rng: random.Random) -> Iterator[datetime]:
    """Yield the week's poll times: the planner's (made again hourly), or every minute."""
    moment, end = WEEK_START.astimezone(UTC), (WEEK_START + timedelta(days=7)).astimezone(UTC)
    centre, made = _CADENCE.plan(known, ZONE, moment), moment
    while moment < end:
        yield moment
        jitter = 1 + rng.uniform(0, JITTER_SHARE)
        if not planned:
            moment += _CONST.SLOT_INTERVAL * jitter
            continue
        if moment - made >= timedelta(hours=1):
            centre, made = _CADENCE.plan(known, ZONE, moment), moment
        moment += timedelta(seconds=centre.wait(moment, jitter))


def run(model: str, planned: bool, seed: int) -> dict[str, float]:
    """One week of one model, polled one way: what the user got and what it cost."""
    known = history(model, random.Random(seed))
    week = openings(model, WEEK_START, 7, random.Random(seed + 1))
    times = list(polls(planned, known, random.Random(seed + 2)))
    caught = bookable = released = released_fast = released_bookable = 0
    for slot in week:
        index = bisect_left(times, slot.opened)
        seen = times[index] if index < len(times) else None
        left = slot.lifetime - (seen - slot.opened).total_seconds() if seen else -1
        caught += left > 0
        bookable += left >= BOOKING_S
        if slot.released:
            released += 1
            released_bookable += left >= BOOKING_S
            released_fast += left > 0 and (seen - slot.opened).total_seconds() <= 30  # type: ignore[operator]
    busiest = max(bisect_left(times, t + timedelta(seconds=60)) - i for i, t in enumerate(times))
    return {
        "openings": len(week),
        "caught_pct": 100 * caught / len(week),
        "bookable_pct": 100 * bookable / len(week),
        "released": released,
        "released_within_30_s_pct": 100 * released_fast / released if released else 0.0,
        "released_bookable_pct": 100 * released_bookable / released if released else 0.0,
        "requests_per_day": len(times) / 7,
        "most_requests_in_a_minute": busiest,
    }


def hourly_share(model: str) -> list[float]:
    """Return the model's share of openings in each hour of the day, in percent."""
    return [100 / 24] * 24 if model == "U" else [100 * w for w in HOURLY_W]


def compare(seeds: tuple[int, ...] = (1, 2, 3)) -> dict[str, Any]:
    """Both models, both ways, `seeds` weeks each (different openings, history and jitter).

    Both ways see the same weeks: `bookable_gain` is the planner's bookable rate less the
    fixed minute's, week by week (mean, least, most), which the weeks' own spread hides.
    """
    figures: dict[str, Any] = {}
    for model in ("U", "W"):
        fixed: list[dict[str, float]] = []
        for way, planned in (("fixed 60 s", False), ("planner", True)):
            runs = [run(model, planned, seed) for seed in seeds]
            figures[f"{model} {way}"] = {
                key: statistics.mean(r[key] for r in runs) for key in runs[0]
            } | {
                "bookable_spread": max(r["bookable_pct"] for r in runs)
                - min(r["bookable_pct"] for r in runs),
                "runs": runs,
            }
            if planned:
                gains = [
                    r["bookable_pct"] - f["bookable_pct"] for r, f in zip(runs, fixed, strict=True)
                ]
                figures[f"{model} {way}"]["bookable_gain"] = [
                    statistics.mean(gains),
                    min(gains),
                    max(gains),
                ]
            else:
                fixed = runs
    return figures

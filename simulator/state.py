"""What the stand-in knows: the centres, their schedules, the clock, the faults, the counts."""

import asyncio
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
import random
import time as monotonic_time
from typing import Any
from zoneinfo import ZoneInfo

from .scenario import CentreSlots, Scenario

ENDPOINTS = ("locations", "slots", "capacity", "as_locations")
FAULT_KINDS = (
    # Each kind also takes {"centre": id}: only that centre's requests get the fault.
    "status",  # {"status": 403|429|500|502|503, "retry_after": 30, "body": "..."}
    "delay",  # {"seconds": 2}: answer normally, late
    "hang",  # never answer (until the client gives up)
    "slow_body",  # {"seconds": 5}: send the headers, then the body a little at a time
    "truncate",  # the JSON body cut in half
    "not_json",  # status 200 with an HTML page
    "content_type",  # the right JSON, served as text/html
    "drift",  # {"mode": "rename"|"missing"|"null"|"mistype", "field": "startTimestamp"}
    "oversize",  # {"bytes": 5000000}: valid JSON, far too large
    "empty",  # []
    "disconnect",  # close the connection without an answer
)


@dataclass(slots=True)
class TimeRow:
    """One appointment time at a centre."""

    total: int
    available: int
    pending: int = 0


@dataclass(slots=True)
class Fault:
    """A fault switched on for one endpoint; `remaining` counts down when set."""

    kind: str
    params: dict[str, Any]
    remaining: int | None = None


class SimulatorState:
    """The scheduler's state, moved on by a clock that tests may advance."""

    def __init__(self, scenario: Scenario, *, start: datetime | None = None) -> None:
        """Generate every centre's schedule relative to `start` (now by default)."""
        self.scenario = scenario
        self._started_real = monotonic_time.monotonic()
        self._offset = 0.0
        self.start = start or datetime.now(UTC)
        self.locations: dict[int, dict[str, Any]] = {
            int(loc["id"]): loc for loc in scenario.locations
        }
        self.order = [int(loc["id"]) for loc in scenario.locations]
        self.unlisted: set[int] = set()
        self.schedules: dict[int, dict[datetime, TimeRow]] = {}
        self.durations: dict[int, int] = {}
        self.faults: dict[str, Fault] = {}
        self.counts: Counter[str] = Counter()
        # Requests per endpoint and centre, for the endpoints that name one.
        self.centre_counts: Counter[tuple[str, int]] = Counter()
        # Endpoints whose answers are held until released, and how many are waiting.
        self.held: dict[str, asyncio.Event] = {}
        self.waiting: Counter[str] = Counter()
        self.bytes_sent: Counter[str] = Counter()
        self._applied = 0  # timeline events applied so far, over all repetitions
        self.regenerate(list(scenario.centres), None)

    def regenerate(self, location_ids: list[int], spec: CentreSlots | None) -> None:
        """Generate the schedules of these centres anew (from the scenario when spec is None)."""
        rng = random.Random(self.scenario.seed)
        for location_id in location_ids:
            chosen = spec or self.scenario.centres.get(location_id)
            if location_id in self.locations and chosen is not None:
                self._generate(location_id, chosen, rng)

    def reopen(self, location_id: int) -> None:
        """Give a closed centre its interview times (its scenario's, or the defaults)."""
        spec = self.scenario.centres.get(location_id) or CentreSlots()
        self._generate(location_id, replace(spec, closed=False), random.Random(location_id))

    # -- the clock ----------------------------------------------------------------------

    def elapsed(self) -> float:
        """Seconds since start, including any advance()."""
        return monotonic_time.monotonic() - self._started_real + self._offset

    def now(self) -> datetime:
        """Return the simulator's current time."""
        return self.start + timedelta(seconds=self.elapsed())

    def advance(self, seconds: float) -> None:
        """Move the clock forward, applying the timeline events that fall due."""
        self._offset += seconds
        self.apply_timeline()

    # -- the schedule -------------------------------------------------------------------

    def zone(self, location_id: int) -> ZoneInfo:
        """Return the centre's time zone, from its `tzData`."""
        return ZoneInfo(self.locations[location_id]["tzData"])

    def local_today(self, location_id: int) -> date:
        """Return the date at the centre when the simulator started."""
        return self.start.astimezone(self.zone(location_id)).date()

    def _generate(self, location_id: int, spec: CentreSlots, rng: random.Random) -> None:
        if spec.closed:
            self.schedules[location_id] = {}
            self.durations[location_id] = spec.duration
            return
        today = self.local_today(location_id)
        per_day = max((spec.hours[1] - spec.hours[0]) * 60 // spec.duration, 0)
        rows: dict[datetime, TimeRow] = {}
        for day in range(spec.days[0], spec.days[1] + 1):
            when = today + timedelta(days=day)
            if when.weekday() >= 5:
                continue
            start = datetime.combine(when, time(spec.hours[0]))
            for step in range(per_day):
                rows[start + timedelta(minutes=step * spec.duration)] = TimeRow(spec.capacity, 0)
        for moment in rng.sample(sorted(rows), min(spec.open_slots, len(rows))):
            rows[moment].available = rng.randint(1, spec.capacity)
        self.schedules[location_id] = rows
        self.durations[location_id] = spec.duration

    def set_time(
        self, location_id: int, start: datetime, available: int, total: int | None = None
    ) -> None:
        """Open (available > 0) or take (available = 0) the places at one wall-clock time."""
        rows = self.schedules.setdefault(location_id, {})
        self.durations.setdefault(location_id, 15)
        row = rows.get(start)
        capacity = total if total is not None else max(row.total if row else 0, available, 1)
        rows[start] = TimeRow(capacity, min(available, capacity))

    def local_now(self, location_id: int) -> datetime:
        """Return the centre's wall-clock time now, naive, as the scheduler writes it."""
        return self.now().astimezone(self.zone(location_id)).replace(tzinfo=None)

    def open_times(
        self, location_id: int, minimum: int = 1, before: date | None = None
    ) -> list[tuple[datetime, TimeRow]]:
        """Future times with at least `minimum` open places, soonest first."""
        if location_id not in self.locations or location_id in self.unlisted:
            return []
        now = self.local_now(location_id)
        return sorted(
            (moment, row)
            for moment, row in self.schedules.get(location_id, {}).items()
            if row.available >= minimum
            and moment > now
            and (before is None or moment.date() < before)
        )

    # -- the timeline -------------------------------------------------------------------

    def apply_timeline(self) -> None:
        """Apply every timeline event whose time has come (repeating when the scenario says)."""
        timeline = self.scenario.timeline
        if not timeline:
            return
        elapsed = self.elapsed()
        while True:
            cycle, index = divmod(self._applied, len(timeline))
            if cycle and not self.scenario.repeat:
                return
            due = float(timeline[index]["after"]) + cycle * float(self.scenario.repeat or 0)
            if due > elapsed:
                return
            self._apply(timeline[index])
            self._applied += 1

    def _event_time(self, spec: dict[str, Any]) -> tuple[int, datetime]:
        location_id = int(spec["location"])
        day = self.local_today(location_id) + timedelta(days=int(spec.get("in_days", 1)))
        return location_id, datetime.combine(day, time.fromisoformat(spec.get("at", "09:00")))

    def _apply(self, event: dict[str, Any]) -> None:
        if "open" in event:
            location_id, moment = self._event_time(event["open"])
            self.set_time(location_id, moment, int(event["open"].get("available", 1)))
        elif "take" in event:
            location_id, moment = self._event_time(event["take"])
            self.set_time(location_id, moment, 0)
        elif "take_soonest" in event:
            location_id = int(event["take_soonest"]["location"])
            soonest = self.open_times(location_id)
            if soonest:
                self.set_time(location_id, soonest[0][0], 0)
        elif "unlist" in event:
            self.unlisted.add(int(event["unlist"]))
        elif "list" in event:
            self.unlisted.discard(int(event["list"]))
        elif "reopen" in event:
            self.reopen(int(event["reopen"]))

    # -- holding answers -----------------------------------------------------------------

    def hold(self, endpoint: str) -> None:
        """Hold the answers of an endpoint (a request in flight) until `release`."""
        self.held.setdefault(endpoint, asyncio.Event())

    def release(self, endpoint: str) -> None:
        """Send the held answers of an endpoint, as the state is now."""
        gate = self.held.pop(endpoint, None)
        if gate is not None:
            gate.set()

    async def wait_if_held(self, endpoint: str) -> None:
        """Wait while the endpoint's answers are held."""
        gate = self.held.get(endpoint)
        if gate is None:
            return
        self.waiting[endpoint] += 1
        try:
            await gate.wait()
        finally:
            self.waiting[endpoint] -= 1

    # -- faults -------------------------------------------------------------------------

    def set_fault(
        self,
        endpoint: str,
        kind: str,
        params: dict[str, Any] | None = None,
        times: int | None = None,
    ) -> None:
        """Switch a fault on for one endpoint, or for all with "*"."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
        for name in ENDPOINTS if endpoint == "*" else (endpoint,):
            if name not in ENDPOINTS:
                raise ValueError(f"unknown endpoint {name!r}; known: {', '.join(ENDPOINTS)}")
            self.faults[name] = Fault(kind, dict(params or {}), times)

    def clear_faults(self, endpoint: str = "*") -> None:
        """Switch the faults of one endpoint (or all) off."""
        if endpoint == "*":
            self.faults.clear()
        else:
            self.faults.pop(endpoint, None)

    def take_fault(self, endpoint: str, centre: int | None = None) -> Fault | None:
        """Return the fault for this request, counting down faults given a number of times.

        A fault whose params name a "centre" applies to that centre's requests only.
        """
        fault = self.faults.get(endpoint)
        if fault is None or fault.params.get("centre", centre) != centre:
            return None
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self.faults[endpoint]
        return fault

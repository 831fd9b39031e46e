"""A few days of believable openings for the demo's centres, written before its first start.

For the demo only (scripts/develop and the browser tests): a user's history is only what their
own Home Assistant saw. Written in the integration's own format (history.py), to the file it
reads at start-up (demo/seed.py writes it, only when that file does not exist yet).
"""

from datetime import UTC, datetime, timedelta
import random
from typing import Any
from zoneinfo import ZoneInfo

from custom_components.nexus.history import RELEASE_MIN_SLOTS, CentreHistory, Opening, Release
from custom_components.nexus.ttp import time_key

# The demo's watched centres (demo/provision.py) and their zones.
CENTRES = {
    5020: ZoneInfo("America/Los_Angeles"),
    5022: ZoneInfo("America/Toronto"),
    5031: ZoneInfo("America/Halifax"),
}
DAYS = 5
# Cancellations come in the daytime, most in the morning and after lunch.
HOURS = [7, 8, 9, 9, 9, 10, 10, 11, 12, 13, 13, 13, 14, 15, 16, 17, 19, 21]


def _lifetime(rng: random.Random) -> timedelta:
    """Most openings are gone within two minutes; a few last an hour or more."""
    minutes = rng.choice([1, 1, 1, 2, 2, 2, 3, 4, 6, 9, 15, 25, 45, 90])
    return timedelta(minutes=minutes)


def _start(rng: random.Random, zone: ZoneInfo, after: datetime) -> datetime:
    """Pick an interview time on a weekday, 08:00-15:40 centre time, 2 to 60 days ahead."""
    day = (after + timedelta(days=rng.randint(2, 60))).astimezone(zone).date()
    while day.weekday() > 4:
        day += timedelta(days=1)
    hour, minute = rng.randint(8, 15), rng.choice([0, 20, 40])
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def history(location_id: int, zone: ZoneInfo, now: datetime, rng: random.Random) -> CentreHistory:
    """One centre's openings over the last DAYS days, and a release every other day."""
    openings: list[Opening] = []
    releases: list[Release] = []
    for back in range(DAYS, 0, -1):
        day = (now - timedelta(days=back)).astimezone(zone).date()
        for hour in sorted(rng.sample(HOURS, rng.randint(3, 8))):
            opened = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=zone)
            opened = opened.astimezone(UTC)
            start = _start(rng, zone, opened)
            openings.append(
                Opening(
                    key=time_key(location_id, start),
                    start=start,
                    end=start + timedelta(minutes=10),
                    places=rng.choice([1, 1, 1, 2]),
                    opened=opened,
                    gone=opened + _lifetime(rng),
                )
            )
        if back % 2:
            at = datetime(day.year, day.month, day.day, 6, 0, tzinfo=zone).astimezone(UTC)
            releases.append(Release(at, rng.randint(RELEASE_MIN_SLOTS * 3, RELEASE_MIN_SLOTS * 8)))
    return CentreHistory(location_id, openings, releases)


def demo_openings(now: datetime, seed: int = 15) -> dict[str, Any]:
    """Return the demo's history as the integration stores it (see demo/seed.py)."""
    rng = random.Random(seed)  # noqa: S311 (believable, not secret)
    return {
        "centres": {
            str(cid): history(cid, zone, now, rng).as_data() for cid, zone in CENTRES.items()
        }
    }

"""The openings seen at each watched centre: when each slot opened and when it was gone.

Pure: no Home Assistant, no I/O. The coordinator shows each centre's open slots to its
`CentreHistory` after every update whose answer changed; the store keeps the histories.
"""

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .ttp import Slot, time_key
from .ttp.fields import LIMITS

# Kept per centre: the last 90 days, at most this many openings and releases (the oldest go).
HISTORY_KEPT = timedelta(days=90)
MAX_OPENINGS = 3000
MAX_RELEASES = 500
# A poll that brings this many new slot times at once is a release: the centre published a
# new block of times. Cancellations come one or two at a time; a new day of interviews is a
# dozen or more.
RELEASE_MIN_SLOTS = 5


@dataclass(slots=True, kw_only=True)
class Opening:
    """A slot that opened while the centre was watched."""

    key: str  # see ttp.time_key
    start: datetime  # on the centre's clock
    end: datetime
    places: int  # at least; as far as the answer and the capacity view tell
    opened: datetime  # UTC: the update that first saw it open
    # UTC: the update that first saw it gone. None while it is open, and for one whose end
    # was not seen (its time came, or it went while Home Assistant was stopped).
    gone: datetime | None = None
    # Its stored row, made once: a write of thousands of openings converts only the new.
    _row: list[Any] | None = field(default=None, compare=False, repr=False)

    @property
    def lifetime(self) -> timedelta | None:
        """How long it stayed open, to the polling cadence; None when not known."""
        return None if self.gone is None else self.gone - self.opened

    def went(self, when: datetime) -> None:
        """Record when it was first seen gone: never before it opened (the clock goes back)."""
        self.gone, self._row = max(when, self.opened), None

    def row(self) -> list[Any]:
        """Return it as stored: start, minutes, places, opened and gone (epoch seconds)."""
        if self._row is None:
            self._row = [
                self.start.isoformat(),
                round((self.end - self.start).total_seconds() / 60),
                self.places,
                *_stamps(self.opened, self.gone),
            ]
        return self._row


@dataclass(frozen=True, slots=True)
class Release:
    """A block of new times published at once."""

    at: datetime  # UTC
    slots: int


class CentreHistory:
    """One centre's openings and releases, and which of its slots are open now."""

    def __init__(
        self,
        location_id: int,
        openings: Iterable[Opening] = (),
        releases: Iterable[Release] = (),
        open_keys: Iterable[str] = (),
    ) -> None:
        """Start from what was stored; the first update after it counts nothing as new."""
        self.location_id = location_id
        self.openings: list[Opening] = sorted(openings, key=lambda o: o.opened)
        self.releases: list[Release] = sorted(releases, key=lambda r: r.at)
        # Still open when last stored: those may be followed to their end.
        following = {o.key: o for o in self.openings if o.gone is None}
        self._stored_open = {key: following.get(key) for key in open_keys}
        # Each open slot's opening, or None for one whose opening was not seen.
        self._open: dict[str, Opening | None] | None = None  # None: not updated yet
        self._empty_since: datetime | None = None
        self.version = 0  # counts the changes, for what is computed from the history
        self.appended = len(self.openings)  # openings ever added: the newest are the last ones

    @property
    def open_keys(self) -> list[str]:
        """The keys of the slots open at the last update."""
        return list(self._stored_open if self._open is None else self._open)

    def is_open(self, opening: Opening) -> bool:
        """Tell whether an opening is open as of the last update (or as stored)."""
        current = self._stored_open if self._open is None else self._open
        return current.get(opening.key) == opening

    def observe(
        self, slots: Mapping[str, Slot], places: Callable[[Slot], int], now: datetime
    ) -> bool:
        """Record what opened and what went since the last update; return whether it did.

        `slots` are the centre's open future slots by key. The first update counts nothing:
        what is open then opened at an unknown time. An answer with no slot at all is held
        back: if the next answer brings the same slots back, it was a glitch; otherwise they
        went at the empty answer.
        """
        if self._open is None:
            self._open = {key: self._stored_open.get(key) for key in slots}
            self._stored_open = {}
            self.version += 1
            return True
        if not slots and self._open:
            if self._empty_since is None:
                self._empty_since = now
            return False
        gone_at, self._empty_since = self._empty_since or now, None
        went = [key for key in self._open if key not in slots]
        new = [key for key in slots if key not in self._open]
        if not went and not new:
            return False
        for key in went:
            opening = self._open.pop(key)
            if opening is not None and opening.start.astimezone(UTC) > gone_at:
                opening.went(gone_at)  # taken (its own time had not come)
        if len(new) >= RELEASE_MIN_SLOTS:
            self.releases.append(Release(now, len(new)))
            self._open.update(dict.fromkeys(new))
        else:
            for key in new:
                slot = slots[key]
                opening = Opening(
                    key=key,
                    start=slot.start,
                    end=slot.end,
                    places=min(places(slot), LIMITS.max_places),  # the limit it is read with
                    opened=now,
                )
                self.openings.append(opening)
                self.appended += 1
                self._open[key] = opening
        self._prune(now)
        self.version += 1
        return True

    def stop_following(self) -> None:
        """Forget which slots are open: the centre is not watched now."""
        if self._stored_open or self._open:
            self._stored_open, self._open = {}, None
            self.version += 1

    def prune(self, now: datetime) -> None:
        """Forget what is older than 90 days, and the oldest beyond the maximum counts."""
        before = (len(self.openings), len(self.releases))
        self._prune(now)
        if (len(self.openings), len(self.releases)) != before:
            self.version += 1

    def _prune(self, now: datetime) -> None:
        cutoff = now - HISTORY_KEPT
        first = max(
            bisect_left(self.openings, cutoff, key=lambda o: o.opened),
            len(self.openings) - MAX_OPENINGS,
        )
        if first > 0:
            del self.openings[:first]
        first = max(
            bisect_left(self.releases, cutoff, key=lambda r: r.at),
            len(self.releases) - MAX_RELEASES,
        )
        if first > 0:
            del self.releases[:first]

    def as_data(self) -> dict[str, Any]:
        """Return the history as stored: compact rows, times as seconds since the epoch."""
        return {
            "openings": [o.row() for o in self.openings],
            "releases": [[round(r.at.timestamp()), r.slots] for r in self.releases],
            "open": self.open_keys,
        }

    @classmethod
    def from_data(cls, location_id: int, data: Any, now: datetime) -> tuple[CentreHistory, int]:
        """Read a stored history; return it and how many rows could not be read.

        Rows that cannot be read are left out, never a failure; what is read is checked
        against the client's limits (ttp.fields.LIMITS). A time after `now` (written while
        the clock ran fast) is read as `now`.
        """
        if not isinstance(data, dict):
            return cls(location_id), 1
        # Written oldest first: only the newest that could be kept are read.
        rows = _rows(data.get("openings"))[-MAX_OPENINGS:]
        releases_rows = _rows(data.get("releases"))[-MAX_RELEASES:]
        openings = [o for row in rows if (o := _opening(location_id, row, now))]
        releases = [
            Release(at, row[1])
            for row in releases_rows
            if len(row) == 2 and (at := _time(row[0], now)) is not None and _count(row[1])
        ]
        keys = data.get("open")
        history = cls(
            location_id,
            openings,
            releases,
            [k for k in keys[:MAX_OPENINGS] if isinstance(k, str) and len(k) <= LIMITS.text]
            if isinstance(keys, list)
            else (),
        )
        history._prune(now)
        return history, len(rows) - len(openings) + len(releases_rows) - len(releases)


def _rows(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _count(value: Any) -> bool:
    """Tell whether a stored value is a number of places the client would accept."""
    return type(value) is int and 0 < value <= LIMITS.max_places


def _time(value: Any, now: datetime) -> datetime | None:
    """Read a stored moment (seconds since the epoch), at the latest `now`."""
    if type(value) is not int or not 0 < value < 10**11:
        return None
    return min(datetime.fromtimestamp(value, UTC), now)


def _opening(location_id: int, row: Any, now: datetime) -> Opening | None:
    if not (
        isinstance(row, list)
        and len(row) == 5
        and isinstance(row[0], str)
        and len(row[0]) <= LIMITS.text
        and type(row[1]) is int
        and 0 < row[1] <= LIMITS.max_minutes
        and _count(row[2])
    ):
        return None
    try:
        start = datetime.fromisoformat(row[0])
        end = start + timedelta(minutes=row[1])
        start.astimezone(UTC)  # on the timeline, not at the edge of the calendar
        end.astimezone(UTC)
    except ValueError, OverflowError:
        return None
    opened, gone = _time(row[3], now), _time(row[4], now)
    if (
        start.tzinfo is None
        or opened is None
        or (row[4] is not None and (gone is None or gone < opened))
    ):
        return None
    return Opening(
        key=time_key(location_id, start),
        start=start,
        end=end,
        places=row[2],
        opened=opened,
        gone=gone,
        # As read and checked: written back as it is, unless a time was brought back to now.
        _row=row if row[3:] == _stamps(opened, gone) else None,
    )


def _stamps(opened: datetime, gone: datetime | None) -> list[int | None]:
    return [round(opened.timestamp()), None if gone is None else round(gone.timestamp())]

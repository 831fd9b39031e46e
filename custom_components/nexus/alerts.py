"""What a centre watch tells its user: one alert per update, a cap an hour, and withdrawals.

Pure: no Home Assistant, no I/O. However many matching slots open in one update, they make
one alert. Past the watch's hourly cap, new slots are held and told in the next alert (those
still open then), never lost and never told twice. When every slot an alert told of is gone
(taken, or its time came), the alert is withdrawn, once.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .ttp import Slot

CAP_WINDOW = timedelta(hours=1)
# Alerts followed until their slots are gone, at most (the oldest are let go).
MAX_FOLLOWED = 20


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: when it was made and the slots it told of."""

    at: datetime  # UTC, the update that made it
    keys: frozenset[str]  # the slots told (see ttp.time_key)


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """An alert whose every slot is gone, and how long after the alert the last one went."""

    alert: Alert
    lasted: timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class Alerts:
    """A watch's alerts as of an update."""

    news: int = 0  # updates so far that told something: what the event entity has told
    opened: tuple[Slot, ...] = ()  # told by this update's alert, soonest first
    withdrawn: tuple[Withdrawal, ...] = ()  # alerts whose last slot went in this update
    following: tuple[Alert, ...] = ()  # alerts with a slot still open
    held: frozenset[str] = frozenset()  # slots opened past the cap, for the next alert
    recent: tuple[datetime, ...] = ()  # the alerts of the last hour

    @property
    def alert(self) -> Alert | None:
        """The alert this update made, if any."""
        return self.following[-1] if self.opened else None


def next_alerts(
    last: Alerts,
    new: tuple[Slot, ...],
    matching: Mapping[str, Slot],
    *,
    now: datetime,
    cap: int,
    answered: bool,
) -> Alerts:
    """Say what an update tells: `new` matching slots opened, `matching` those open now.

    `answered` is False when the answer held no slot at all (a glitch, or the centre not
    listed): nothing is withdrawn on it, and what is held waits.
    """
    if not answered:
        return replace(last, opened=(), withdrawn=())
    # A wall clock set back makes the alerts of "the future" forgotten, not the cap endless.
    recent = tuple(at for at in last.recent if now - CAP_WINDOW < at <= now)
    following: list[Alert] = []
    withdrawn: list[Withdrawal] = []
    for alert in last.following:  # each alert's few keys looked up, not the whole list
        if any(key in matching for key in alert.keys):
            following.append(alert)
        else:
            withdrawn.append(Withdrawal(alert, max(now - alert.at, timedelta())))
    waiting = {key: matching[key] for key in last.held if key in matching}
    waiting.update((slot.key, slot) for slot in new)
    opened: tuple[Slot, ...] = ()
    held: frozenset[str] = frozenset()
    if waiting and len(recent) < cap:
        opened = tuple(sorted(waiting.values(), key=lambda slot: slot.start))
        following.append(Alert(now, frozenset(waiting)))
        recent = (*recent, now)
    elif waiting:
        held = frozenset(waiting)
    return Alerts(
        news=last.news + bool(opened or withdrawn),
        opened=opened,
        withdrawn=tuple(withdrawn),
        following=tuple(following[-MAX_FOLLOWED:]),
        held=held,
        recent=recent,
    )

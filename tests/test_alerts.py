"""What a watch tells: one alert per update, the hourly cap, withdrawals (pure)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from custom_components.nexus.alerts import Alerts, next_alerts
from custom_components.nexus.ttp import Slot

ZONE = ZoneInfo("America/Toronto")
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def slot(day: int, hour: int) -> Slot:
    start = datetime(2026, 12, day, hour, 0, tzinfo=ZONE)
    end = start + timedelta(minutes=10)
    return Slot(location_id=5022, start=start, end=end, active=True, duration=10, remote=False)


def by_key(*slots: Slot) -> dict[str, Slot]:
    return {s.key: s for s in slots}


def step(
    last: Alerts, new: tuple[Slot, ...], open_now: tuple[Slot, ...], at: datetime, cap: int = 5
) -> Alerts:
    return next_alerts(last, new, by_key(*open_now), now=at, cap=cap, answered=bool(open_now))


def test_a_release_is_one_alert_soonest_first() -> None:
    released = tuple(slot(10, h) for h in (15, 9, 11, 10, 14, 13, 12))
    alerts = step(Alerts(), released, released, NOW)
    assert alerts.opened == tuple(sorted(released, key=lambda s: s.start))
    assert alerts.alert is not None
    assert alerts.alert.keys == frozenset(s.key for s in released)
    assert alerts.news == 1


def test_withdrawn_once_when_every_slot_told_is_gone() -> None:
    a, b, other = slot(10, 9), slot(10, 10), slot(11, 9)
    told = step(Alerts(), (a, b), (a, b, other), NOW)
    one_left = step(told, (), (b, other), NOW + timedelta(minutes=1))
    assert one_left.withdrawn == ()
    gone = step(one_left, (), (other,), NOW + timedelta(minutes=3))
    (withdrawal,) = gone.withdrawn
    assert withdrawal.alert == told.alert
    assert withdrawal.lasted == timedelta(minutes=3)
    assert gone.news == 2
    after = step(gone, (), (other,), NOW + timedelta(minutes=4))
    assert after.withdrawn == ()
    assert after.news == 2


def test_an_empty_answer_withdraws_nothing() -> None:
    a = slot(10, 9)
    told = step(Alerts(), (a,), (a,), NOW)
    glitch = step(told, (), (), NOW + timedelta(minutes=1))  # answered with no slot at all
    assert glitch.withdrawn == ()
    assert glitch.following == told.following


def test_past_the_cap_held_and_told_in_the_next_alert() -> None:
    first, second, third, fourth = slot(10, 9), slot(10, 10), slot(10, 11), slot(10, 12)
    alerts = step(Alerts(), (first,), (first,), NOW, cap=2)
    alerts = step(alerts, (second,), (first, second), NOW + timedelta(minutes=1), cap=2)
    held = step(alerts, (third,), (first, second, third), NOW + timedelta(minutes=2), cap=2)
    assert held.opened == ()
    assert held.held == {third.key}
    # Still within the hour: the fourth waits with the third.
    later = NOW + timedelta(minutes=30)
    held = step(held, (fourth,), (first, second, third, fourth), later, cap=2)
    assert held.opened == ()
    # The hour of the first alert is over: one alert with both, none lost, none twice.
    freed = step(held, (), (first, second, third, fourth), NOW + timedelta(minutes=61), cap=2)
    assert freed.opened == (third, fourth)
    assert freed.held == frozenset()
    again = step(freed, (), (first, second, third, fourth), NOW + timedelta(minutes=62), cap=2)
    assert again.opened == ()


def test_a_held_slot_gone_before_its_alert_is_not_told() -> None:
    first, second = slot(10, 9), slot(10, 10)
    alerts = step(Alerts(), (first,), (first,), NOW, cap=1)
    held = step(alerts, (second,), (first, second), NOW + timedelta(minutes=1), cap=1)
    assert held.held == {second.key}
    gone = step(held, (), (first,), NOW + timedelta(minutes=70), cap=1)
    assert gone.opened == ()
    assert gone.held == frozenset()


def test_a_wall_clock_set_back_does_not_hold_alerts_for_ever() -> None:
    a, b = slot(10, 9), slot(10, 10)
    alerts = step(Alerts(), (a,), (a,), NOW, cap=1)
    # The clock goes back a day: the alert "in the future" no longer counts against the cap.
    back = step(alerts, (b,), (a, b), NOW - timedelta(days=1), cap=1)
    assert back.opened == (b,)
    assert [alert.at for alert in back.following] == [NOW, NOW - timedelta(days=1)]

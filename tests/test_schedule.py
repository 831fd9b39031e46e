"""When each slower view is read next: pure, on a monotonic clock."""

from custom_components.nexus.schedule import Due

HOUR = 3600.0


def due() -> Due[int]:
    return Due(interval=HOUR, retry=300.0, max_retry=HOUR, max_retry_after=6 * HOUR)


def test_a_view_never_read_is_due_and_a_good_read_waits_the_interval() -> None:
    views = due()
    assert views.is_due(5022, 0.0)
    views.read(5022, 10.0)
    assert not views.is_due(5022, 10.0 + HOUR - 1)
    assert views.is_due(5022, 10.0 + HOUR)
    views.read(5022, 10.0, at=20.0)  # spread out by the caller
    assert views.is_due(5022, 20.0)


def test_failures_back_off_doubling_up_to_the_maximum_and_reset_on_success() -> None:
    views = due()
    now, waits = 0.0, []
    for count in range(1, 7):
        assert views.failed(5022, now) == count
        wait = next(t for t in range(1, 10_000) if views.is_due(5022, now + t))
        waits.append(wait)
        now += wait
    assert waits == [300, 600, 1200, 2400, 3600, 3600]
    assert views.failing(5022)
    views.read(5022, now)
    assert not views.failing(5022)
    assert views.failed(5022, now) == 1  # counted afresh


def test_the_servers_retry_after_wins_up_to_its_cap() -> None:
    views = due()
    views.failed(1, 0.0, retry_after=2 * HOUR)
    assert not views.is_due(1, 2 * HOUR - 1)
    assert views.is_due(1, 2 * HOUR)
    views.failed(2, 0.0, retry_after=365 * 24 * HOUR)
    assert views.is_due(2, 6 * HOUR)
    views.failed(3, 0.0, retry_after=1)  # never sooner than the back-off
    assert not views.is_due(3, 299)


def test_again_and_keep() -> None:
    views = due()
    for key in (1, 2, 3):
        views.read(key, 0.0)
    views.failed(3, 0.0)
    views.again()
    assert all(views.is_due(key, 0.0) for key in (1, 2, 3))
    views.read(1, 0.0)
    views.keep([1])
    assert not views.is_due(1, 0.0)
    assert not views.failing(3)

"""Card arithmetic: days left and the renewal window."""

from datetime import date, timedelta

from hypothesis import given, strategies as st
import pytest

from custom_components.nexus.card import days_until, renewal_opens, renewal_window_open


def test_days_until() -> None:
    assert days_until(date(2027, 6, 15), date(2026, 11, 30)) == 197
    assert days_until(date(2026, 11, 30), date(2026, 11, 30)) == 0
    assert days_until(date(2026, 11, 1), date(2026, 11, 30)) == -29


@pytest.mark.parametrize(
    ("expiry", "opens"),
    [
        (date(2027, 6, 15), date(2026, 6, 15)),
        (date(2028, 2, 29), date(2027, 2, 28)),  # leap day
        (date(2027, 3, 31), date(2026, 3, 31)),  # month end
        (date(2027, 1, 1), date(2026, 1, 1)),  # year start
    ],
)
def test_renewal_opens_one_year_before(expiry: date, opens: date) -> None:
    assert renewal_opens(expiry) == opens


def test_window_edges() -> None:
    expiry = date(2027, 6, 15)
    assert not renewal_window_open(expiry, date(2026, 6, 14))
    assert renewal_window_open(expiry, date(2026, 6, 15))
    assert renewal_window_open(expiry, date(2027, 6, 16))  # expired: still time to renew


@given(
    expiry=st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)),
    offset=st.integers(min_value=-800, max_value=800),
)
def test_window_opens_between_365_and_366_days_before(expiry: date, offset: int) -> None:
    today = expiry + timedelta(days=offset)
    lead = (expiry - renewal_opens(expiry)).days
    assert lead in (365, 366)
    assert renewal_window_open(expiry, today) is (days_until(expiry, today) <= lead)

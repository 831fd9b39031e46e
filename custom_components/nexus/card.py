"""Membership card arithmetic: days left and the renewal window, as pure functions."""

from datetime import date

# A NEXUS renewal can be filed from one year before the card expires.
RENEWAL_WINDOW_YEARS = 1


def days_until(expiry: date, today: date) -> int:
    """Return the days from `today` until `expiry`; negative once the card has expired."""
    return (expiry - today).days


def renewal_opens(expiry: date) -> date:
    """Return the first day a renewal can be filed: the same day one year before expiry.

    A card expiring on 29 February opens its window on 28 February of the year before.
    """
    year = expiry.year - RENEWAL_WINDOW_YEARS
    try:
        return expiry.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def renewal_window_open(expiry: date, today: date) -> bool:
    """Tell whether a renewal can be filed on `today` (also true after expiry)."""
    return today >= renewal_opens(expiry)

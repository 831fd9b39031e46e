"""Async client for the CBP Trusted Traveler Programs scheduler API.

Has no Home Assistant import: it could be published on PyPI as it is.
"""

from .client import DEFAULT_BASE_URL, NEXUS, TTPClient
from .exceptions import (
    TTPBlockedError,
    TTPConnectionError,
    TTPError,
    TTPNoCentresError,
    TTPParseError,
    TTPRateLimitedError,
    TTPRefusedError,
    TTPResponseError,
    TTPResponseTooLargeError,
    TTPServerError,
    TTPTimeoutError,
)
from .models import CapacitySlot, Location, Slot, time_key

__all__ = [
    "DEFAULT_BASE_URL",
    "NEXUS",
    "CapacitySlot",
    "Location",
    "Slot",
    "TTPBlockedError",
    "TTPClient",
    "TTPConnectionError",
    "TTPError",
    "TTPNoCentresError",
    "TTPParseError",
    "TTPRateLimitedError",
    "TTPRefusedError",
    "TTPResponseError",
    "TTPResponseTooLargeError",
    "TTPServerError",
    "TTPTimeoutError",
    "time_key",
]

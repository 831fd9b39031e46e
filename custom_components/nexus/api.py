"""The scheduler API as the integration uses it: its client, and its errors by name.

Home Assistant's session, one base URL, and what each of its errors is called in the
translations.
"""

import os

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import ENV_SCHEDULER_URL
from .ttp import (
    DEFAULT_BASE_URL,
    TTPClient,
    TTPConnectionError,
    TTPError,
    TTPNoCentresError,
    TTPRefusedError,
    TTPServerError,
    TTPTimeoutError,
)

# Most specific first: a timeout is also a connection error.
_FAILURE_KEYS: tuple[tuple[type[TTPError], str], ...] = (
    (TTPNoCentresError, "no_centres"),
    (TTPRefusedError, "refused"),
    (TTPTimeoutError, "timeout"),
    (TTPConnectionError, "cannot_connect"),
    (TTPServerError, "server_error"),
)


def scheduler_url() -> str:
    """Return the scheduler API root; developers point NEXUS_SCHEDULER_URL elsewhere."""
    return os.environ.get(ENV_SCHEDULER_URL) or DEFAULT_BASE_URL


def create_client(hass: HomeAssistant) -> TTPClient:
    """Return a scheduler client on Home Assistant's shared HTTP session."""
    return TTPClient(async_get_clientsession(hass), scheduler_url())


def failure_key(err: TTPError) -> str:
    """Name a client error as the translations do (config flows, update failures)."""
    return next(
        (key for kind, key in _FAILURE_KEYS if isinstance(err, kind)), "unexpected_response"
    )

"""The scheduler client as the integration uses it: Home Assistant's session, one base URL."""

import os

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import ENV_SCHEDULER_URL
from .ttp import DEFAULT_BASE_URL, TTPClient


def scheduler_url() -> str:
    """Return the scheduler API root; developers point NEXUS_SCHEDULER_URL elsewhere."""
    return os.environ.get(ENV_SCHEDULER_URL) or DEFAULT_BASE_URL


def create_client(hass: HomeAssistant) -> TTPClient:
    """Return a scheduler client on Home Assistant's shared HTTP session."""
    return TTPClient(async_get_clientsession(hass), scheduler_url())

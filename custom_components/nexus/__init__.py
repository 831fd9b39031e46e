"""The NEXUS integration: NEXUS interview slots and membership cards in Home Assistant."""

import os

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, ENV_SCHEDULER_URL
from .coordinator import NexusConfigEntry, NexusCoordinator
from .services import async_setup_services
from .ttp import DEFAULT_BASE_URL, TTPClient

PLATFORMS = [Platform.BINARY_SENSOR, Platform.CALENDAR, Platform.EVENT, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which exist whether or not the service is set up."""
    async_setup_services(hass)
    return True


def create_client(hass: HomeAssistant) -> TTPClient:
    """Return a scheduler client on Home Assistant's shared HTTP session."""
    base_url = os.environ.get(ENV_SCHEDULER_URL) or DEFAULT_BASE_URL
    return TTPClient(async_get_clientsession(hass), base_url)


async def async_setup_entry(hass: HomeAssistant, entry: NexusConfigEntry) -> bool:
    """Set up NEXUS from a config entry."""
    coordinator = NexusCoordinator(hass, entry, create_client(hass))
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    # Adding, changing or removing a watch or a card changes what is polled and which
    # entities exist: reload.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_reload(hass: HomeAssistant, entry: NexusConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: NexusConfigEntry) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)

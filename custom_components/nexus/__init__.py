"""The NEXUS integration: NEXUS interview slots and membership cards in Home Assistant."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .api import create_client
from .const import (
    CONF_LOCATION_ID,
    CONF_MIN_PLACES,
    CONF_WEEKDAYS,
    DOMAIN,
    SUBENTRY_WATCH,
    WEEKDAYS,
)
from .coordinator import NexusConfigEntry, NexusCoordinator
from .services import async_setup_services
from .store import NexusStore

PLATFORMS = [Platform.BINARY_SENSOR, Platform.CALENDAR, Platform.EVENT, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which exist whether or not the service is set up."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: NexusConfigEntry) -> bool:
    """Set up NEXUS from a config entry."""
    # Adding, changing or removing a watch or a card changes what is polled and which
    # entities exist: reload. Listened for before the first refresh, which can take a while:
    # a watch added meanwhile is read by no coordinator, and its reload waits for this setup.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    coordinator = NexusCoordinator(hass, entry, create_client(hass))
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: NexusConfigEntry) -> bool:
    """Bring entries written by earlier versions up to date.

    1.1 -> 1.2: centre watches store their weekdays and minimum places explicitly (1.1 left
    them out when they were the defaults) and the centre id as a number.
    """
    if entry.version > 1:
        return False  # written by a newer release of the integration: never guess at it
    if entry.minor_version < 2:
        for subentry in entry.subentries.values():
            if subentry.subentry_type != SUBENTRY_WATCH:
                continue
            data = dict(subentry.data)
            data[CONF_LOCATION_ID] = int(data[CONF_LOCATION_ID])
            data.setdefault(CONF_WEEKDAYS, list(WEEKDAYS))
            data[CONF_MIN_PLACES] = int(data.get(CONF_MIN_PLACES, 1))
            hass.config_entries.async_update_subentry(entry, subentry, data=data)
        hass.config_entries.async_update_entry(entry, minor_version=2)
    return True


async def async_remove_entry(hass: HomeAssistant, entry: NexusConfigEntry) -> None:
    """Delete what the integration kept on disk: nothing of it stays once it is removed."""
    await NexusStore(hass, entry.entry_id).async_remove()


async def _async_reload(hass: HomeAssistant, entry: NexusConfigEntry) -> None:
    hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: NexusConfigEntry) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)

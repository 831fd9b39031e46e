"""Entries written by earlier versions keep working."""

from types import MappingProxyType

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.nexus import async_migrate_entry
from custom_components.nexus.const import DOMAIN, SUBENTRY_WATCH

from .conftest import FORT_ERIE, card


async def test_migrate_from_1_1(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=1,
        subentries_data=[
            ConfigSubentryData(
                data=MappingProxyType({"location_id": str(FORT_ERIE), "time_from": "09:00:00"}),
                subentry_type=SUBENTRY_WATCH,
                title="Fort Erie, ON, CA",
                subentry_id="old_watch",
                unique_id=None,
            ),
            card("Alex", "2027-06-15", "old_card"),
        ],
    )
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 2)
    assert dict(entry.subentries["old_watch"].data) == {
        "location_id": FORT_ERIE,
        "time_from": "09:00:00",
        "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "minimum_places": 1,
    }
    assert dict(entry.subentries["old_card"].data) == {
        "label": "Alex",
        "expiry_date": "2027-06-15",
    }
    assert hass.states.get("sensor.fort_erie_on_ca_matching_slots_open").state != "unavailable"


async def test_newer_version_is_not_loaded(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, version=2, minor_version=1)
    entry.add_to_hass(hass)

    await hass.config_entries.async_setup(entry.entry_id)

    assert entry.state is ConfigEntryState.MIGRATION_ERROR


async def test_current_version_is_left_alone(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=2,
        subentries_data=[card("Alex", "2027-06-15", "new_card")],
    )
    entry.add_to_hass(hass)

    assert await async_migrate_entry(hass, entry)

    assert (entry.version, entry.minor_version) == (1, 2)
    assert dict(entry.subentries["new_card"].data) == {"label": "Alex", "expiry_date": "2027-06-15"}

"""Entity snapshots that read the same on every Home Assistant release the tests run on.

Home Assistant's own `snapshot_platform` writes registry entries and states as its release
models them (new registry fields, enum-keyed attributes), so one snapshot file cannot serve
the oldest and the newest release. This one keeps what the integration decides, as plain
values: the registry fields it sets, the state and the attributes.
"""

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from syrupy.assertion import SnapshotAssertion

# The registry fields an integration's entity sets; the rest are Home Assistant's or the user's.
ENTRY_FIELDS = (
    "capabilities",
    "device_class",
    "disabled_by",
    "entity_category",
    "has_entity_name",
    "hidden_by",
    "original_device_class",
    "original_icon",
    "original_name",
    "platform",
    "supported_features",
    "translation_key",
    "unique_id",
    "unit_of_measurement",
)


def plain(value: Any) -> Any:
    """Return a value as plain data: enums as their values, sets sorted, times as text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(plain(key)): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def snapshot_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    entry_id: str,
) -> None:
    """Compare each entity of a config entry, registry entry and state, with the snapshot."""
    entries = er.async_entries_for_config_entry(entity_registry, entry_id)
    assert entries, "the config entry has no entity"
    for entry in sorted(entries, key=lambda e: e.entity_id):
        state = hass.states.get(entry.entity_id)
        assert state is not None, entry.entity_id
        assert plain(
            {
                "entry": {field: getattr(entry, field) for field in ENTRY_FIELDS},
                "state": state.state,
                "attributes": dict(state.attributes),
            }
        ) == snapshot(name=entry.entity_id)

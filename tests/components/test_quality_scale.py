"""The quality scale file says what the entities actually created do."""

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.test_quality_scale import status


async def test_entity_categories_as_the_entities_have_them(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    # Every platform's entities: the service's, two watches' and a card's.
    created = er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
    assert {entity.domain for entity in created} == {"binary_sensor", "calendar", "event", "sensor"}
    assert {entity.config_subentry_id for entity in created} == {
        None,
        "watch_blaine",
        "watch_fort_erie",
        "card_alex",
    }
    categorised = [entity.entity_id for entity in created if entity.entity_category is not None]
    assert status("entity-category") == ("done" if categorised else "exempt"), categorised

"""The config flow and the centre watch and card subentry flows, as a user goes through them."""

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.nexus.compat import vol
from custom_components.nexus.const import DOMAIN, SUBENTRY_CARD, SUBENTRY_WATCH
from tests.conftest import RunningSimulator

from .conftest import BLAINE, FORT_ERIE, TORONTO, watch


async def test_user_flow(hass: HomeAssistant, simulator: RunningSimulator) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "NEXUS"
    assert result["data"] == {}
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("binary_sensor.nexus_canadian_enrolment_centres_open").state == "on"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "disconnect"}, "cannot_connect"),
        ({"kind": "status", "status": 403}, "refused"),
        ({"kind": "status", "status": 429, "retry_after": 60}, "refused"),
        ({"kind": "status", "status": 503}, "server_error"),
        ({"kind": "not_json"}, "unexpected_response"),
        ({"kind": "drift", "mode": "missing", "field": "tzData"}, "unexpected_response"),
        ({"kind": "empty"}, "no_centres"),
    ],
)
async def test_user_flow_errors_recover(
    hass: HomeAssistant, simulator: RunningSimulator, fault: dict[str, Any], error: str
) -> None:
    simulator.state.set_fault("locations", fault.pop("kind"), fault)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert not hass.config_entries.async_entries(DOMAIN)

    simulator.state.clear_faults()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_single_instance(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


@pytest.fixture
def subentries() -> list[Any]:
    """Start the subentry tests from an entry with nothing in it."""
    return []


async def start_watch(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_WATCH), context={"source": SOURCE_USER}
    )


async def test_add_centre_watch(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    result = await start_watch(hass, loaded_entry)
    assert result["type"] is FlowResultType.FORM
    options = result["data_schema"].schema["location_id"].config["options"]
    # Canadian centres come first, so they are easy to find, by the names people know, each
    # marked with whether it interviews (read at start); a temporary event comes last.
    assert [o["label"] for o in options[:3]] == [
        "🟢 Buffalo-Ft. Erie (Fort Erie, ON)",
        "🟢 Calgary, AB",
        "🟢 Edmonton, AB",
    ]
    canadian = {"AB", "BC", "MB", "NS", "ON", "QC"}
    assert all(o["label"].rstrip(")")[-2:] in canadian for o in options[:11])
    assert not any(o["label"].rstrip(")")[-2:] in canadian for o in options[11:])
    assert {"value": "5031", "label": "⚪ Halifax (Goffs, NS)"} in options
    assert {"value": str(BLAINE), "label": "Blaine, WA"} in options  # no status read
    assert options[-1] == {"value": "16502", "label": "🗓 DETFO - Detroit Event (Detroit, MI)"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "location_id": str(FORT_ERIE),
            "earliest_date": "2026-12-01",
            "latest_date": "2027-03-01",
            "weekdays": ["mon", "fri"],
            "time_from": "09:00:00",
            "time_until": "12:00:00",
            "minimum_places": 2,
            "max_alerts_per_hour": 3,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Buffalo-Ft. Erie (Fort Erie, ON)"
    await hass.async_block_till_done()

    (subentry,) = loaded_entry.subentries.values()
    assert dict(subentry.data) == {
        "location_id": FORT_ERIE,
        "earliest_date": "2026-12-01",
        "latest_date": "2027-03-01",
        "weekdays": ["mon", "fri"],
        "time_from": "09:00:00",
        "time_until": "12:00:00",
        "minimum_places": 2,
        "max_alerts_per_hour": 3,
    }
    # No documentation needed: the next-slot sensor exists right away.
    assert hass.states.get("sensor.buffalo_ft_erie_fort_erie_on_next_matching_slot") is not None
    # The next watch's picker says Fort Erie is watched already.
    result = await start_watch(hass, loaded_entry)
    options = result["data_schema"].schema["location_id"].config["options"]
    assert options[0] == {
        "value": str(FORT_ERIE),
        "label": "🟢 ⭐ Buffalo-Ft. Erie (Fort Erie, ON)",
    }


@pytest.mark.parametrize(
    ("wishes", "errors"),
    [
        (
            {"earliest_date": "2027-02-01", "latest_date": "2027-01-01"},
            {"latest_date": "latest_before_earliest"},
        ),
        ({"weekdays": []}, {"weekdays": "no_weekdays"}),
        (
            {"time_from": "12:00:00", "time_until": "09:00:00"},
            {"time_until": "window_end_before_start"},
        ),
        (
            {"time_from": "12:00:00", "time_until": "12:00:00", "weekdays": []},
            {"time_until": "window_end_before_start", "weekdays": "no_weekdays"},
        ),
    ],
)
async def test_watch_field_errors_then_fixed(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    wishes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await start_watch(hass, loaded_entry)
    user_input = {"location_id": str(BLAINE), "weekdays": ["mon"], "minimum_places": 1} | wishes
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert not loaded_entry.subentries

    fixed = {"location_id": str(BLAINE), "weekdays": ["mon"], "minimum_places": 1}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], fixed)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_watch_flow_when_the_scheduler_is_down(
    hass: HomeAssistant, simulator: RunningSimulator, config_entry: MockConfigEntry
) -> None:
    simulator.state.set_fault("*", "status", {"status": 503})
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY

    result = await start_watch(hass, config_entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "server_error"

    simulator.state.set_fault("*", "status", {"status": 403})
    result = await start_watch(hass, config_entry)
    assert result["reason"] == "refused"

    simulator.state.set_fault("*", "empty")
    result = await start_watch(hass, config_entry)
    assert result["reason"] == "no_centres"

    simulator.state.clear_faults()
    result = await start_watch(hass, config_entry)
    assert result["type"] is FlowResultType.FORM


async def test_reconfigure_watch(
    hass: HomeAssistant, simulator: RunningSimulator, loaded_entry: MockConfigEntry
) -> None:
    result = await start_watch(hass, loaded_entry)
    await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"location_id": str(BLAINE), "weekdays": ["mon"], "minimum_places": 1}
    )
    await hass.async_block_till_done()
    (subentry_id,) = loaded_entry.subentries

    result = await loaded_entry.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "location_id": str(TORONTO),
            "weekdays": ["tue"],
            "time_from": "08:00:00",
            "minimum_places": 1,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    subentry = loaded_entry.subentries[subentry_id]
    assert subentry.title == "Toronto (Mississauga, ON)"
    assert subentry.data["location_id"] == TORONTO
    assert subentry.data["weekdays"] == ["tue"]
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_reconfigure_watch_when_the_scheduler_is_down(
    hass: HomeAssistant, simulator: RunningSimulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, subentries_data=[watch("Blaine, WA, US", BLAINE, "watch_blaine")]
    )
    simulator.state.set_fault("*", "disconnect")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)

    result = await entry.start_subentry_reconfigure_flow(hass, "watch_blaine")

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_reconfigure_watch_of_a_centre_no_longer_listed(
    hass: HomeAssistant, simulator: RunningSimulator, loaded_entry: MockConfigEntry
) -> None:
    result = await start_watch(hass, loaded_entry)
    await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"location_id": str(TORONTO), "weekdays": ["mon"], "minimum_places": 1}
    )
    await hass.async_block_till_done()
    (subentry_id,) = loaded_entry.subentries
    simulator.state.unlisted.add(TORONTO)
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()

    result = await loaded_entry.start_subentry_reconfigure_flow(hass, subentry_id)
    options = result["data_schema"].schema["location_id"].config["options"]
    assert options[-1] == {"value": str(TORONTO), "label": "Toronto (Mississauga, ON)"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"location_id": str(BLAINE), "weekdays": [], "minimum_places": 1}
    )
    assert result["errors"] == {"weekdays": "no_weekdays"}


async def test_add_and_reconfigure_card(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.subentries.async_init(
        (loaded_entry.entry_id, SUBENTRY_CARD), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    # As the frontend reads the form: a required date field would show today's date, which
    # is no card's expiry. The field starts empty, and is asked for when left so.
    (expiry,) = (key for key in result["data_schema"].schema if key == "expiry_date")
    assert not isinstance(expiry, vol.Required)
    assert expiry.default is vol.UNDEFINED
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"label": "Sam"}
    )
    assert result["errors"] == {"expiry_date": "expiry_missing"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"label": "   ", "expiry_date": "2025-01-01"}
    )
    assert result["errors"] == {"label": "label_empty"}

    # An expired card is allowed: a renewal can be pending past expiry.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"label": " Sam ", "expiry_date": "2026-11-01"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Sam"
    await hass.async_block_till_done()
    assert hass.states.get("sensor.sam_days_until_expiry").state == "-29"
    assert hass.states.get("binary_sensor.sam_renewal_window_open").state == "on"

    (subentry_id,) = loaded_entry.subentries
    result = await loaded_entry.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"label": "", "expiry_date": "2031-11-01"}
    )
    assert result["errors"] == {"label": "label_empty"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"label": "Sam", "expiry_date": "2031-11-01"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert hass.states.get("sensor.sam_days_until_expiry").state == "1797"
    assert hass.states.get("binary_sensor.sam_renewal_window_open").state == "off"

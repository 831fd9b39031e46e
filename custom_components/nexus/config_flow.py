"""Config flow for the NEXUS integration."""

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from .const import DOMAIN


class NexusConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up the connection to the Trusted Traveler Programs scheduler."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Confirm adding the service."""
        if user_input is None:
            return self.async_show_form(step_id="user")
        return self.async_create_entry(title="NEXUS", data={})

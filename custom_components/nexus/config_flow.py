"""Config flow: the scheduler service, plus subentries for centre watches and cards."""

from collections.abc import Mapping, Set as AbstractSet
from datetime import date, time
from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    DateSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)

from .api import create_client, failure_key
from .centres import CentreStatus, centre_labels, is_event
from .compat import vol
from .const import (
    CONF_EARLIEST,
    CONF_EXPIRY,
    CONF_LABEL,
    CONF_LATEST,
    CONF_LOCATION_ID,
    CONF_MAX_ALERTS,
    CONF_MIN_PLACES,
    CONF_TIME_FROM,
    CONF_TIME_UNTIL,
    CONF_WEEKDAYS,
    DEFAULT_MAX_ALERTS,
    DOMAIN,
    LOGGER,
    MAX_ALERTS,
    MAX_PLACES,
    SUBENTRY_CARD,
    SUBENTRY_WATCH,
    WEEKDAYS,
)
from .ttp import Location, TTPError


class NexusConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up the connection to the Trusted Traveler Programs scheduler."""

    VERSION = 1
    MINOR_VERSION = 2

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Check that the scheduler answers with the NEXUS centre list, then add the service."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                await create_client(self.hass).get_program_centres()
            except TTPError as err:
                LOGGER.debug("Scheduler check failed: %s", err)
                errors["base"] = failure_key(err)
            else:
                return self.async_create_entry(title="NEXUS", data={})
        return self.async_show_form(step_id="user", data_schema=vol.Schema({}), errors=errors)

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Centre watches and membership cards."""
        return {SUBENTRY_WATCH: CentreWatchFlow, SUBENTRY_CARD: MembershipCardFlow}


# Beside each centre in the picker, what a user choosing one wants to know first. Marks, not
# words: the labels are not translated; the field's description says what each means.
_MARKS: dict[CentreStatus | None, str] = {
    CentreStatus.INTERVIEWING: "🟢",
    CentreStatus.NOT_INTERVIEWING: "⚪",
}
_WATCHED, _EVENT = "⭐", "🗓"


def _centre_options(
    centres: Mapping[int, Location],
    status: Mapping[int, CentreStatus | None],
    watched: AbstractSet[int],
) -> list[SelectOptionDict]:
    """Canadian centres first (most users look for one), then the others, events last."""
    labels = centre_labels(centres.values())
    ordered = sorted(centres.values(), key=lambda c: (is_event(c), not c.canadian, labels[c.id]))

    def label(centre: Location) -> str:
        marks = [_EVENT] if is_event(centre) else [_MARKS.get(status.get(centre.id), "")]
        marks.append(_WATCHED if centre.id in watched else "")
        return " ".join([*filter(None, marks), labels[centre.id]])

    return [SelectOptionDict(value=str(c.id), label=label(c)) for c in ordered]


def _watch_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    earliest, latest = user_input.get(CONF_EARLIEST), user_input.get(CONF_LATEST)
    if earliest and latest and date.fromisoformat(latest) < date.fromisoformat(earliest):
        errors[CONF_LATEST] = "latest_before_earliest"
    if not user_input.get(CONF_WEEKDAYS):
        errors[CONF_WEEKDAYS] = "no_weekdays"
    start, end = user_input.get(CONF_TIME_FROM), user_input.get(CONF_TIME_UNTIL)
    if start and end and time.fromisoformat(end) <= time.fromisoformat(start):
        errors[CONF_TIME_UNTIL] = "window_end_before_start"
    return errors


class CentreWatchFlow(ConfigSubentryFlow):
    """Add or change a centre watch: which centre, and which slots are wanted."""

    def __init__(self) -> None:
        """Start without the centre list; it is read once per flow."""
        self._centres: dict[int, Location] = {}
        self._status: Mapping[int, CentreStatus | None] = {}  # as far as NEXUS has read them

    async def _load_centres(self) -> str | None:
        """Read the centre list, from the running coordinator when there is one."""
        entry = self._get_entry()
        if entry.state is ConfigEntryState.LOADED and entry.runtime_data.data:
            self._centres = dict(entry.runtime_data.data.centres)
            self._status = entry.runtime_data.data.status
            return None
        try:
            self._centres = await create_client(self.hass).get_program_centres()
        except TTPError as err:
            LOGGER.debug("Cannot load the centre list: %s", err)
            return failure_key(err)
        return None

    def _schema(self, extra: Mapping[int, str]) -> vol.Schema:
        watched = {
            int(subentry.data[CONF_LOCATION_ID])
            for subentry in self._get_entry().subentries.values()
            if subentry.subentry_type == SUBENTRY_WATCH
        }
        options = _centre_options(self._centres, self._status, watched)
        options += [SelectOptionDict(value=str(cid), label=title) for cid, title in extra.items()]
        return vol.Schema(
            {
                vol.Required(CONF_LOCATION_ID): SelectSelector(
                    SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
                ),
                vol.Optional(CONF_EARLIEST): DateSelector(),
                vol.Optional(CONF_LATEST): DateSelector(),
                vol.Required(CONF_WEEKDAYS, default=list(WEEKDAYS)): SelectSelector(
                    SelectSelectorConfig(
                        options=list(WEEKDAYS),
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                        translation_key=CONF_WEEKDAYS,
                    )
                ),
                vol.Optional(CONF_TIME_FROM): TimeSelector(),
                vol.Optional(CONF_TIME_UNTIL): TimeSelector(),
                vol.Required(CONF_MIN_PLACES, default=1): NumberSelector(
                    NumberSelectorConfig(min=1, max=MAX_PLACES, step=1, mode=NumberSelectorMode.BOX)
                ),
                vol.Required(CONF_MAX_ALERTS, default=DEFAULT_MAX_ALERTS): NumberSelector(
                    NumberSelectorConfig(min=1, max=MAX_ALERTS, step=1, mode=NumberSelectorMode.BOX)
                ),
            }
        )

    def _data(self, user_input: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        location_id = int(user_input[CONF_LOCATION_ID])
        data = {key: value for key, value in user_input.items() if value not in (None, "")}
        data[CONF_LOCATION_ID] = location_id
        data[CONF_MIN_PLACES] = int(user_input[CONF_MIN_PLACES])
        data[CONF_MAX_ALERTS] = int(user_input[CONF_MAX_ALERTS])
        labels = centre_labels(self._centres.values())
        return labels.get(location_id, str(location_id)), data

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a centre watch."""
        if not self._centres and (error := await self._load_centres()):
            return self.async_abort(reason=error)
        errors = _watch_errors(user_input) if user_input is not None else {}
        if user_input is not None and not errors:
            title, data = self._data(user_input)
            return self.async_create_entry(title=title, data=data)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(self._schema({}), user_input or {}),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a centre watch's centre or wishes."""
        subentry = self._get_reconfigure_subentry()
        if not self._centres and (error := await self._load_centres()):
            return self.async_abort(reason=error)
        errors = _watch_errors(user_input) if user_input is not None else {}
        if user_input is not None and not errors:
            title, data = self._data(user_input)
            return self.async_update_and_abort(self._get_entry(), subentry, title=title, data=data)
        current = int(subentry.data[CONF_LOCATION_ID])
        # A centre no longer listed stays selectable, so the form still opens.
        extra = {} if current in self._centres else {current: subentry.title}
        suggested = dict(subentry.data) | {CONF_LOCATION_ID: str(current)} | (user_input or {})
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(self._schema(extra), suggested),
            errors=errors,
        )


CARD_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_LABEL): TextSelector(),
        # Not Required: the frontend would fill in today's date, which is no card's expiry.
        vol.Optional(CONF_EXPIRY): DateSelector(),
    }
)


class MembershipCardFlow(ConfigSubentryFlow):
    """Add or change a membership card: whose it is and when it expires."""

    def _errors(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not str(user_input.get(CONF_LABEL, "")).strip():
            errors[CONF_LABEL] = "label_empty"
        if not user_input.get(CONF_EXPIRY):
            errors[CONF_EXPIRY] = "expiry_missing"
        return errors

    @staticmethod
    def _data(user_input: Mapping[str, Any]) -> dict[str, Any]:
        return {
            CONF_LABEL: str(user_input[CONF_LABEL]).strip(),
            CONF_EXPIRY: user_input[CONF_EXPIRY],
        }

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a card; an expiry date in the past is allowed (renewals can be pending)."""
        errors = self._errors(user_input) if user_input is not None else {}
        if user_input is not None and not errors:
            data = self._data(user_input)
            return self.async_create_entry(title=data[CONF_LABEL], data=data)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(CARD_SCHEMA, user_input or {}),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a card's label or expiry date (after a renewal, say)."""
        subentry = self._get_reconfigure_subentry()
        errors = self._errors(user_input) if user_input is not None else {}
        if user_input is not None and not errors:
            data = self._data(user_input)
            return self.async_update_and_abort(
                self._get_entry(), subentry, title=data[CONF_LABEL], data=data
            )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                CARD_SCHEMA, dict(subentry.data) | (user_input or {})
            ),
            errors=errors,
        )

"""Repair issues: a watched centre no longer listed (removable in one step), a refusal."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .compat import vol
from .const import DOMAIN

if TYPE_CHECKING:  # a name of its own from 2026.6; only annotations use it
    from homeassistant.components.repairs import RepairsFlowResult

REFUSED_ISSUE = "scheduler_refuses"
HISTORY_LOST_ISSUE = "history_unreadable"


@callback
def async_sync_unlisted_issues(
    hass: HomeAssistant, entry: ConfigEntry, unlisted: Iterable[str], listed: Iterable[str]
) -> None:
    """Raise an issue for each watch (subentry id) whose centre is not listed, clear the rest."""
    for sid in unlisted:
        ir.async_create_issue(
            hass,
            DOMAIN,
            f"centre_not_listed_{sid}",
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key="centre_not_listed",
            translation_placeholders={"watch": entry.subentries[sid].title},
            data={"entry_id": entry.entry_id, "subentry_id": sid},
        )
    for sid in listed:
        ir.async_delete_issue(hass, DOMAIN, f"centre_not_listed_{sid}")


@callback
def async_set_refused_issue(hass: HomeAssistant, *, refused: bool) -> None:
    """Say, or stop saying, that the scheduler has refused requests for a long time."""
    if not refused:
        ir.async_delete_issue(hass, DOMAIN, REFUSED_ISSUE)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        REFUSED_ISSUE,
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=REFUSED_ISSUE,
    )


@callback
def async_set_history_lost_issue(hass: HomeAssistant, lost: int) -> None:
    """Say that stored history could not be read: the figures start again from what is left.

    Not persistent: it is about this start only, and goes at the next restart.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        HISTORY_LOST_ISSUE,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=HISTORY_LOST_ISSUE,
        translation_placeholders={"lost": str(lost)},
    )


class RemoveWatchRepairFlow(RepairsFlow):
    """Offer to remove a centre watch whose centre is gone; a new one can be added after."""

    def __init__(self, entry_id: str, subentry_id: str) -> None:
        """Remember which watch the issue is about."""
        self._entry_id = entry_id
        self._subentry_id = subentry_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Remove the watch once the user confirms."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if user_input is not None:
            if entry is not None and self._subentry_id in entry.subentries:
                self.hass.config_entries.async_remove_subentry(entry, self._subentry_id)
            return self.async_create_entry(data={})
        title = (
            entry.subentries[self._subentry_id].title
            if entry is not None and self._subentry_id in entry.subentries
            else ""
        )
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders={"watch": title},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow of a repair issue; only "centre not listed" issues are fixable."""
    data = data or {}
    return RemoveWatchRepairFlow(str(data.get("entry_id")), str(data.get("subentry_id")))

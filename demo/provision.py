"""Onboard a fresh Home Assistant and configure NEXUS through Home Assistant's HTTP API.

Everything goes through the same flows a user goes through (onboarding, config flow,
subentry flows), so the demo is set up exactly as a user would have it.
"""

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp

DEMO_USER = "demo"
DEMO_PASSWORD = "nexus-demo"  # noqa: S105 (a published demo login on loopback)
DEMO_NAME = "Demo"
# The demo's announce automation, made from the blueprint as the automation editor makes it.
DEMO_AUTOMATION = "nexus_demo_announce"
DEMO_AUTOMATION_ALIAS = "Announce NEXUS openings"


@dataclass(frozen=True)
class Watch:
    """A centre watch to add."""

    location_id: int
    wishes: dict[str, Any]


DEMO_WATCHES = (
    Watch(5020, {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "minimum_places": 1}),
    Watch(
        5022,
        {
            "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "time_from": "09:00:00",
            "time_until": "16:00:00",
            "minimum_places": 1,
        },
    ),
    # Listed but closed at first, as during the 2020-2023 closure; it reopens minutes in.
    Watch(5031, {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "minimum_places": 1}),
)


class HomeAssistantAPI:
    """A small client of Home Assistant's HTTP API, as the frontend uses it."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        """Talk to the Home Assistant at `base` (http://127.0.0.1:8123)."""
        self.session = session
        self.base = base.rstrip("/")
        self.client_id = f"{self.base}/"
        self.token = ""

    async def wait_until_up(self, timeout: float = 300) -> None:
        """Wait until Home Assistant answers HTTP."""
        async with asyncio.timeout(timeout):
            while True:
                try:
                    async with self.session.get(f"{self.base}/api/onboarding") as reply:
                        if reply.status in (200, 401, 404):
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(1)

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the API with the access token and return the JSON answer."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, f"{self.base}{path}", headers=headers, **kwargs
        ) as reply:
            if reply.status >= 400:
                raise RuntimeError(f"{method} {path}: {reply.status} {await reply.text()}")
            return await reply.json()

    async def _token(self, code: str) -> None:
        data = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self.session.post(f"{self.base}/auth/token", data=data) as reply:
            reply.raise_for_status()
            self.token = (await reply.json())["access_token"]

    async def onboard_or_login(self, username: str, password: str, language: str = "en") -> bool:
        """Create the owner on a fresh instance, else log in. True when it onboarded."""
        steps = await self.request("GET", "/api/onboarding")
        if not any(s["step"] == "user" and s["done"] for s in steps):
            created = await self.request(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": self.client_id,
                    "name": DEMO_NAME,
                    "username": username,
                    "password": password,
                    "language": language,
                },
            )
            await self._token(created["auth_code"])
            await self.request("POST", "/api/onboarding/core_config", json={})
            await self.request("POST", "/api/onboarding/analytics", json={})
            await self.request(
                "POST",
                "/api/onboarding/integration",
                json={"client_id": self.client_id, "redirect_uri": self.client_id},
            )
            # Where a NEXUS user lives, as the onboarding map would have set it.
            await self.websocket(
                {"type": "config/core/update", "country": "CA", "time_zone": "America/Toronto"}
            )
            return True
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={"username": username, "password": password, "client_id": self.client_id},
        )
        await self._token(result["result"])
        return False

    async def websocket(self, command: dict[str, Any]) -> Any:
        """Send one websocket command and return its result."""
        async with self.session.ws_connect(f"{self.base}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (await ws.receive_json())["type"] != "auth_ok":
                raise RuntimeError("websocket authentication failed")
            await ws.send_json({"id": 1} | command)
            return await ws.receive_json()

    async def nexus_entry(self) -> str:
        """Return the NEXUS config entry id, adding the integration when missing."""
        entries = await self.request("GET", "/api/config/config_entries/entry?domain=nexus")
        if entries:
            return str(entries[0]["entry_id"])
        flow = await self.request(
            "POST", "/api/config/config_entries/flow", json={"handler": "nexus"}
        )
        result = await self.request(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", json={}
        )
        if result["type"] != "create_entry":
            raise RuntimeError(f"Adding NEXUS failed: {result}")
        return str(result["result"]["entry_id"])

    async def add_subentry(self, entry_id: str, kind: str, user_input: dict[str, Any]) -> str:
        """Run a subentry flow with one form; return the title it created."""
        flow = await self.request(
            "POST",
            "/api/config/config_entries/subentries/flow",
            json={"handler": [entry_id, kind]},
        )
        result = await self.request(
            "POST",
            f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
            json=user_input,
        )
        if result["type"] != "create_entry":
            raise RuntimeError(f"Adding a {kind} failed: {result}")
        return str(result["title"])


async def nexus_entities(
    api: HomeAssistantAPI, key: str, count: int, timeout: float = 60
) -> dict[str, str]:
    """Return each watch's NEXUS entity of a kind, and its device, once `count` are there.

    Found by the entity description's key, the end of the unique id, whatever the entity id
    (its words follow the server's language). A subentry's entities are registered when the
    entry has reloaded, just after its flow ends.
    """
    async with asyncio.timeout(timeout):
        while True:
            registry = await api.websocket({"type": "config/entity_registry/list"})
            found = {
                e["entity_id"]: e["device_id"]
                for e in registry["result"]
                if e["platform"] == "nexus" and e["unique_id"].endswith(f"_{key}")
            }
            if len(found) >= count:
                return found
            await asyncio.sleep(1)


async def add_openings_statistics(api: HomeAssistantAPI, count: int, timeout: float = 60) -> int:
    """Draw the history the demo starts with (demo/history.py) on the Openings graph.

    Each watch's *Openings counted* starts at 0, and Home Assistant's statistics with it: the
    days before the demo would show no bar. So each watch's openings, as the integration's
    own `nexus.get_openings` action gives them, go in as the sensor's hourly statistics. The
    sensor's own statistics start their sum at 0 (from their first 5-minute row, not from
    imported hours), so the imported sums run up to 0, from a row a year back: the graph
    draws the change of the sum per period, right for any window up to a year. Returns how
    many openings went in.
    """
    counted = await nexus_entities(api, "openings_total", count, timeout)
    this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    told = 0
    for entity_id, device_id in sorted(counted.items()):
        reply = await api.request(
            "POST", "/api/services/nexus/get_openings?return_response", json={"watch": device_id}
        )
        hours = Counter(
            hour
            for o in reply["service_response"]["openings"]
            if (hour := _hour(o["opened"])) < this_hour  # this hour is the sensor's own
        )
        total, seen = sum(hours.values()), 0
        stats = [
            {"start": (this_hour - timedelta(days=365)).isoformat(), "state": 0, "sum": -total}
        ]
        for hour in sorted(hours):
            seen += hours[hour]
            stats.append({"start": hour.isoformat(), "state": seen, "sum": seen - total})
        metadata = {
            "has_sum": True,
            "mean_type": 0,  # none
            "name": None,
            "source": "recorder",
            "statistic_id": entity_id,
            "unit_class": None,
            "unit_of_measurement": None,
        }
        reply = await api.websocket(
            {"type": "recorder/import_statistics", "metadata": metadata, "stats": stats}
        )
        if not reply.get("success"):
            raise RuntimeError(f"importing the statistics of {entity_id} failed: {reply}")
        told += total
    return told


def _hour(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def add_announce_automation(api: HomeAssistantAPI) -> bool:
    """Make the demo's announce automation, unless there is one. Return whether it was made.

    Saved through the automation editor's own API (to automations.yaml, then reloaded): every
    watch's alerts, and their withdrawals, in Home Assistant's notifications (the bell).
    """
    states = await api.request("GET", "/api/states")
    if any(s["attributes"].get("id") == DEMO_AUTOMATION for s in states):
        return False
    config = {
        "alias": DEMO_AUTOMATION_ALIAS,
        "description": "The demo's alerts, in Home Assistant's notifications.",
        "use_blueprint": {
            "path": "nexus/announce_openings.yaml",
            "input": {
                "slot_event": sorted(await nexus_entities(api, "slot_opened", len(DEMO_WATCHES))),
                "in_home_assistant": True,
            },
        },
    }
    await api.request("POST", f"/api/config/automation/config/{DEMO_AUTOMATION}", json=config)
    return True


async def provision_demo(api: HomeAssistantAPI, today: date) -> list[str]:
    """Add NEXUS, the demo watches and a card, unless a previous start did. Return news."""
    news: list[str] = []
    entry_id = await api.nexus_entry()
    entries = await api.request("GET", "/api/config/config_entries/entry?domain=nexus")
    has_subentries = bool(entries[0].get("num_subentries"))
    if not has_subentries:
        for watch in DEMO_WATCHES:
            title = await api.add_subentry(
                entry_id, "centre_watch", {"location_id": str(watch.location_id)} | watch.wishes
            )
            news.append(f"added the centre watch {title}")
        expiry = today + timedelta(days=200)
        await api.add_subentry(
            entry_id, "membership_card", {"label": "Sam", "expiry_date": expiry.isoformat()}
        )
        news.append(f"added the membership card Sam (expires {expiry.isoformat()})")
        told = await add_openings_statistics(api, len(DEMO_WATCHES))
        news.append(f"drew {told} openings of the last days on the Openings graph")
    if await add_announce_automation(api):
        news.append(
            f"added the automation '{DEMO_AUTOMATION_ALIAS}': alerts show under the bell "
            "(Notifications) in the sidebar"
        )
    return news

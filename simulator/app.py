"""The aiohttp application: the scheduler's endpoints and a control endpoint."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
import gzip
import json
from typing import Any

from aiohttp import web

from .scenario import CentreSlots
from .state import ENDPOINTS, Fault, SimulatorState

API_PREFIX = "/schedulerapi"
STATE_KEY = web.AppKey("state", SimulatorState)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_MAINTENANCE_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
)


def _stamp(moment: datetime) -> str:
    """Write a time as the scheduler does: wall clock, no offset, no seconds."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def _bool_param(request: web.Request, name: str) -> bool | None:
    value = request.query.get(name)
    return None if value is None else value.lower() == "true"


def _date_param(request: web.Request) -> date | None:
    if request.query.get("filterTimestampBy") != "before" or "timestamp" not in request.query:
        return None
    return date.fromisoformat(request.query["timestamp"][:10])


def _int_param(request: web.Request, name: str, default: int) -> int:
    try:
        return int(request.query.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a number") from None


def _state(request: web.Request) -> SimulatorState:
    return request.app[STATE_KEY]


def _listed(state: SimulatorState, request: web.Request) -> list[dict[str, Any]]:
    service = request.query.get("serviceName")
    filters = {key: _bool_param(request, key) for key in ("operational", "temporary", "inviteOnly")}
    return [
        location
        for location_id, location in ((i, state.locations[i]) for i in state.order)
        if location_id not in state.unlisted
        and (service is None or any(s.get("name") == service for s in location.get("services", [])))
        and all(value is None or location.get(key) == value for key, value in filters.items())
    ]


async def locations(request: web.Request) -> list[dict[str, Any]]:
    """GET /locations/: the centres, filtered as the real scheduler filters them."""
    return _listed(_state(request), request)


async def soonest_slots(request: web.Request) -> list[dict[str, Any]]:
    """GET /slots?orderBy=soonest&limit&locationId&minimum[&filterTimestampBy=before&timestamp]."""
    state = _state(request)
    location_id = _int_param(request, "locationId", 0)
    limit = _int_param(request, "limit", 1)
    times = state.open_times(location_id, _int_param(request, "minimum", 1), _date_param(request))
    duration = state.durations.get(location_id, 15)
    return [
        {
            "locationId": location_id,
            "startTimestamp": _stamp(moment),
            "endTimestamp": _stamp(moment + timedelta(minutes=duration)),
            "active": True,
            "duration": duration,
            "remoteInd": False,
        }
        for moment, _row in times[:limit]
    ]


async def capacity(request: web.Request) -> list[dict[str, Any]]:
    """GET /locations/{id}/slots?startTimestamp&endTimestamp: every time, full ones included."""
    state = _state(request)
    location_id = int(request.match_info["location_id"])
    try:
        start = datetime.fromisoformat(request.query["startTimestamp"])
        end = datetime.fromisoformat(request.query["endTimestamp"])
    except KeyError, ValueError:
        raise web.HTTPBadRequest(text="startTimestamp and endTimestamp are required") from None
    if location_id in state.unlisted:
        return []
    duration = state.durations.get(location_id, 15)
    return [
        {
            "active": row.available,
            "total": row.total,
            "pending": row.pending,
            "conflicts": 0,
            "duration": duration,
            "timestamp": _stamp(moment),
            "remote": False,
        }
        for moment, row in sorted(state.schedules.get(location_id, {}).items())
        if start <= moment < end
    ]


async def as_locations(request: web.Request) -> list[dict[str, Any]]:
    """GET /slots/asLocations: the centres with open slots, in one request."""
    state = _state(request)
    minimum = _int_param(request, "minimum", 1)
    before = _date_param(request)
    limit = _int_param(request, "limit", 500)
    return [
        location
        for location in _listed(state, request)
        if state.open_times(int(location["id"]), minimum, before)
    ][:limit]


def _drift(data: Any, mode: str, field: str) -> Any:
    """Change one field of every object in the answer, as an API change would."""
    if isinstance(data, list):
        return [_drift(item, mode, field) for item in data]
    if not isinstance(data, dict) or field not in data:
        return data
    changed = dict(data)
    value = changed.pop(field)
    if mode == "rename":
        changed[f"{field}V2"] = value
    elif mode == "null":
        changed[field] = None
    elif mode == "mistype":
        changed[field] = [value] if not isinstance(value, str) else 12345
    return changed


async def _faulty(request: web.Request, fault: Fault, data: Any) -> web.StreamResponse:
    params = fault.params
    body = json.dumps(data)
    match fault.kind:
        case "status":
            status = int(params.get("status", 500))
            headers = {}
            if params.get("retry_after") is not None:
                headers["Retry-After"] = str(params["retry_after"])
            text = params.get("body", _MAINTENANCE_PAGE if status == 502 else "")
            return web.Response(status=status, text=text, headers=headers, content_type="text/html")
        case "hang":
            await asyncio.sleep(float(params.get("seconds", 3600)))
        case "slow_body":
            response = web.StreamResponse(headers={"Content-Type": "application/json"})
            await response.prepare(request)
            chunks = max(int(params.get("chunks", 10)), 1)
            size = -(-len(body) // chunks)
            for index in range(chunks):
                await response.write(body[index * size : (index + 1) * size].encode())
                await asyncio.sleep(float(params.get("seconds", 5)) / chunks)
            await response.write_eof()
            return response
        case "truncate":
            return web.Response(text=body[: len(body) // 2], content_type="application/json")
        case "not_json":
            return web.Response(text=_MAINTENANCE_PAGE, content_type="text/html")
        case "content_type":
            return web.Response(text=body, content_type="text/html")
        case "drift":
            drifted = _drift(data, params.get("mode", "missing"), params.get("field", "id"))
            return web.json_response(drifted)
        case "oversize":
            # Compressed, as a CDN sends JSON: the size is what it inflates to, and the
            # stand-in's write never waits on a client that stops reading.
            padding = max(int(params.get("bytes", 8_000_000)) - len(body), 0)
            return web.Response(
                body=gzip.compress(f"[{' ' * padding}]".encode()),
                content_type="application/json",
                headers={"Content-Encoding": "gzip"},
            )
        case "empty":
            return web.json_response([])
        case "disconnect":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        case "delay":
            await asyncio.sleep(float(params.get("seconds", 1)))
    return web.Response(text=body, content_type="application/json")


def _endpoint(name: str, view: Callable[[web.Request], Awaitable[Any]]) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        state = _state(request)
        state.counts[name] += 1
        named = request.query.get("locationId") or request.match_info.get("location_id")
        centre = int(named) if named is not None and named.isdecimal() else None
        if centre is not None:
            state.centre_counts[name, centre] += 1
        await state.wait_if_held(name)
        state.apply_timeline()
        data = await view(request)
        fault = state.take_fault(name, centre)
        response = web.json_response(data) if fault is None else await _faulty(request, fault, data)
        if isinstance(response, web.Response) and isinstance(response.body, bytes):
            state.bytes_sent[name] += len(response.body)
        return response

    return handle


async def control_state(request: web.Request) -> web.Response:
    """GET /_control: the clock, the counts, the faults and what is listed."""
    state = _state(request)
    state.apply_timeline()
    return web.json_response(
        {
            "now": state.now().isoformat(),
            "elapsed": state.elapsed(),
            "counts": {name: state.counts[name] for name in ENDPOINTS},
            "centre_counts": {
                name: {str(c): n for (e, c), n in sorted(state.centre_counts.items()) if e == name}
                for name in ENDPOINTS
            },
            "bytes": {name: state.bytes_sent[name] for name in ENDPOINTS},
            "faults": {name: {"kind": f.kind, **f.params} for name, f in state.faults.items()},
            "unlisted": sorted(state.unlisted),
        }
    )


async def control_reset_counts(request: web.Request) -> web.Response:
    """DELETE /_control/counts: start counting requests again from zero."""
    _state(request).counts.clear()
    _state(request).centre_counts.clear()
    _state(request).bytes_sent.clear()
    return web.json_response({"ok": True})


async def control_set_fault(request: web.Request) -> web.Response:
    """PUT /_control/faults/{endpoint} {"kind": …, "times": n, …}: switch a fault on."""
    body = await request.json()
    params = {key: value for key, value in body.items() if key not in ("kind", "times")}
    try:
        _state(request).set_fault(
            request.match_info["endpoint"], body.get("kind", ""), params, body.get("times")
        )
    except ValueError as err:
        raise web.HTTPBadRequest(text=str(err)) from None
    return web.json_response({"ok": True})


async def control_clear_faults(request: web.Request) -> web.Response:
    """DELETE /_control/faults[/{endpoint}]: switch faults off."""
    _state(request).clear_faults(request.match_info.get("endpoint", "*"))
    return web.json_response({"ok": True})


async def control_set_slot(request: web.Request) -> web.Response:
    """POST /_control/slots {"location", "start": "YYYY-MM-DDTHH:MM", "available"[, "total"]}."""
    body = await request.json()
    _state(request).set_time(
        int(body["location"]),
        datetime.fromisoformat(body["start"]),
        int(body["available"]),
        body.get("total"),
    )
    return web.json_response({"ok": True})


async def control_listing(request: web.Request) -> web.Response:
    """POST /_control/listing {"location": id, "listed": bool}: a centre leaves or rejoins."""
    body = await request.json()
    state = _state(request)
    if body.get("listed", True):
        state.unlisted.discard(int(body["location"]))
    else:
        state.unlisted.add(int(body["location"]))
    return web.json_response({"ok": True})


async def control_regenerate(request: web.Request) -> web.Response:
    """POST /_control/regenerate {"open_slots": n, "locations": [ids]}: new schedules."""
    body = await request.json()
    spec = CentreSlots(
        open_slots=int(body["open_slots"]),
        days=(int(body.get("days", [1, 365])[0]), int(body.get("days", [1, 365])[1])),
    )
    _state(request).regenerate([int(i) for i in body["locations"]], spec)
    return web.json_response({"ok": True})


async def control_advance(request: web.Request) -> web.Response:
    """POST /_control/advance {"seconds": n}: move the clock on; due timeline events apply."""
    body = await request.json()
    _state(request).advance(float(body["seconds"]))
    return web.json_response({"ok": True})


def create_app(state: SimulatorState) -> web.Application:
    """Build the application serving `state`."""
    app = web.Application()
    app[STATE_KEY] = state
    app.router.add_get(f"{API_PREFIX}/locations/", _endpoint("locations", locations))
    app.router.add_get(f"{API_PREFIX}/locations", _endpoint("locations", locations))
    app.router.add_get(f"{API_PREFIX}/slots", _endpoint("slots", soonest_slots))
    app.router.add_get(f"{API_PREFIX}/slots/asLocations", _endpoint("as_locations", as_locations))
    app.router.add_get(
        f"{API_PREFIX}/locations/{{location_id:\\d+}}/slots", _endpoint("capacity", capacity)
    )
    app.router.add_get("/_control", control_state)
    app.router.add_delete("/_control/counts", control_reset_counts)
    app.router.add_put("/_control/faults/{endpoint}", control_set_fault)
    app.router.add_delete("/_control/faults", control_clear_faults)
    app.router.add_delete("/_control/faults/{endpoint}", control_clear_faults)
    app.router.add_post("/_control/slots", control_set_slot)
    app.router.add_post("/_control/listing", control_listing)
    app.router.add_post("/_control/advance", control_advance)
    app.router.add_post("/_control/regenerate", control_regenerate)
    return app

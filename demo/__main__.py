"""Set up the demo once Home Assistant is up: python -m demo --ha URL [--simulator URL]."""

import argparse
import asyncio
from datetime import date

import aiohttp

from custom_components.nexus.centres import centre_labels
from custom_components.nexus.ttp.models import parse_locations
from simulator import load_scenario

from .provision import DEMO_PASSWORD, DEMO_USER, HomeAssistantAPI, provision_demo


def _describe(event: dict[str, object], names: dict[int, str]) -> str:
    def centre(value: object) -> str:
        return names.get(int(str(value)), f"centre {value}")

    for kind, verb in (("open", "a slot opens"), ("take", "a slot is taken")):
        if isinstance(spec := event.get(kind), dict):
            where = f"in {spec['in_days']} days, {spec['at']} centre time"
            return f"{verb} at {centre(spec['location'])} ({where})"
    if isinstance(spec := event.get("take_soonest"), dict):
        return f"the soonest slot at {centre(spec['location'])} is taken"
    if "unlist" in event:
        return f"{centre(event['unlist'])} stops being listed"
    if "reopen" in event:
        return f"{centre(event['reopen'])} starts interviewing (publishes interview times)"
    return f"{centre(event.get('list'))} is listed again"


async def upcoming(session: aiohttp.ClientSession, simulator: str, count: int = 4) -> list[str]:
    """Say what the stand-in's timeline does next, for the newcomer watching the dashboard."""
    async with session.get(f"{simulator}/_control") as reply:
        elapsed = float((await reply.json())["elapsed"])
    scenario = load_scenario("demo")
    # By the labels the integration shows ("Blaine, WA"), not the scheduler's names.
    names = centre_labels(parse_locations(scenario.locations))
    period = float(scenario.repeat or 0)
    lines: list[str] = []
    for cycle in range(3):
        for event in scenario.timeline:
            due = float(event["after"]) + cycle * period - elapsed
            if due > 0 and len(lines) < count and (cycle == 0 or period):
                lines.append(f"  in ~{max(round(due / 60), 1)} min: {_describe(event, names)}")
    return lines


async def main() -> None:
    """Provision the demo and say how to use it."""
    parser = argparse.ArgumentParser(prog="python -m demo")
    parser.add_argument("--ha", default="http://127.0.0.1:8123")
    parser.add_argument("--simulator", help="the stand-in's root, to say what happens next")
    args = parser.parse_args()
    async with aiohttp.ClientSession() as session:
        api = HomeAssistantAPI(session, args.ha)
        await api.wait_until_up()
        if await api.onboard_or_login(DEMO_USER, DEMO_PASSWORD):
            print("demo: onboarded Home Assistant", flush=True)
        for line in await provision_demo(api, date.today()):
            print(f"demo: {line}", flush=True)
        print(
            f"\ndemo: open {args.ha}/nexus-demo and log in as "
            f"user '{DEMO_USER}', password '{DEMO_PASSWORD}'",
            flush=True,
        )
        if args.simulator:
            print("demo: the scheduler stand-in will change things (demo scenario):", flush=True)
            for line in await upcoming(session, args.simulator):
                print(line, flush=True)
            print(f"demo: the stand-in's state: {args.simulator}/_control\n", flush=True)


if __name__ == "__main__":
    asyncio.run(main())

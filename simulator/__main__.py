"""Run the scheduler stand-in: python -m simulator --port 8099 --scenario demo."""

import argparse

from aiohttp import web

from .app import API_PREFIX, create_app
from .scenario import load_scenario
from .state import SimulatorState


def main() -> None:
    """Serve a scenario on loopback until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument(
        "--scenario", default="demo", help="a name in simulator/scenarios, or a path"
    )
    args = parser.parse_args()
    state = SimulatorState(load_scenario(args.scenario))
    base = f"http://{args.host}:{args.port}"
    print(f"Scheduler stand-in ({args.scenario}) on {base}{API_PREFIX}", flush=True)
    print(f"Control: {base}/_control", flush=True)
    web.run_app(create_app(state), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()

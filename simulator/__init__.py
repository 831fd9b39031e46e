"""A local stand-in for the CBP Trusted Traveler Programs scheduler API.

Serves the scheduler's endpoints on loopback from a scenario, with faults that can be switched
on and off at run time, so that the demo, the tests and the benchmark run without the internet.
"""

from .app import API_PREFIX, create_app
from .scenario import Scenario, load_scenario
from .state import FAULT_KINDS, SimulatorState

__all__ = ["API_PREFIX", "FAULT_KINDS", "Scenario", "SimulatorState", "create_app", "load_scenario"]

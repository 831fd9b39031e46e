"""Constants for the NEXUS integration."""

from typing import Final

DOMAIN: Final = "nexus"

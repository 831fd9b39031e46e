"""Constants for the NEXUS integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "nexus"
LOGGER = logging.getLogger(__package__)

# Developers and tests point the integration at the local scheduler stand-in with this
# environment variable; users never need it.
ENV_SCHEDULER_URL: Final = "NEXUS_SCHEDULER_URL"
SCHEDULER_WEBSITE: Final = "https://ttp.cbp.dhs.gov/"

SLOT_OPENED: Final = "slot_opened"
# Seconds before the seen-slot set is written; Home Assistant writes it at once when it stops.
SEEN_SAVE_DELAY: Final = 1

SUBENTRY_WATCH: Final = "centre_watch"
SUBENTRY_CARD: Final = "membership_card"

CONF_LOCATION_ID: Final = "location_id"
CONF_EARLIEST: Final = "earliest_date"
CONF_LATEST: Final = "latest_date"
CONF_WEEKDAYS: Final = "weekdays"
CONF_TIME_FROM: Final = "time_from"
CONF_TIME_UNTIL: Final = "time_until"
CONF_MIN_PLACES: Final = "minimum_places"
CONF_LABEL: Final = "label"
CONF_EXPIRY: Final = "expiry_date"

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_PLACES: Final = 10

# Polling: slots every few minutes (openings last minutes), the slow-moving views less often.
SLOT_INTERVAL: Final = timedelta(minutes=3)
SLOT_JITTER_SECONDS: Final = 15.0
LOCATIONS_INTERVAL: Final = timedelta(hours=6)
CAPACITY_INTERVAL: Final = timedelta(hours=1)
CAPACITY_WINDOW: Final = timedelta(days=30)
# Whether a centre interviews is read this often; it changes over months, not minutes.
STATUS_INTERVAL: Final = timedelta(hours=6)
STATUS_RETRY: Final = timedelta(minutes=30)
MAX_BACKOFF: Final = timedelta(hours=1)
REFUSED_ISSUE_AFTER: Final = timedelta(hours=1)
MAX_CONCURRENT_REQUESTS: Final = 4
# The soonest slots asked for per centre: openings are scarce, but a watch for a date months
# away must still see it behind hundreds of sooner ones.
SLOT_LIMIT: Final = 5000

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
# The booking site's NEXUS scheduling page, where a user books after an alert: public alert
# tools link it, and it saves the clicks from the home page while the slot is still open.
BOOKING_URL: Final = (
    "https://ttp.cbp.dhs.gov/schedulerui/schedule-interview/location"
    "?lang=en&vo=true&returnUrl=ttp-external&service=nh"
)

SLOT_OPENED: Final = "slot_opened"
SLOTS_GONE: Final = "slots_gone"
# The slots an alert lists in its event, at most: a release of 40 is one alert, its list cut.
MAX_SLOTS_TOLD: Final = 20
# Seconds before the seen-slot set is written; Home Assistant writes it at once when it stops.
SEEN_SAVE_DELAY: Final = 1
# Seconds before the history of openings is written (it is written when Home Assistant stops).
OPENINGS_SAVE_DELAY: Final = 60

SUBENTRY_WATCH: Final = "centre_watch"
SUBENTRY_CARD: Final = "membership_card"

CONF_LOCATION_ID: Final = "location_id"
CONF_EARLIEST: Final = "earliest_date"
CONF_LATEST: Final = "latest_date"
CONF_WEEKDAYS: Final = "weekdays"
CONF_TIME_FROM: Final = "time_from"
CONF_TIME_UNTIL: Final = "time_until"
CONF_MIN_PLACES: Final = "minimum_places"
CONF_MAX_ALERTS: Final = "max_alerts_per_hour"
# Alerts a watch makes in an hour, unless its user chose otherwise: a release makes one, and
# what opens past the cap is told in the next alert.
DEFAULT_MAX_ALERTS: Final = 5
MAX_ALERTS: Final = 60
CONF_LABEL: Final = "label"
CONF_EXPIRY: Final = "expiry_date"

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_PLACES: Final = 10

# Polling: slots every minute (an opening is usually taken within a minute or two), the
# slow-moving views less often.
SLOT_INTERVAL: Final = timedelta(seconds=60)
SLOT_JITTER_SECONDS: Final = 5.0
# However often an update is asked for (an automation calling homeassistant.update_entity in
# a loop included), a centre's slots are asked of the scheduler at most this often; an update
# inside it is answered from the last fetch.
SLOT_FLOOR: Final = timedelta(seconds=30)
LOCATIONS_INTERVAL: Final = timedelta(hours=6)
CAPACITY_INTERVAL: Final = timedelta(hours=1)
CAPACITY_WINDOW: Final = timedelta(days=30)
# Whether a centre interviews is read this often; it changes over months, not minutes.
STATUS_INTERVAL: Final = timedelta(hours=6)
STATUS_RETRY: Final = timedelta(minutes=30)
# A failed centre list or capacity view is tried again after this, doubling up to its interval;
# meanwhile the last one read stands in, and the slots are polled as ever.
VIEW_RETRY: Final = timedelta(minutes=5)
# Capacity views and status reads of one update, at most (each one or two requests): a list
# naming thousands of centres is read over the following updates, never in one burst, and the
# slot requests, sent first, never wait behind them.
MAX_VIEW_READS: Final = 16
# A refusing scheduler is left alone at least this long, doubling up to the maximum.
MIN_BACKOFF: Final = timedelta(minutes=3)
MAX_BACKOFF: Final = timedelta(hours=1)
# A server's Retry-After is honoured up to this; after any wait the integration tries again.
MAX_RETRY_AFTER_HONOURED: Final = timedelta(hours=6)
REFUSED_ISSUE_AFTER: Final = timedelta(hours=1)
MAX_CONCURRENT_REQUESTS: Final = 4
# The Canadian centres remembered as "no longer listed": those listed in the last year, at
# most this many (a list that invented ids at every read would otherwise grow it forever).
KNOWN_CENTRES_KEPT: Final = timedelta(days=365)
MAX_KNOWN_CENTRES: Final = 100
# The soonest slots asked for per centre: openings are scarce, but a watch for a date months
# away must still see it behind hundreds of sooner ones.
SLOT_LIMIT: Final = 5000

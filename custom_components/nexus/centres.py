"""Enrolment centres as people know them: their labels, and whether they interview. Pure."""

from collections.abc import Iterable, Mapping, Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
import re

from .const import KNOWN_CENTRES_KEPT, MAX_KNOWN_CENTRES
from .ttp import CapacitySlot, Location

# A centre interviews when it publishes interview times this far ahead.
INTERVIEW_HORIZON = timedelta(days=90)

# Words every centre's name repeats; what is left names the centre ("Halifax").
_GENERIC = re.compile(
    r"\b(?:NEXUS\s*/\s*FAST|NEXUS|FAST|and|Enrollment|Enrolment|Center|Centre|EC)\b|&",
    re.IGNORECASE,
)
_NOTICE_LENGTH = 300
# A temporary enrolment event ("DETFO - Detroit FAST Event"): the scheduler does not always
# mark it `temporary`.
_EVENT = re.compile(r"\bevent\b", re.IGNORECASE)


class CentreStatus(StrEnum):
    """Whether a centre interviews: it is open when it publishes interview times."""

    INTERVIEWING = "interviewing"
    NOT_INTERVIEWING = "not_interviewing"
    NOT_LISTED = "not_listed"


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def _distinctive(location: Location) -> str:
    name = location.name
    if location.state:  # "Lansdowne, ON"
        name = re.sub(rf",?\s*{re.escape(location.state)}\s*$", "", name)
    name = _GENERIC.sub(" ", name)
    name = re.sub(r"\s+", " ", name).strip(" ,-")
    return name or location.name


def centre_label(location: Location) -> str:
    """Name a centre as the booking site does, with its place: "Halifax (Goffs, NS)".

    The scheduler's `city` is the town of the street address, which is not how people know
    an airport centre; the name is. Where the name is the town, the place alone is clearer.
    """
    name, city = _distinctive(location), location.town
    place = ", ".join(part for part in (city, location.state) if part)
    if _squash(name) == _squash(city):
        return place
    if "(" in name:  # "Lansdowne (Thousand Islands Bridge)": no second pair of brackets
        rest = location.state if _squash(city) in _squash(name) else place
        return f"{name}, {rest}" if rest else name
    return f"{name} ({place})" if place else name


def is_event(location: Location) -> bool:
    """Tell whether a listed "centre" is a temporary enrolment event, not a centre."""
    return location.temporary or bool(_EVENT.search(location.name))


def centre_labels(locations: Iterable[Location]) -> dict[int, str]:
    """Label every centre, each label unique in the list (two centres can share a town)."""
    labels = {location.id: centre_label(location) for location in locations}
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    return {
        cid: label if counts[label] == 1 else f"{label} #{cid}" for cid, label in labels.items()
    }


def publishes_times(rows: Iterable[CapacitySlot]) -> bool:
    """Tell whether a capacity view holds an interview time, booked or free.

    A closed centre publishes nothing; a fully booked one still shows its times (0 open of
    `total`).
    """
    return any(row.total > 0 for row in rows)


def notice(location: Location | None) -> str | None:
    """Return the scheduler's notice about a centre, on one line, cut to a readable length."""
    text = " ".join(location.notes.split()) if location else ""
    if len(text) > _NOTICE_LENGTH:
        return text[: _NOTICE_LENGTH - 1].rstrip() + "…"
    return text or None


def statuses(
    listed: Mapping[int, Location],
    interviewing: Mapping[int, bool],
    known: Iterable[int],
) -> dict[int, CentreStatus | None]:
    """Say what each `known` centre's status is.

    None where a listed centre's times have not been read yet: unknown, not closed.
    """
    result: dict[int, CentreStatus | None] = {}
    for cid in known:
        if cid not in listed:
            result[cid] = CentreStatus.NOT_LISTED
        elif cid in interviewing:
            result[cid] = (
                CentreStatus.INTERVIEWING if interviewing[cid] else CentreStatus.NOT_INTERVIEWING
            )
        else:
            result[cid] = None
    return result


@dataclass(frozen=True, slots=True)
class KnownCentres:
    """The Canadian NEXUS centres ever listed, and whether each centre read interviews.

    A value: each change returns a new one, equal to the last when nothing changed.
    """

    canadian: Mapping[int, str] = field(default_factory=dict)  # id -> label
    listed_on: Mapping[int, str] = field(default_factory=dict)  # when last listed, ISO date
    interviewing: Mapping[int, bool] = field(default_factory=dict)  # as last read, by id

    def listed(
        self, canadian: Mapping[int, str], listed: AbstractSet[int], today: date
    ) -> KnownCentres:
        """Add the Canadian centres listed now (id -> label), and forget stale ones.

        A centre not listed for a year is forgotten, and at most MAX_KNOWN_CENTRES are kept
        (the most recently listed), so that no answer can grow the file or the attributes
        without bound; statuses are kept only for centres listed or remembered.
        """
        stamp = today.isoformat()
        known = {**self.canadian, **canadian}
        listed_on = {**self.listed_on, **dict.fromkeys(canadian, stamp)}
        oldest = (today - KNOWN_CENTRES_KEPT).isoformat()
        kept = sorted(
            (cid for cid in known if listed_on.get(cid, stamp) >= oldest),
            key=lambda cid: (cid in canadian, listed_on.get(cid, stamp)),
            reverse=True,
        )[:MAX_KNOWN_CENTRES]
        return KnownCentres(
            {cid: known[cid] for cid in sorted(kept)},
            {cid: listed_on.get(cid, stamp) for cid in sorted(kept)},
            {
                cid: value
                for cid, value in self.interviewing.items()
                if cid in listed or cid in kept
            },
        )

    def read(self, interviewing: Mapping[int, bool]) -> KnownCentres:
        """Add the statuses read now; the same value when none of them is news (most polls)."""
        if all(self.interviewing.get(cid) == value for cid, value in interviewing.items()):
            return self
        return KnownCentres(self.canadian, self.listed_on, {**self.interviewing, **interviewing})


def next_reads(ids: list[int], now: float, interval: float) -> dict[int, float]:
    """Spread the next reads of centres read all at once over one interval, not in a burst.

    In seconds of a monotonic clock (see schedule.py).
    """
    count = len(ids)
    return {cid: now + interval + interval * i / count for i, cid in enumerate(sorted(ids))}

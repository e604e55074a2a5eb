"""Scoring a volunteer against a need: pure functions over plain values.

The same ``score`` serves both directions (a person's top needs, a need's
best volunteers). Every weight names the rule it protects; the reasons are
what the bot turns into one line, in this order: the fit of the topic, the
distance, the time, what the need asks for that the person has not
mentioned ("Kinder & Jugend · 0,3 km · Sa vormittags · Führungszeugnis nötig").

Qualifications: a need asking for one the person has not mentioned stays in
the list, a little lower, with the requirement as a reason; only a code the
person said they lack (``lacks_qualifications``) excludes the need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.geo.distance import distance_km
from core.schedule import cells_of, first_shared_cell, time_fit
from core.scoring import (
    FRESH_DAYS,
    MAX_SCORE,
    NO_INTEREST_SHARE,
    REMOTE_DISTANCE_SHARE,
    W_CATEGORY,
    W_DISTANCE,
    W_FRESH,
    W_LOCAL,
    W_REQUIREMENT,
    W_TIME,
    W_URGENT,
)

# The weights and shares live in ``core.scoring`` (the SQL bounds in
# ``core.search`` and ``core.fanout`` read the same), named there with the
# rule each protects.


@dataclass(frozen=True, slots=True)
class VolunteerView:
    person_id: int
    tenant_id: int
    interests: frozenset[str]
    qualifications: frozenset[str]
    lat: float | None
    lon: float | None
    radius_km: float
    availability_mask: int
    spontaneous: bool = False
    # Qualifications the person said they do not have: only these exclude.
    lacks_qualifications: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class NeedView:
    id: int
    tenant_id: int
    category: str
    qualifications: tuple[str, ...]
    remote: bool
    lat: float | None
    lon: float | None
    cell_mask: int
    starts_at: datetime | None
    urgent: bool
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class Reason:
    """``kind``: category | distance | remote | time | other_time (value:
    ``"<need cell>|<free cell>"``, the need's time and the nearest the person
    has free, when none fits) | spontaneous | requires
    (value: a qualification code the person has not mentioned) | urgent |
    neighbour | resource (value: "<resource>:<use>", ``core.resources``: an
    offered van suits a move); for excluded matches: lacks_qualification
    (value: the code they said they lack) | too_far."""

    kind: str
    value: str | float | None = None


@dataclass(frozen=True, slots=True)
class Match:
    need_id: int
    person_id: int
    score: float
    reasons: tuple[Reason, ...]
    distance_km: float | None
    excluded: bool = False


def lacked_qualifications(volunteer: VolunteerView, need: NeedView) -> list[str]:
    """What the need asks for that the person said they do not have."""
    return [q for q in need.qualifications if q in volunteer.lacks_qualifications]


def unmentioned_qualifications(volunteer: VolunteerView, need: NeedView) -> list[str]:
    """What the need asks for that the person has said nothing about."""
    return [
        q
        for q in need.qualifications
        if q not in volunteer.qualifications and q not in volunteer.lacks_qualifications
    ]


def category_share(volunteer: VolunteerView, need: NeedView) -> float:
    if not volunteer.interests:
        return NO_INTEREST_SHARE
    return 1.0 if need.category in volunteer.interests else 0.0


def distance_share(distance: float | None, radius_km: float, remote: bool) -> float:
    if remote:
        return REMOTE_DISTANCE_SHARE
    if distance is None or radius_km <= 0:
        return 0.0
    return max(0.0, 1.0 - distance / radius_km)


def fresh_share(published_at: datetime | None, now: datetime) -> float:
    if published_at is None:
        return 0.0
    age = max(now - published_at, timedelta(0))  # published "later" (clock skew) is fresh, no more
    return max(0.0, 1.0 - age / timedelta(days=FRESH_DAYS))


# What ``evaluate`` finds for a need that is not excluded: the rounded score
# and what the reasons are made of (distance, category share, time fit,
# local, unmentioned qualifications).
Terms = tuple[float, float | None, float, float, float, list[str]]


def score(volunteer: VolunteerView, need: NeedView, now: datetime) -> Match:
    """Score one pair. A required qualification the person said they lack or
    a place outside the radius excludes the need (``excluded``) and says why
    in the reasons; one they have not mentioned lowers the score by
    ``W_REQUIREMENT`` and is named as a reason."""
    terms = evaluate(volunteer, need, now)
    if isinstance(terms, Match):
        return terms
    return match_of(volunteer, need, terms)


def evaluate(volunteer: VolunteerView, need: NeedView, now: datetime) -> Terms | Match:
    """The score of one pair without its reasons (``match_of`` adds them), or
    the excluded ``Match``: rankings read many needs and show few, so they
    build reasons only for those they keep."""
    if need.qualifications and volunteer.lacks_qualifications:
        lacked = lacked_qualifications(volunteer, need)
        if lacked:
            return Match(
                need.id,
                volunteer.person_id,
                0.0,
                tuple(Reason("lacks_qualification", q) for q in lacked),
                None,
                True,
            )
    distance = None
    if not need.remote:
        if need.lat is None or volunteer.lat is None or volunteer.lon is None or need.lon is None:
            return Match(need.id, volunteer.person_id, 0.0, (Reason("too_far"),), None, True)
        distance = distance_km((volunteer.lat, volunteer.lon), (need.lat, need.lon))
        if distance > volunteer.radius_km:
            return Match(
                need.id,
                volunteer.person_id,
                0.0,
                (Reason("too_far", round(distance, 1)),),
                distance,
                True,
            )

    cat = category_share(volunteer, need)
    dist = distance_share(distance, volunteer.radius_km, need.remote)
    fit = time_fit(
        need.cell_mask, volunteer.availability_mask, volunteer.spontaneous, need.starts_at, now
    )
    local = 1.0 if need.tenant_id == volunteer.tenant_id else 0.0
    unmentioned = unmentioned_qualifications(volunteer, need) if need.qualifications else []
    total = (
        W_CATEGORY * cat
        + W_DISTANCE * dist
        + W_TIME * fit
        + (W_URGENT if need.urgent else 0.0)
        + W_FRESH * fresh_share(need.published_at, now)
        + W_LOCAL * local
        - (W_REQUIREMENT if unmentioned else 0.0)
    )
    return round(total, 6), distance, cat, fit, local, unmentioned


def match_of(volunteer: VolunteerView, need: NeedView, terms: Terms) -> Match:
    """The ``Match`` of what ``evaluate`` found, with its reasons."""
    total, distance, cat, fit, local, unmentioned = terms
    return Match(
        need.id,
        volunteer.person_id,
        total,
        tuple(_reasons(volunteer, need, distance, cat, fit, local, unmentioned)),
        distance,
    )


def _reasons(
    volunteer: VolunteerView,
    need: NeedView,
    distance: float | None,
    cat: float,
    fit: float,
    local: float,
    unmentioned: list[str],
) -> list[Reason]:
    """The fit first (the topic they chose), then where, when, and what the
    need asks for that they have not mentioned."""
    reasons = [Reason("category", need.category)] if cat == 1.0 else []
    if need.remote:
        reasons.append(Reason("remote"))
    else:
        reasons.append(Reason("distance", round(distance or 0.0, 1)))
    shared = first_shared_cell(need.cell_mask, volunteer.availability_mask)
    if volunteer.spontaneous and need.starts_at is not None and fit == 1.0 and shared is None:
        reasons.append(Reason("spontaneous"))
    elif shared is not None:
        reasons.append(Reason("time", shared))
    elif need.cell_mask and volunteer.availability_mask:
        reasons.append(
            Reason("other_time", other_time(need.cell_mask, volunteer.availability_mask))
        )
    reasons.extend(Reason("requires", q) for q in unmentioned)
    if need.urgent:
        reasons.append(Reason("urgent"))
    if not local:
        reasons.append(Reason("neighbour"))
    return reasons


def other_time(need_mask: int, avail_mask: int) -> str:
    """For a need at none of the person's free times: its time and the
    nearest they have free, as ``"sa:abend|sa:vormittag"`` (same day, other
    part: "Sa abends statt vormittags") or ``"mi:vormittag|sa:vormittag"``
    (another day: "Mi statt Sa"), preferring their free time on the need's day,
    then at the same part of another day."""
    need_cells, free = cells_of(need_mask), cells_of(avail_mask)
    for cell in need_cells:
        day = cell.split(":")[0]
        same_day = [c for c in free if c.startswith(day + ":")]
        if same_day:
            return f"{cell}|{same_day[0]}"
    cell = need_cells[0]
    part = cell.split(":")[1]
    same_part = [c for c in free if c.endswith(":" + part)]
    return f"{cell}|{(same_part or free)[0]}"


__all__ = [
    "FRESH_DAYS",
    "MAX_SCORE",
    "NO_INTEREST_SHARE",
    "REMOTE_DISTANCE_SHARE",
    "W_CATEGORY",
    "W_DISTANCE",
    "W_FRESH",
    "W_LOCAL",
    "W_REQUIREMENT",
    "W_TIME",
    "W_URGENT",
    "Match",
    "NeedView",
    "Reason",
    "Terms",
    "VolunteerView",
    "evaluate",
    "lacked_qualifications",
    "match_of",
    "other_time",
    "score",
    "unmentioned_qualifications",
]

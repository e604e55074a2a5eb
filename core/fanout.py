"""Need -> volunteers: the best eligible people for an urgent alert.

Eligible: opted in to alerts, not paused, the need inside their own radius,
free at that time (or spontaneous and the need starts soon), holding every
required qualification. Candidates come from the profile index
``(urgent_alerts, home_lat, home_lon)`` in widening rings around the need;
a ring is only widened while someone outside it could still rank higher
(the same exact top-k bound as ``core.search``).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.geo.distance import bounding_box
from core.matching import Match, NeedView, VolunteerView, best_possible, score
from core.models import VolunteerProfile
from core.schedule import SHORT_NOTICE, mask_of

# Alerts reach people within this distance at most, whatever their radius:
# it bounds the index scan for a million profiles.
ALERT_REACH_KM = 30.0
RINGS_KM = (2.0, 5.0, 10.0, 20.0, ALERT_REACH_KM)


@dataclass(frozen=True, slots=True)
class Candidate:
    person_id: int
    match: Match


def _profile_columns():  # type: ignore[no-untyped-def]
    p = VolunteerProfile
    return (
        p.person_id,
        p.tenant_id,
        p.interests,
        p.qualifications,
        p.home_lat,
        p.home_lon,
        p.radius_km,
        p.availability_mask,
        p.spontaneous,
    )


async def rank_volunteers(
    session: AsyncSession,
    need: NeedView,
    now: datetime,
    *,
    limit: int,
    exclude: Collection[int] = (),
) -> list[Candidate]:
    """The ``limit`` best eligible volunteers for a place-bound need, best first."""
    if need.lat is None or need.lon is None:
        return []
    soon = need.starts_at is not None and need.starts_at - now <= SHORT_NOTICE
    p = VolunteerProfile
    time_ok = p.availability_mask.op("&")(need.cell_mask) != 0 if need.cell_mask else true()
    if soon:
        time_ok = or_(time_ok, p.spontaneous.is_(True))
    base = select(*_profile_columns()).where(
        p.urgent_alerts.is_(True),
        or_(p.paused_until.is_(None), p.paused_until <= now),
        time_ok,
    )
    heap: list[tuple[float, int, Candidate]] = []
    excluded = set(exclude)
    inner: float | None = None
    for ring in RINGS_KM:
        min_lat, max_lat, min_lon, max_lon = bounding_box(need.lat, need.lon, ring)
        query = base.where(
            p.home_lat.between(min_lat, max_lat), p.home_lon.between(min_lon, max_lon)
        )
        if inner is not None:
            i = bounding_box(need.lat, need.lon, inner)
            query = query.where(
                not_(and_(p.home_lat.between(i[0], i[1]), p.home_lon.between(i[2], i[3])))
            )
        for row in (await session.execute(query)).all():
            if row[0] in excluded:
                continue
            volunteer = _view(row)
            match = score(volunteer, need, now)
            if match.excluded or (match.reasons and match.reasons[0].kind == "too_far"):
                continue
            item = (match.score, -volunteer.person_id, Candidate(volunteer.person_id, match))
            if len(heap) < limit:
                heapq.heappush(heap, item)
            elif item[:2] > heap[0][:2]:
                heapq.heapreplace(heap, item)
        inner = ring
        if len(heap) >= limit and heap[0][0] >= _bound_beyond(ring):
            break
    return [c for _, _, c in sorted(heap, key=lambda t: (-t[0], -t[1]))]


def _bound_beyond(ring_km: float) -> float:
    """The best score anyone farther than ``ring_km`` can reach: their radius
    is at most ``ALERT_REACH_KM`` for this purpose, so distance counts at most
    ``1 - ring/reach``."""
    someone = VolunteerView(0, 0, frozenset({"x"}), frozenset(), 0, 0, ALERT_REACH_KM, 0)
    return best_possible(someone, category_matches=True, min_distance_km=ring_km)


def _view(row) -> VolunteerView:  # type: ignore[no-untyped-def]
    person_id, tenant_id, interests, quals, lat, lon, radius, mask, spontaneous = row
    return VolunteerView(
        person_id=person_id,
        tenant_id=tenant_id,
        interests=frozenset(interests or ()),
        qualifications=frozenset(quals or ()),
        lat=lat,
        lon=lon,
        radius_km=min(float(radius), ALERT_REACH_KM),
        availability_mask=int(mask),
        spontaneous=bool(spontaneous),
    )


__all__ = ["ALERT_REACH_KM", "Candidate", "mask_of", "rank_volunteers"]

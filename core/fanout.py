"""Need -> volunteers: the best eligible people for an urgent alert.

Eligible: opted in to alerts, not paused, the need inside their own radius
(at most ``ALERT_REACH_KM``), free at that time (or spontaneous and the need
starts soon), and not having said they lack a qualification the need asks
for (one they have not mentioned only ranks them a little lower, as
``matching.score`` does; the bounds below ignore it, so they stay upper bounds).

Retrieval reads covering indexes in three streams: the people interested in
the need's category and those who named no interest (``alert_reach``, one
row per interest), then the other opted-in profiles (``volunteer_profile``).
The database computes, per row, an upper bound of ``matching.score`` from
the indexed columns (exact but for the distance, which it bounds from below
by degrees) and hands rows over best bound first. Python scores each batch
exactly and stops once the k-th exact score beats the bound of every unread
row (a threshold algorithm), so the result equals a brute-force ranking of
every profile; the third stream, capped at the score without the category
share, is rarely read at all.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    Select,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.geo.distance import EARTH_RADIUS_KM, bounding_box
from core.matching import Match, NeedView, VolunteerView, fresh_share, score
from core.models import AlertReach, VolunteerProfile
from core.schedule import CELL_BIT
from core.scoring import (
    FIT_FLEXIBLE,
    FIT_SPONTANEOUS,
    FIT_UNKNOWN_WEEK,
    NO_INTEREST_SHARE,
    SHORT_NOTICE,
    W_CATEGORY,
    W_DISTANCE,
    W_FRESH,
    W_LOCAL,
    W_TIME,
    W_URGENT,
)
from core.taxonomy import CATEGORY_CODES

# Alerts reach people within this distance at most, whatever their radius:
# it bounds the index scan for a million profiles.
ALERT_REACH_KM = 30.0
FIRST_BATCH = 40
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
# Float rounding in the database must never push a bound below a true score.
SLACK = 1e-9

CATEGORY_BIT: dict[str, int] = {code: 1 << i for i, code in enumerate(CATEGORY_CODES)}


def interest_mask(interests: Iterable[str]) -> int:
    """The interests as bits (``VolunteerProfile.interest_mask``), for SQL."""
    mask = 0
    for code in interests:
        mask |= CATEGORY_BIT.get(code, 0)
    return mask


@dataclass(frozen=True, slots=True)
class Candidate:
    person_id: int
    match: Match


_P = VolunteerProfile
_ROW_COLUMNS = (
    _P.person_id,
    _P.tenant_id,
    _P.interests,
    _P.qualifications,
    _P.lacks_qualifications,
    _P.home_lat,
    _P.home_lon,
    _P.radius_km,
    _P.availability_mask,
    _P.spontaneous,
)


ReachTable = type[VolunteerProfile] | type[AlertReach]


def _bound(
    table: ReachTable,
    category: ColumnElement[Any],
    need: NeedView,
    now: datetime,
    box: tuple[float, float, float, float],
) -> ColumnElement[Any]:
    """An upper bound of ``score`` per row, from indexed columns only."""
    assert need.lat is not None and need.lon is not None
    p = table
    # The distance is at least the larger of the north and east offsets; a
    # degree of longitude is shortest at the box's poleward edge.
    poleward = max(abs(box[0]), abs(box[1]))
    km_lon = KM_PER_DEGREE * math.cos(math.radians(poleward))
    north = func.abs(p.home_lat - literal(need.lat, Float())) * KM_PER_DEGREE
    east = func.abs(p.home_lon - literal(need.lon, Float())) * km_lon
    nearest = case((north > east, north), else_=east)
    radius = case((p.radius_km > ALERT_REACH_KM, ALERT_REACH_KM), else_=p.radius_km)
    distance = W_DISTANCE - W_DISTANCE * nearest / radius
    cells = [bit for bit in CELL_BIT.values() if need.cell_mask & bit]
    if cells:
        shared = sum(
            (case((p.availability_mask.op("&")(c) != 0, 1.0), else_=0.0) for c in cells),
            start=literal(0.0, Float()),
        )
        timed: ColumnElement[Any] = case(
            (p.availability_mask == 0, W_TIME * FIT_UNKNOWN_WEEK),
            else_=shared * (W_TIME / len(cells)),
        )
    else:
        timed = literal(W_TIME * FIT_FLEXIBLE, Float())
    if _soon(need, now):
        timed = case((p.spontaneous == true(), W_TIME * FIT_SPONTANEOUS), else_=timed)
    local = case((p.tenant_id == need.tenant_id, W_LOCAL), else_=0.0)
    return category + distance + timed + local + (_constant(need, now) + SLACK)


def _constant(need: NeedView, now: datetime) -> float:
    return (W_URGENT if need.urgent else 0.0) + W_FRESH * fresh_share(need.published_at, now)


def _soon(need: NeedView, now: datetime) -> bool:
    return need.starts_at is not None and need.starts_at - now <= SHORT_NOTICE


@dataclass(slots=True)
class _Stream:
    """Rows of one kind, best bound first; ``bound`` caps every unread row."""

    query: Select[Any]
    bound: float
    offset: int = 0
    batch: int = FIRST_BATCH
    done: bool = False


def _eligible(
    table: ReachTable, need: NeedView, now: datetime, box: tuple[float, ...]
) -> list[ColumnElement[bool]]:
    p = table
    free = p.availability_mask.op("&")(need.cell_mask) != 0 if need.cell_mask else true()
    if _soon(need, now):
        free = or_(free, p.spontaneous == true())
    return [
        p.home_lat.between(box[0], box[1]),
        p.home_lon.between(box[2], box[3]),
        or_(p.paused_until.is_(None), p.paused_until <= now),
        free,
    ]


def _streams(need: NeedView, now: datetime, limit: int) -> list[_Stream]:
    """Those interested in the need's category, those who named no interest,
    and the rest of the opted-in profiles (read only when they could still
    rank: their category share is 0)."""
    assert need.lat is not None and need.lon is not None
    box = bounding_box(need.lat, need.lon, ALERT_REACH_KM)
    most = W_DISTANCE + W_TIME + W_LOCAL + _constant(need, now) + SLACK
    batch = max(FIRST_BATCH, 4 * limit)
    streams = []
    for category, share in ((need.category, 1.0), ("", NO_INTEREST_SHARE)):
        term = literal(W_CATEGORY * share, Float())
        bound = _bound(AlertReach, term, need, now, box).label("bound")
        query = (
            select(AlertReach.person_id, bound)
            .where(AlertReach.category == category, *_eligible(AlertReach, need, now, box))
            .order_by(bound.desc(), AlertReach.person_id)
        )
        streams.append(_Stream(query, W_CATEGORY * share + most, batch=batch))
    p = VolunteerProfile
    bit = CATEGORY_BIT.get(need.category, 0)
    bound = _bound(p, literal(0.0, Float()), need, now, box).label("bound")
    others = (
        select(p.person_id, bound)
        .where(
            p.urgent_alerts == true(),
            p.interest_mask != 0,
            p.interest_mask.op("&")(bit) == 0,
            *_eligible(p, need, now, box),
        )
        .order_by(bound.desc(), p.person_id)
    )
    streams.append(_Stream(others, most, batch=batch))
    return streams


async def rank_volunteers(
    session: AsyncSession,
    need: NeedView,
    now: datetime,
    *,
    limit: int,
    exclude: Collection[int] = (),
) -> list[Candidate]:
    """The ``limit`` best eligible volunteers for a place-bound need, best first
    (score descending, then the smaller person id)."""
    if need.lat is None or need.lon is None or limit <= 0:
        return []
    heap: list[tuple[float, int, Candidate]] = []
    excluded = set(exclude)
    streams = _streams(need, now, limit)
    while True:
        open_streams = [s for s in streams if not s.done]
        if not open_streams:
            break
        stream = max(open_streams, key=lambda s: s.bound)
        if len(heap) >= limit and heap[0][0] >= stream.bound:
            break  # no unread row can beat the k-th: the ranking is exact
        page = (await session.execute(stream.query.offset(stream.offset).limit(stream.batch))).all()
        ids = [pid for pid, _ in page if pid not in excluded]
        for volunteer in await _volunteers(session, ids):
            match = score(volunteer, need, now)
            if match.excluded:
                continue
            item = (match.score, -volunteer.person_id, Candidate(volunteer.person_id, match))
            if len(heap) < limit:
                heapq.heappush(heap, item)
            elif item[:2] > heap[0][:2]:
                heapq.heapreplace(heap, item)
        if len(page) < stream.batch:
            stream.done = True
        else:
            stream.bound = page[-1][1]
            stream.offset += stream.batch
            stream.batch *= 4
    return [c for _, _, c in sorted(heap, key=lambda t: (-t[0], -t[1]))]


def alert_reach_rows(profile: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``alert_reach`` rows of one profile (given as column -> value):
    one per interest, ``""`` when it names none; none without alerts or place."""
    if not profile["urgent_alerts"] or profile["home_lat"] is None or profile["home_lon"] is None:
        return []
    copied = {column: profile[column] for column in _REACH_COLUMNS}
    return [{**copied, "category": c} for c in (profile["interests"] or [""])]


_REACH_COLUMNS = (
    "person_id",
    "home_lat",
    "home_lon",
    "radius_km",
    "availability_mask",
    "spontaneous",
    "tenant_id",
    "paused_until",
)


_DELETE_REACH = delete(AlertReach).where(AlertReach.person_id == bindparam("person_id"))


async def sync_alert_reach(
    conn: AsyncConnection | AsyncSession, profile: Mapping[str, Any]
) -> None:
    """Copy a saved profile (column -> value, as ``alert_reach_rows`` takes
    it) into ``alert_reach``, one row per interest; in the caller's transaction."""
    await conn.execute(_DELETE_REACH, {"person_id": profile["person_id"]})
    rows = alert_reach_rows(profile)
    if rows:
        await conn.execute(insert(AlertReach), rows)


async def _volunteers(session: AsyncSession, ids: list[int]) -> list[VolunteerView]:
    if not ids:
        return []
    rows = (await session.execute(select(*_ROW_COLUMNS).where(_P.person_id.in_(ids)))).all()
    return [_view(row) for row in rows]


def _view(row) -> VolunteerView:  # type: ignore[no-untyped-def]
    person_id, tenant_id, interests, quals, lacks, lat, lon, radius, mask, spontaneous = row
    return VolunteerView(
        person_id=person_id,
        tenant_id=tenant_id,
        interests=frozenset(interests or ()),
        qualifications=frozenset(quals or ()),
        lacks_qualifications=frozenset(lacks or ()),
        lat=lat,
        lon=lon,
        radius_km=min(float(radius), ALERT_REACH_KM),
        availability_mask=int(mask),
        spontaneous=bool(spontaneous),
    )


__all__ = [
    "ALERT_REACH_KM",
    "CATEGORY_BIT",
    "Candidate",
    "alert_reach_rows",
    "interest_mask",
    "rank_volunteers",
    "sync_alert_reach",
]

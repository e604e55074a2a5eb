"""Retrieval: candidates from the index, then exact scoring (``core.matching``).

Never a scan of every row: needs come from a bounding box on the indexed
``(status, lat, lon)``, filtered by category, time and status in SQL. The
box widens in rings only while a need outside it could still beat the
current k-th result (``matching.best_possible``), so the result equals a
brute-force ranking of every need (the property tests check that).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, false, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidRadius, InvalidTimeRange, UnknownCategory, UnknownQualification
from core.geo.distance import bounding_box
from core.matching import Match, NeedView, VolunteerView, best_possible, score
from core.models import Need, NeedStatus, Tenant
from core.taxonomy import Taxonomy

MAX_RADIUS_KM = 100.0
RINGS = (0.25, 0.5, 1.0)  # shares of the radius searched in turn

_NEED_COLUMNS = (
    Need.id, Need.tenant_id, Need.category, Need.qualifications, Need.remote, Need.lat,
    Need.lon, Need.cell_mask, Need.starts_at, Need.urgent, Need.published_at,
)


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """What a person narrows a search by; empty fields do not filter."""

    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    cell_mask: int = 0  # weekday / day-part cells (core.schedule)
    center: tuple[float, float] | None = None
    radius_km: float | None = None
    qualifications: tuple[str, ...] = ()  # needs asking for these
    text: str = ""

    def validate(self, taxonomy: Taxonomy) -> None:
        for code in self.categories:
            if not taxonomy.is_category(code):
                raise UnknownCategory(code=code)
        for code in self.qualifications:
            if not taxonomy.is_qualification(code):
                raise UnknownQualification(code=code)
        if self.radius_km is not None and not 0 < self.radius_km <= MAX_RADIUS_KM:
            raise InvalidRadius(radius=self.radius_km)
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidTimeRange(reason="order")


NO_FILTER = SearchFilter()
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True, slots=True)
class Page:
    matches: tuple[Match, ...]
    offset: int
    has_more: bool


@dataclass(slots=True)
class _TopK:
    k: int
    heap: list[tuple[float, int, Match]] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)

    def offer(self, match: Match) -> None:
        if match.excluded or match.need_id in self.seen:
            return
        self.seen.add(match.need_id)
        # Order: score descending, then id ascending (stable paging).
        item = (match.score, -match.need_id, match)
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, item)
        elif item[:2] > self.heap[0][:2]:
            heapq.heapreplace(self.heap, item)

    def kth_score(self) -> float:
        return self.heap[0][0] if len(self.heap) >= self.k else -1.0

    def ranked(self) -> list[Match]:
        return [m for _, _, m in sorted(self.heap, key=lambda t: (-t[0], -t[1]))]


def need_view(row: Sequence[object]) -> NeedView:
    (nid, tenant_id, category, quals, remote, lat, lon, mask, starts_at, urgent, published) = row
    return NeedView(
        int(nid), int(tenant_id), str(category), tuple(quals or ()), bool(remote),  # type: ignore[arg-type]
        lat, lon, int(mask), _aware(starts_at), bool(urgent), _aware(published),  # type: ignore[arg-type]
    )


def _aware(value: object) -> datetime | None:
    if value is None:
        return None
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _base_query(
    now: datetime, tenant_ids: Sequence[int] | None, flt: SearchFilter, tz: ZoneInfo
) -> Select[tuple[object, ...]]:
    q = select(*_NEED_COLUMNS).where(
        Need.status == NeedStatus.PUBLISHED,
        Need.hidden == false(),
        or_(Need.ends_at.is_(None), Need.ends_at > now),
        or_(Need.valid_until.is_(None), Need.valid_until > now),
    )
    if tenant_ids is not None:
        q = q.where(Need.tenant_id.in_(tenant_ids))
    if flt.cell_mask:
        q = q.where(Need.cell_mask.op("&")(flt.cell_mask) != 0)
    if flt.date_from or flt.date_to:
        q = q.where(_date_condition(flt.date_from, flt.date_to, tz))
    if flt.text:
        like = f"%{_escape_like(flt.text.strip())}%"
        q = q.where(or_(Need.title.ilike(like, escape="\\"), Need.description.ilike(like, escape="\\")))
    return q


def _date_condition(date_from: date | None, date_to: date | None, tz: ZoneInfo):  # type: ignore[no-untyped-def]
    """One-off needs overlapping the range; recurring needs whose validity
    overlaps it (their weekdays are narrowed by the cell mask)."""
    start = datetime.combine(date_from, time(0), tz).astimezone(UTC) if date_from else None
    end = (
        datetime.combine(date_to + timedelta(days=1), time(0), tz).astimezone(UTC)
        if date_to
        else None
    )
    one_off = [Need.starts_at.is_not(None)]
    recurring = [Need.starts_at.is_(None)]
    if start is not None:
        one_off.append(Need.ends_at > start)
        recurring.append(or_(Need.valid_until.is_(None), Need.valid_until > start))
    if end is not None:
        one_off.append(Need.starts_at < end)
    return or_(and_(*one_off), and_(*recurring))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _fetch(session: AsyncSession, query: Select[tuple[object, ...]]) -> list[NeedView]:
    result = await session.execute(query)
    return [need_view(row) for row in result.all()]


@dataclass(slots=True)
class _Group:
    """Needs fetched ring by ring; ``covered`` is the last ring fetched."""

    query: Select[tuple[object, ...]]
    category_matches: bool
    covered: int = -1


def _ring(
    query: Select[tuple[object, ...]], lat: float, lon: float, radius: float, inner: float | None
) -> Select[tuple[object, ...]]:
    """Place-bound needs in the box of ``radius`` but not in the box of ``inner``."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    query = query.where(
        Need.remote == false(),
        Need.lat.between(min_lat, max_lat),
        Need.lon.between(min_lon, max_lon),
    )
    if inner is not None:
        i_min_lat, i_max_lat, i_min_lon, i_max_lon = bounding_box(lat, lon, inner)
        query = query.where(
            not_(and_(Need.lat.between(i_min_lat, i_max_lat), Need.lon.between(i_min_lon, i_max_lon)))
        )
    return query


async def rank_needs(
    session: AsyncSession,
    volunteer: VolunteerView,
    now: datetime,
    *,
    flt: SearchFilter = NO_FILTER,
    tenant_ids: Sequence[int] | None = None,
    tz: ZoneInfo = BERLIN,
    offset: int = 0,
    limit: int = 10,
) -> Page:
    """A person's best needs, best first, with paging in a stable order."""
    if flt.center is not None:
        volunteer = replace(volunteer, lat=flt.center[0], lon=flt.center[1])
    if flt.radius_km is not None:
        volunteer = replace(volunteer, radius_km=flt.radius_km)
    if flt.categories:
        volunteer = replace(volunteer, interests=frozenset(flt.categories))
    top = _TopK(offset + limit + 1)  # one more tells whether there is a next page
    base = _base_query(now, tenant_ids, flt, tz)
    wanted = set(flt.qualifications)

    def take(needs: Iterable[NeedView]) -> None:
        for need in needs:
            if wanted and not wanted <= set(need.qualifications):
                continue
            top.offer(score(volunteer, need, now))

    interests = tuple(sorted(volunteer.interests))
    if flt.categories or not interests:
        groups = [_Group(base.where(Need.category.in_(interests)) if interests else base, True)]
    else:  # interests only rank: needs of other categories may still make the top
        groups = [
            _Group(base.where(Need.category.in_(interests)), True),
            _Group(base.where(Need.category.not_in(interests)), False),
        ]
    for group in groups:
        take(await _fetch(session, group.query.where(Need.remote.is_(True))))
    if volunteer.lat is not None and volunteer.lon is not None:
        lat, lon, radius = volunteer.lat, volunteer.lon, volunteer.radius_km
        rings = [radius * share for share in RINGS] if radius > 4 else [radius]
        while True:
            open_groups = [g for g in groups if g.covered < len(rings) - 1]
            if not open_groups:
                break
            bounds = [
                best_possible(
                    volunteer,
                    category_matches=g.category_matches,
                    min_distance_km=rings[g.covered] if g.covered >= 0 else 0.0,
                )
                for g in open_groups
            ]
            best = max(bounds)
            if top.kth_score() >= best:
                break  # nothing unseen can enter the top: the ranking is exact
            group = open_groups[bounds.index(best)]
            inner = rings[group.covered] if group.covered >= 0 else None
            group.covered += 1
            take(await _fetch(session, _ring(group.query, lat, lon, rings[group.covered], inner)))
    ranked = top.ranked()
    return Page(tuple(ranked[offset : offset + limit]), offset, len(ranked) > offset + limit)


async def visible_tenant_ids(session: AsyncSession, tenant_id: int) -> list[int] | None:
    """The tenants whose needs a person of ``tenant_id`` sees: all, when the
    tenant shows neighbours (the radius limits them), else only its own."""
    show = await session.scalar(select(Tenant.show_neighbours).where(Tenant.id == tenant_id))
    return None if show else [tenant_id]


async def count_published(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Need).where(
        Need.status == NeedStatus.PUBLISHED)) or 0)

"""Retrieval: candidates from the index, then exact scoring (``core.matching``).

Never a scan of every row: needs come from the covering index
``ix_need_match`` (status, remote, category, a latitude range, longitude in
the box of the radius), filtered by time and status in SQL and ordered by an
upper bound of the score that the database computes from the index. Rows are
read in batches, best bound first, only while an unread need could still
beat the current k-th result, so the result equals a brute-force ranking of
every need (the property tests in ``tests/core/test_search.py`` check that).
The bounds leave out ``W_REQUIREMENT`` (it only lowers a score) and the
qualifications a person lacks (those rows are read and dropped by ``score``),
so they stay upper bounds and the ranking stays exact.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from core.db import Database
from core.errors import InvalidRadius, InvalidTimeRange, UnknownCategory, UnknownQualification
from core.geo.distance import EARTH_RADIUS_KM, bounding_box
from core.matching import Match, NeedView, Terms, VolunteerView, evaluate, match_of
from core.models import Need, NeedStatus, Organisation, Tenant
from core.scoring import (
    FIT_FLEXIBLE,
    FIT_SPONTANEOUS,
    FIT_UNKNOWN_WEEK,
    FRESH_DAYS,
    NO_INTEREST_SHARE,
    REMOTE_DISTANCE_SHARE,
    SHORT_NOTICE,
    W_CATEGORY,
    W_DISTANCE,
    W_FRESH,
    W_LOCAL,
    W_TIME,
    W_URGENT,
    WORD_IN_DESCRIPTION,
    WORD_IN_TITLE,
)
from core.search_words import (
    DESCRIPTION,
    NONE,
    TITLE,
    SearchWords,
    with_base_forms,
    words_of_text,
)
from core.taxonomy import CATEGORY_CODES, Taxonomy

MAX_RADIUS_KM = 100.0
MIN_BATCH = 32  # rows read from a stream at first; each further batch is twice as large
# From this radius on (the widest a person picks, 25 km), on SQLite, a stream
# reads the inner box (``INNER_SHARE`` of the radius) first: the bound is
# computed and sorted for those rows only, and the rest of the box is read
# only when a need there could still beat the top. SQLite's bound costs ~75
# virtual-machine steps a row and a further read little (the bench's SQL at
# 100,000 needs, best of 5 each: p95 2.0-2.3 -> 1.8 ms, mean 0.8 -> 0.75). Smaller
# radii hold few rows: there the second read cost more than it saved (the
# dialogue's 10 km in the demo). On PostgreSQL the rows cost less than the
# extra round trip (p50 1.5 -> 1.8 ms, p95 unchanged): one read of the box.
SPLIT_RADIUS_KM = 20.0
INNER_SHARE = 0.5
_FRESH_STEPS = (0, 1, 2, 4, 7, 10, FRESH_DAYS)  # days: freshness bound in steps
_SLACK = 1e-6  # scores are rounded to 6 places; bounds are not

NEED_COLUMNS = (
    Need.id,
    Need.tenant_id,
    Need.category,
    Need.qualifications,
    Need.remote,
    Need.lat,
    Need.lon,
    Need.cell_mask,
    Need.starts_at,
    Need.urgent,
    Need.published_at,
)
# Where a searched word is looked for (``SearchWords.tier``'s arguments).
WORD_COLUMNS = (
    Need.title,
    Need.description,
    select(Organisation.name)
    .where(Organisation.id == Need.organisation_id)
    .scalar_subquery()
    .label("organisation_name"),
)


def open_needs(now: Any) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a need anyone may still be matched to: published,
    not hidden, not over, not past its validity. ``now`` a value or a bind
    parameter."""
    return (
        Need.status == NeedStatus.PUBLISHED,
        Need.hidden == false(),
        or_(Need.ends_at.is_(None), Need.ends_at > now),
        or_(Need.valid_until.is_(None), Need.valid_until > now),
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
    # A typed search ("Hund", "something with dogs"): only needs holding one
    # of its words (``core.search_words.words_of_text``: compounds, forms,
    # English words in German) in their title, description or organisation's
    # name, ranked by where they hold it (as ``words``).
    text: str = ""
    # Words the person searched by ("Fahrdienst"): needs holding one rank
    # first (``core.search_words``, ``core.scoring.WORD_IN_TITLE``) and are
    # shown even outside ``categories``; they narrow nothing.
    words: tuple[str, ...] = ()

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
    """The k best needs so far; reasons are built only for those kept."""

    k: int
    volunteer: VolunteerView
    now: datetime
    heap: list[tuple[float, int, NeedView, Terms]] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)

    def offer(self, need: NeedView, lift: float = 0.0) -> None:
        """``lift``: what a searched word the need holds adds (``_LIFT``)."""
        if need.id in self.seen:
            return
        self.seen.add(need.id)
        terms = evaluate(self.volunteer, need, self.now)
        if isinstance(terms, Match):  # excluded
            return
        if lift:
            terms = (round(terms[0] + lift, 6), *terms[1:])
        # Order: score descending, then id ascending (stable paging).
        item = (terms[0], -need.id, need, terms)
        heap = self.heap
        if len(heap) < self.k:
            heapq.heappush(heap, item)
        elif item[:2] > heap[0][:2]:
            heapq.heapreplace(heap, item)

    def kth_score(self) -> float:
        return self.heap[0][0] if len(self.heap) >= self.k else -1.0

    def ranked(self) -> list[Match]:
        ordered = sorted(self.heap, key=lambda t: (-t[0], -t[1]))
        return [match_of(self.volunteer, need, terms) for _, _, need, terms in ordered]


_LIFT = {TITLE: WORD_IN_TITLE, DESCRIPTION: WORD_IN_DESCRIPTION}


def need_view(row: Sequence[object]) -> NeedView:
    (nid, tenant_id, category, quals, remote, lat, lon, mask, starts_at, urgent, published) = row
    return NeedView(
        int(nid),
        int(tenant_id),
        str(category),
        tuple(quals or ()),
        bool(remote),  # type: ignore[arg-type]
        lat,
        lon,
        int(mask),
        _aware(starts_at),
        bool(urgent),
        _aware(published),  # type: ignore[arg-type]
    )


def _aware(value: object) -> datetime | None:
    if value is None:
        return None
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _base_query(
    now: datetime, tenant_ids: Sequence[int] | None, flt: SearchFilter, tz: ZoneInfo
) -> Select[tuple[object, ...]]:
    q = select(*NEED_COLUMNS).where(*open_needs(now))
    if tenant_ids is not None:
        q = q.where(Need.tenant_id.in_(tenant_ids))
    if flt.cell_mask:
        q = q.where(Need.cell_mask.op("&")(flt.cell_mask) != 0)
    if flt.date_from or flt.date_to:
        q = q.where(_date_condition(flt.date_from, flt.date_to, tz))
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
class _Stream:
    """One slice of the candidates (interest or other categories, place-bound or
    remote), read in batches best bound first. ``bound`` is at least the score
    of every need not read yet."""

    query: Select[tuple[object, ...]]
    params: dict[str, object]
    bound: float
    batch: int
    offset: int = 0
    done: bool = False
    worded: bool = False  # rows carry ``WORD_COLUMNS`` (``_Shape.worded``)


def _p(name: str, type_: Any = None) -> BindParameter[Any]:
    return bindparam(name, type_=type_)


@cache
def _box_clause(prefix: str) -> ColumnElement[bool]:
    return and_(
        Need.lat.between(_p(f"{prefix}_min_lat"), _p(f"{prefix}_max_lat")),
        Need.lon.between(_p(f"{prefix}_min_lon"), _p(f"{prefix}_max_lon")),
    )


def _box_params(prefix: str, lat: float, lon: float, radius: float) -> dict[str, float]:
    box = bounding_box(lat, lon, radius)
    return dict(
        zip(
            (f"{prefix}_min_lat", f"{prefix}_max_lat", f"{prefix}_min_lon", f"{prefix}_max_lon"),
            box,
            strict=True,
        )
    )


@cache
def _upper_bound(place: bool, has_availability: bool, spontaneous: bool) -> ColumnElement[Any]:
    """An upper bound of ``matching.score`` per row that the database computes
    from indexed columns, so rows are read best bound first: distance from a
    lower bound of the km (degrees apart, scaled), freshness in steps, time as
    full when the need's cells meet the person's (or as ``time_fit`` gives it
    otherwise).
    Built once per shape; the values are bind parameters (``_bound_params``)."""
    if place:
        # A lower bound of the distance in km from degrees (``_bound_params``).
        north = func.abs(Need.lat - _p("ub_lat", Float())) * _p("ub_km_lat", Float())
        east = func.abs(Need.lon - _p("ub_lon", Float())) * _p("ub_km_lon", Float())
        nearest = _Greatest(north, east)
        distance: ColumnElement[Any] = case(
            (Need.remote == true(), W_DISTANCE * REMOTE_DISTANCE_SHARE),
            else_=W_DISTANCE - nearest * _p("ub_share_per_km", Float()),
        )
    else:
        distance = literal(W_DISTANCE * REMOTE_DISTANCE_SHARE)
    if has_availability:
        timed: ColumnElement[Any] = case(
            (Need.cell_mask == 0, W_TIME * FIT_FLEXIBLE),
            (Need.cell_mask.op("&")(_p("ub_avail", Integer())) != 0, W_TIME),  # a share <= 1
            else_=0.0,
        )
    else:
        timed = case((Need.cell_mask == 0, W_TIME * FIT_FLEXIBLE), else_=W_TIME * FIT_UNKNOWN_WEEK)
    at = Need.starts_at.type
    if spontaneous:
        soon = and_(Need.starts_at >= _p("ub_now", at), Need.starts_at <= _p("ub_soon", at))
        timed = case((soon, W_TIME * FIT_SPONTANEOUS), else_=timed)
    fresh = _fresh_steps(0, len(_FRESH_STEPS) - 1)
    return (
        _p("ub_category", Float())
        + distance
        + timed
        + case((Need.urgent == true(), W_URGENT), else_=0.0)
        + fresh
        + case((Need.tenant_id == _p("ub_tenant", Integer()), W_LOCAL), else_=0.0)
    )


def _fresh_steps(lo: int, hi: int) -> ColumnElement[Any]:
    """The freshness bound of the age step a need is in, by halving the steps
    (three comparisons a row instead of up to seven): step ``i`` is the
    first whose ``ub_fresh{i}`` the need was published after; a need published
    before all of them (or never) gets nothing."""
    if lo == hi:
        if hi == len(_FRESH_STEPS) - 1:
            return literal(0.0, Float())
        return literal(W_FRESH * (1.0 - _FRESH_STEPS[lo] / FRESH_DAYS), Float())
    mid = (lo + hi) // 2
    after = Need.published_at > _p(f"ub_fresh{mid}", Need.published_at.type)
    return case((after, _fresh_steps(lo, mid)), else_=_fresh_steps(mid + 1, hi))


class _Greatest(FunctionElement[float]):
    """The larger of two numbers (``max(a, b)`` on SQLite, ``GREATEST`` on
    PostgreSQL): each side is computed once, where a CASE computes one twice."""

    type = Float()
    inherit_cache = True
    name = "greatest"


@compiles(_Greatest)
def _greatest(element: _Greatest, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(_Greatest, "sqlite")
def _greatest_sqlite(element: _Greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def _bound_params(volunteer: VolunteerView, now: datetime) -> dict[str, object]:
    params: dict[str, object] = {
        "ub_avail": volunteer.availability_mask,
        "ub_now": now,
        "ub_soon": now + SHORT_NOTICE,
        "ub_tenant": volunteer.tenant_id,
    }
    for i, age in enumerate(_FRESH_STEPS[1:]):
        params[f"ub_fresh{i}"] = now - timedelta(days=age)
    if volunteer.lat is not None and volunteer.lon is not None:
        # On a sphere, hav(d) = hav(dlat) + cos(lat1) cos(lat2) hav(dlon), so
        # d >= R * |dlat| and d >= 2R asin(sqrt(cos lat1 cos lat2) sin(|dlon| / 2)),
        # which is at least R * sqrt(cos lat1 cos lat2) * |dlon| * (1 - dlon^2 / 24).
        min_lat, max_lat, min_lon, max_lon = bounding_box(
            volunteer.lat, volunteer.lon, volunteer.radius_km
        )
        polar = max(abs(min_lat), abs(max_lat))
        widest = math.radians(max(max_lon - volunteer.lon, volunteer.lon - min_lon))
        shrink = 1.0 - widest * widest / 24 - 1e-9
        cosines = math.cos(math.radians(volunteer.lat)) * math.cos(math.radians(polar))
        km_per_degree = EARTH_RADIUS_KM * math.pi / 180
        params.update(
            ub_lat=volunteer.lat,
            ub_lon=volunteer.lon,
            ub_km_lat=km_per_degree * (1 - 1e-9),
            ub_km_lon=km_per_degree * math.sqrt(max(cosines, 0.0)) * max(shrink, 0.0),
            ub_share_per_km=W_DISTANCE / volunteer.radius_km if volunteer.radius_km > 0 else 0.0,
        )
    return params


@dataclass(frozen=True, slots=True)
class _Shape:
    """What decides the SQL of a stream; everything else is a bind parameter."""

    place: bool
    availability: bool
    spontaneous: bool
    tenants: bool
    cells: bool
    date_from: bool
    date_to: bool
    ring: bool = False  # the box of the radius less the inner box (``SPLIT_RADIUS_KM``)
    # A stream of the needs holding a searched word: ``words`` substrings
    # (``q_word<i>``, any of them) narrow it, and the rows carry the texts
    # the words are looked for in (``WORD_COLUMNS``).
    worded: bool = False
    words: int = 0
    union: bool = False  # remote needs and the box as two index scans (PostgreSQL)
    sqlite: bool = False


@cache
def _stream_query(shape: _Shape) -> Select[tuple[object, ...]]:
    """The batch read of a stream: bounds from the covering index first, whole
    rows only for the batch. Built once per shape and reused, so SQLAlchemy
    neither rebuilds nor re-keys the large bound expression per page; the
    values come as parameters (``_query_params``, ``_bound_params``,
    ``_box_params``)."""
    at = Need.ends_at.type
    now = _p("q_now", at)
    conditions: list[ColumnElement[bool]] = [
        *open_needs(now),
        Need.category.in_(bindparam("q_categories", expanding=True)),
    ]
    if shape.tenants:
        conditions.append(Need.tenant_id.in_(bindparam("q_tenants", expanding=True)))
    if shape.cells:
        conditions.append(Need.cell_mask.op("&")(_p("q_cells", Integer())) != 0)
    if shape.date_from or shape.date_to:
        one_off: list[ColumnElement[bool]] = [Need.starts_at.is_not(None)]
        recurring: list[ColumnElement[bool]] = [Need.starts_at.is_(None)]
        if shape.date_from:
            start = _p("q_start", at)
            one_off.append(Need.ends_at > start)
            recurring.append(or_(Need.valid_until.is_(None), Need.valid_until > start))
        if shape.date_to:
            one_off.append(Need.starts_at < _p("q_end", at))
        conditions.append(or_(and_(*one_off), and_(*recurring)))
    if shape.words:
        like = [_p(f"q_word{i}", Need.title.type) for i in range(shape.words)]
        if shape.sqlite:
            conditions.append(_held_on_sqlite(like))
        else:
            texts = (Need.title, Need.description, WORD_COLUMNS[2].element)
            conditions.append(or_(*(c.ilike(p, escape="\\") for p in like for c in texts)))
    if shape.ring:
        # Around the inner box: rows its stream did not read.
        conditions += [Need.remote == false(), _box_clause("box"), not_(_box_clause("inner"))]
    elif shape.place and not shape.union:
        # Remote needs and those in the box (of the radius, or the inner box
        # of a split): one query, both branches use the index (SQLite).
        conditions.append(
            or_(Need.remote == true(), and_(Need.remote == false(), _box_clause("box")))
        )
    elif not shape.place:
        conditions.append(Need.remote == true())
    ub = _upper_bound(shape.place, shape.availability, shape.spontaneous)
    columns = (Need.id, ub.label("ub"))
    if shape.place and shape.union:
        # PostgreSQL plans ``remote OR box`` as a bitmap scan of every need
        # of the categories (17,000 rows at 100,000 needs, 5 ms); as two
        # branches each is a range scan of ``ix_need_match`` (p95 of the
        # bench's SQL 4.4 -> 3.4 ms, mean 1.6 -> 1.2 ms, same rows).
        both = union_all(
            select(*columns).where(*conditions, Need.remote == true()),
            select(*columns).where(*conditions, Need.remote == false(), _box_clause("box")),
        ).subquery("candidates")
        ranked = select(both.c.id, both.c.ub).order_by(both.c.ub.desc(), both.c.id)
    else:
        ranked = select(*columns).where(*conditions).order_by(literal_column("ub").desc(), Need.id)
    top = ranked.offset(_p("q_offset", Integer())).limit(_p("q_limit", Integer())).subquery("top")
    texts = WORD_COLUMNS if shape.worded else ()
    return (
        select(*NEED_COLUMNS, *texts, top.c.ub)
        .join(top, Need.id == top.c.id)
        .order_by(top.c.ub.desc(), top.c.id)
    )


def _held_on_sqlite(like: list[BindParameter[Any]]) -> ColumnElement[bool]:
    """The needs whose texts hold a piece, on SQLite, as a set the box's rows
    are checked against: with the texts in the ranking's own condition
    SQLite gave up the covering index's ``MULTI-INDEX OR`` of the box and
    read every need of the categories (50-300 ms at 20,000 needs). ``+ 0``
    keeps the set from driving the search (a row per holder anywhere, its
    bound computed). SQLite's own LIKE ignores the case of ASCII letters and
    the pieces are ASCII (``like_fragments``): no ``lower`` in Python
    (``core.db``) of every text (60 -> 6 ms at 20,000 needs)."""
    held = aliased(Need)
    named = select(Organisation.id).where(
        or_(*(Organisation.name.like(p, escape="\\") for p in like))
    )
    holding = [c.like(p, escape="\\") for p in like for c in (held.title, held.description)]
    holders = select(held.id).where(or_(*holding, held.organisation_id.in_(named)))
    return (Need.id + 0).in_(holders)


def _query_params(
    now: datetime, tenant_ids: Sequence[int] | None, flt: SearchFilter, tz: ZoneInfo
) -> dict[str, object]:
    """The values of ``_stream_query``'s filters (``_base_query``'s, as parameters)."""
    params: dict[str, object] = {"q_now": now}
    if tenant_ids is not None:
        params["q_tenants"] = list(tenant_ids)
    if flt.cell_mask:
        params["q_cells"] = flt.cell_mask
    if flt.date_from:
        params["q_start"] = datetime.combine(flt.date_from, time(0), tz).astimezone(UTC)
    if flt.date_to:
        end = datetime.combine(flt.date_to + timedelta(days=1), time(0), tz)
        params["q_end"] = end.astimezone(UTC)
    for i, fragment in enumerate(_searched(flt).like_fragments() or ()):
        params[f"q_word{i}"] = f"%{_escape_like(fragment)}%"
    return params


def _searched(flt: SearchFilter) -> SearchWords:
    """The words that lift a need: those searched by and those of the text."""
    typed = words_of_text(flt.text) if flt.text.strip() else ()
    return SearchWords.of(with_base_forms(flt.words) + typed)


async def _read(source: AsyncSession | Database, stream: _Stream) -> Sequence[Any]:
    """The next batch of a stream (rows: the need's columns, then its bound);
    lowers the stream's bound to the last row's."""
    size = stream.batch
    params = {**stream.params, "q_offset": stream.offset, "q_limit": size}
    if isinstance(source, Database):
        rows: Sequence[Any] = await source.rows(stream.query, params)
    else:
        rows = (await (await source.connection()).execute(stream.query, params)).all()
    stream.offset += len(rows)
    stream.batch = size * 2
    if len(rows) < size:
        stream.done = True
    else:
        stream.bound = float(rows[-1][-1]) + _SLACK  # every later row's bound is at most this
    return rows


async def rank_needs(
    session: AsyncSession | Database,
    volunteer: VolunteerView,
    now: datetime,
    *,
    flt: SearchFilter = NO_FILTER,
    tenant_ids: Sequence[int] | None = None,
    tz: ZoneInfo = BERLIN,
    offset: int = 0,
    limit: int = 10,
) -> Page:
    """A person's best needs, best first, with paging in a stable order.

    Candidates come in streams (interest categories, other categories: remote
    or within the box of the radius), each ordered by an upper bound
    of the score that the database computes from the index. The stream with
    the highest remaining bound is read next, until the k-th best exact score
    beats every remaining bound: the result equals a brute-force ranking.

    ``session``: a session (its transaction's snapshot), or the ``Database``,
    whose single-statement reads are shortest (``Database.rows``: no
    transaction round trips on PostgreSQL, statements compiled once)."""
    if flt.center is not None:
        volunteer = replace(volunteer, lat=flt.center[0], lon=flt.center[1])
    if flt.radius_km is not None:
        volunteer = replace(volunteer, radius_km=flt.radius_km)
    if flt.categories:
        volunteer = replace(volunteer, interests=frozenset(flt.categories))
    k = offset + limit + 1  # one more tells whether there is a next page
    top = _TopK(k, volunteer, now)
    wanted = set(flt.qualifications)
    params = _bound_params(volunteer, now) | _query_params(now, tenant_ids, flt, tz)
    has_place = volunteer.lat is not None and volunteer.lon is not None
    shape = _Shape(
        place=has_place,
        availability=volunteer.availability_mask != 0,
        spontaneous=volunteer.spontaneous,
        tenants=tenant_ids is not None,
        cells=bool(flt.cell_mask),
        date_from=flt.date_from is not None,
        date_to=flt.date_to is not None,
        union=has_place and not _is_sqlite(session),
        sqlite=_is_sqlite(session),
    )
    # (shape, parameters, most the distance term adds) of each slice of a group
    slices: list[tuple[_Shape, dict[str, object], float]]
    if not has_place:
        slices = [(shape, params, W_DISTANCE * REMOTE_DISTANCE_SHARE)]
    else:
        lat, lon, radius = volunteer.lat, volunteer.lon, volunteer.radius_km
        assert lat is not None and lon is not None
        box = _box_params("box", lat, lon, radius)
        if radius < SPLIT_RADIUS_KM or not _is_sqlite(session):
            slices = [(shape, params | box, W_DISTANCE)]
        else:
            # Two slices: remote needs and those of the inner box first, the
            # rest of the box only while it could still beat the top.
            inner = radius * INNER_SHARE
            inner_box = _box_params("box", lat, lon, inner)
            slices = [
                (shape, params | inner_box, W_DISTANCE),
                (
                    replace(shape, ring=True),
                    params | box | {f"inner{k[3:]}": v for k, v in inner_box.items()},
                    W_DISTANCE
                    - _ring_nearest_km(params, lat, lon, inner_box)
                    * float(params["ub_share_per_km"]),  # type: ignore[arg-type]
                ),
            ]

    interests = tuple(sorted(volunteer.interests))
    # Category lists (not NOT IN) keep the (status, remote, category, lat) index usable.
    # (categories, most of the category share, the stream's shape, most a searched word adds)
    groups: list[tuple[tuple[str, ...], float, _Shape | None, float]]
    if interests:
        groups = [(interests, 1.0, None, 0.0)]
        if not flt.categories:  # interests only rank: other categories may still make the top
            groups.append((tuple(c for c in CATEGORY_CODES if c not in interests), 0.0, None, 0.0))
    else:
        groups = [(CATEGORY_CODES, NO_INTEREST_SHARE, None, 0.0)]
    words = _searched(flt)
    # A typed text narrows: only needs holding one of its words, all of them
    # in the worded stream (``text_words.tier`` decides on each row).
    text_words = SearchWords.of(words_of_text(flt.text)) if flt.text.strip() else None
    if text_words is not None:
        groups = []
    if words:
        # The needs holding a word, of every category: read before all
        # others (their bound exceeds every score without a word), so a need
        # the other streams read later has been offered with its word already.
        fragments = words.like_fragments()
        worded = replace(shape, worded=True, words=len(fragments or ()))
        share = 1.0 if interests else NO_INTEREST_SHARE
        groups.insert(0, (CATEGORY_CODES, share, worded, WORD_IN_TITLE))
    rest = W_TIME + W_URGENT + W_FRESH + W_LOCAL  # what a row may add at most
    streams = [
        _Stream(
            _stream_query(
                slice_shape if group_shape is None else replace(group_shape, ring=slice_shape.ring)
            ),
            {
                **slice_params,
                "ub_category": W_CATEGORY * share + word_most,
                "q_categories": list(categories),
            },
            W_CATEGORY * share + word_most + distance_most + rest + _SLACK,  # before any read
            batch=max(2 * k, MIN_BATCH),
            worded=group_shape is not None,
        )
        for categories, share, group_shape, word_most in groups
        for slice_shape, slice_params, distance_most in slices
    ]
    shown = set(flt.categories)  # with no word held, only these (all when empty)
    searched = SearchWords.of(with_base_forms(flt.words))  # shown outside ``shown`` when held
    columns = len(NEED_COLUMNS)

    while True:
        open_streams = [s for s in streams if not s.done]
        if not open_streams:
            break
        stream = max(open_streams, key=lambda s: s.bound)
        if top.kth_score() > stream.bound:
            break  # nothing unread can enter the top: the ranking is exact
        for row in await _read(session, stream):
            if top.kth_score() > float(row[-1]) + _SLACK:
                # Rows come best bound first: neither this one nor any later
                # one of the stream can enter the top, now or later.
                stream.done = True
                break
            need = need_view(row[:columns])
            if wanted and not wanted <= set(need.qualifications):
                continue
            lift = 0.0
            if stream.worded:
                texts = tuple(str(x or "") for x in row[columns : columns + 3])
                tier = words.tier(*texts)
                if text_words is not None and not flt.words:
                    if tier == NONE:  # the text's words are all the words
                        continue  # a substring, not a word of the text
                elif text_words is not None and text_words.tier(*texts) == NONE:
                    continue
                lift = _LIFT.get(tier, 0.0)
                if shown and need.category not in shown and not searched.tier(*texts):
                    continue  # a substring, not the word ("Hunderte" for "Hunde")
            top.offer(need, lift)
    ranked = top.ranked()
    return Page(tuple(ranked[offset : offset + limit]), offset, len(ranked) > offset + limit)


def _is_sqlite(source: AsyncSession | Database) -> bool:
    if isinstance(source, Database):
        return source.is_sqlite
    return source.get_bind().dialect.name == "sqlite"


def _ring_nearest_km(
    params: dict[str, object], lat: float, lon: float, inner_box: dict[str, float]
) -> float:
    """The least distance lower bound (``_upper_bound``'s ``nearest``) of a
    row outside the inner box: its latitude or its longitude lies beyond
    the box's nearer edge on that axis."""
    min_lat, max_lat, min_lon, max_lon = inner_box.values()
    north = min(max_lat - lat, lat - min_lat) * float(params["ub_km_lat"])  # type: ignore[arg-type]
    east = min(max_lon - lon, lon - min_lon) * float(params["ub_km_lon"])  # type: ignore[arg-type]
    return max(min(north, east), 0.0)


async def visible_tenant_ids(session: AsyncSession, tenant_id: int) -> list[int] | None:
    """The tenants whose needs a person of ``tenant_id`` sees: all, when the
    tenant shows neighbours (the radius limits them), else only its own."""
    show = await session.scalar(select(Tenant.show_neighbours).where(Tenant.id == tenant_id))
    return None if show else [tenant_id]


async def count_published(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Need).where(Need.status == NeedStatus.PUBLISHED)
        )
        or 0
    )

"""A person's matches and searches: ranking from ``core.search`` joined with
what a card shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select

from core.db import Database
from core.matching import Match, VolunteerView
from core.models import ACTIVE_STATUSES, Engagement, Need, Organisation, Tenant
from core.schedule import Weekly
from core.search import NO_FILTER, SearchFilter, rank_needs, visible_tenant_ids
from core.services.needs import NeedDetail
from core.services.profiles import get_profile


@dataclass(frozen=True, slots=True)
class Card:
    match: Match
    need: NeedDetail


@dataclass(frozen=True, slots=True)
class CardPage:
    cards: tuple[Card, ...]
    offset: int
    has_more: bool


async def matches_for_view(
    db: Database,
    volunteer: VolunteerView,
    now: datetime,
    *,
    flt: SearchFilter = NO_FILTER,
    tz: ZoneInfo | None = None,
    offset: int = 0,
    limit: int = 5,
    show_neighbours: bool | None = None,
) -> CardPage:
    """``show_neighbours``: the setting of the volunteer's tenant when the
    caller has its config at hand (saves reading it from the tenant row)."""
    async with db.sessions() as session:
        if show_neighbours is None:
            tenant_ids = await visible_tenant_ids(session, volunteer.tenant_id)
        else:
            tenant_ids = None if show_neighbours else [volunteer.tenant_id]
        page = await rank_needs(
            session,
            volunteer,
            now,
            flt=flt,
            tenant_ids=tenant_ids,
            tz=tz or ZoneInfo("Europe/Berlin"),
            offset=offset,
            limit=limit,
        )
    details = await _card_details(db, [m.need_id for m in page.matches])
    cards = tuple(Card(m, details[m.need_id]) for m in page.matches if m.need_id in details)
    return CardPage(cards, page.offset, page.has_more)


async def matches_for_person(
    db: Database,
    person_id: int,
    now: datetime,
    *,
    flt: SearchFilter = NO_FILTER,
    tz: ZoneInfo | None = None,
    offset: int = 0,
    limit: int = 5,
) -> CardPage:
    """The person's best needs; an empty page when there is no profile yet."""
    profile = await get_profile(db, person_id)
    if profile is None:
        return CardPage((), offset, False)
    return await matches_for_view(
        db, profile.volunteer_view(), now, flt=flt, tz=tz, offset=offset, limit=limit
    )


_TAKEN = (
    select(func.count())
    .where(
        Engagement.need_id == Need.id,
        Engagement.status.in_(ACTIVE_STATUSES),
        Engagement.waitlisted.is_(False),
    )
    .correlate(Need)
    .scalar_subquery()
)
_CARDS = (
    select(
        Need.id,
        Need.tenant_id,
        Tenant.slug,
        Need.organisation_id,
        Organisation.name,
        Need.title,
        Need.description,
        Need.category,
        Need.qualifications,
        Need.remote,
        Need.lat,
        Need.lon,
        Need.place_label,
        Need.starts_at,
        Need.ends_at,
        Need.recurrence,
        Need.helpers_wanted,
        _TAKEN,
        Need.urgent,
        Need.status,
    )
    .join(Organisation, Organisation.id == Need.organisation_id)
    .join(Tenant, Tenant.id == Need.tenant_id)
    .where(Need.id.in_(bindparam("ids", expanding=True)))
)


async def _card_details(db: Database, need_ids: list[int]) -> dict[int, NeedDetail]:
    """``needs.need_details`` for a page of cards in one statement of columns
    (no ORM rows, places taken counted in the same query): every page of
    matches shows one."""
    if not need_ids:
        return {}
    async with db.engine.connect() as conn:
        rows = (await conn.execute(_CARDS, {"ids": need_ids})).all()
    out: dict[int, NeedDetail] = {}
    for (
        nid,
        tenant_id,
        slug,
        org_id,
        org_name,
        title,
        description,
        category,
        quals,
        remote,
        lat,
        lon,
        place,
        starts_at,
        ends_at,
        recurrence,
        wanted,
        taken,
        urgent,
        status,
    ) in rows:
        out[nid] = NeedDetail(
            id=nid,
            tenant_id=tenant_id,
            tenant_slug=slug,
            organisation_id=org_id,
            organisation=org_name,
            title=title,
            description=description,
            category=category,
            qualifications=tuple(quals),
            remote=remote,
            lat=lat,
            lon=lon,
            place_label=place,
            starts_at=starts_at,
            ends_at=ends_at,
            weekly=Weekly.from_dict(recurrence) if recurrence else None,
            helpers_wanted=wanted,
            helpers_taken=int(taken or 0),
            urgent=urgent,
            status=status,
        )
    return out

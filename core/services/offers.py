"""Offers (Angebote) from everyone: a volunteer's time or skills posted by
message, a company's resources (a van on weekends, a meeting room, staff
days) posted on the web, and the matching of both to organisations' open
needs.

Matching reuses the volunteer scoring of ``core.matching`` unchanged: an offer
is read as a volunteer who is interested in the offer's category, is where the
offer is, within its reach, at the times it names (``offer_volunteer``). So an
offer gets the same score and the same reasons ("Handwerk · 1,2 km · Sa
vormittags") as a person would; nothing here weighs anything itself.

A resource offer (a van, a room; ``core.resources``) fits only the needs its
resource suits, not every need it reaches: a van a move or the Tafel's
pick-ups, a room a meeting or a course. Its reasons begin with that
("Transporter passt zu: Umzugshilfe").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import InvalidValue, NotAllowed, OfferWithdrawn
from core.geo.distance import bounding_box
from core.matching import Match, NeedView, Reason, VolunteerView, score
from core.models import Membership, Need, Offer, Organisation, Person
from core.resources import REASON as RESOURCE_REASON
from core.resources import ResourceKind, Resources, reason_value
from core.schedule import FULL_MASK
from core.search import NEED_COLUMNS, need_view, open_needs, visible_tenant_ids
from core.services.audit import record
from core.services.matches import Card, CardPage, cards_of, matches_for_view
from core.single_line import is_single_line
from core.taxonomy import CATEGORY_CODES

OFFER_KINDS = ("time", "skill", "resource")
MAX_TITLE = 120
MAX_OFFERS_PER_PERSON = 20  # active offers of one person at a time
DEFAULT_RADIUS_KM = 10.0
MAX_CANDIDATE_OFFERS = 500  # offers read per organisation page (newest first)


@dataclass(frozen=True, slots=True)
class OfferDraft:
    """What a person offers, as the dialogue collected it."""

    title: str
    kind: str  # time | skill | resource
    category: str | None
    lat: float | None
    lon: float | None
    place_label: str | None
    cell_mask: int = 0  # 0: any time
    available_until: datetime | None = None
    skills: str | None = None
    description: str = ""
    radius_km: float = DEFAULT_RADIUS_KM
    resource: str | None = None  # ``core.resources`` kind; read from the title when None


@dataclass(frozen=True, slots=True)
class OfferSummary:
    id: int
    title: str
    kind: str
    category: str | None
    place_label: str | None
    cell_mask: int
    available_until: datetime | None
    active: bool
    person_id: int | None
    organisation_id: int | None
    resource: str | None = None
    organisation: str | None = None  # the organisation's name, for its offers


@dataclass(frozen=True, slots=True)
class OfferMatch:
    """An offer that fits one of an organisation's open needs (the best one)."""

    offer_id: int
    offer_title: str
    kind: str
    category: str | None
    place_label: str | None
    by_person: bool  # a volunteer's offer (answered through the relay)
    offered_by: str  # the company's name; a volunteer's display name or ""
    need_id: int
    need_title: str
    score: float
    reasons: tuple[Reason, ...]


def validate(draft: OfferDraft, is_category: object = None) -> None:
    if not draft.title.strip() or len(draft.title) > MAX_TITLE or not is_single_line(draft.title):
        raise InvalidValue(field="title")
    if draft.kind not in OFFER_KINDS:
        raise InvalidValue(field="kind")
    if not 0 <= draft.cell_mask <= FULL_MASK:
        raise InvalidValue(field="time")
    if callable(is_category) and draft.category and not is_category(draft.category):
        raise InvalidValue(field="category")
    if draft.resource is not None and not Resources.load().is_kind(draft.resource):
        raise InvalidValue(field="resource")


def resource_kind_of(kind: str, resource: str | None, text: str) -> str | None:
    """The resource a resource offer lends: the one chosen, else the one its
    words name ("unseren Transporter"); None for other offers."""
    if kind != "resource":
        return None
    return resource or Resources.load().kind_of(text)


async def post_person_offer(
    db: Database,
    person_id: int,
    draft: OfferDraft,
    *,
    now: datetime,
    organisation_id: int | None = None,
) -> int:
    """A volunteer's offer: ``Offer.person_id`` is the person, no organisation.
    With ``organisation_id`` (a member posting in chat "for" their company or
    club; membership checked) the offer is the organisation's, as one posted
    on the web: no person behind it, on its web offer list, answered through
    the relay to its members."""
    validate(draft)
    async with db.transaction() as session:
        person = await session.get(Person, person_id)
        if person is None:
            raise NotAllowed()
        tenant_id = person.tenant_id
        if organisation_id is not None:
            org = await session.get(Organisation, organisation_id)
            member = await session.scalar(
                select(Membership.id).where(
                    Membership.organisation_id == organisation_id,
                    Membership.person_id == person_id,
                )
            )
            if org is None or member is None or org.suspended_at is not None:
                raise NotAllowed()
            tenant_id = org.tenant_id
            owner = Offer.organisation_id == organisation_id
        else:
            owner = Offer.person_id == person_id
        active = (
            await session.scalars(select(Offer.id).where(owner, Offer.active.is_(True)))
        ).all()
        if len(active) >= MAX_OFFERS_PER_PERSON:
            raise InvalidValue(field="offers")
        offer = Offer(
            tenant_id=tenant_id,
            person_id=person_id if organisation_id is None else None,
            organisation_id=organisation_id,
            title=draft.title.strip()[:MAX_TITLE],
            description=draft.description.strip(),
            kind=draft.kind,
            category=draft.category,
            lat=draft.lat,
            lon=draft.lon,
            place_label=draft.place_label,
            available_from=now,
            available_until=draft.available_until,
            cell_mask=draft.cell_mask,
            radius_km=draft.radius_km,
            skills=draft.skills,
            resource=resource_kind_of(
                draft.kind, draft.resource, f"{draft.title} {draft.description}"
            ),
            active=True,
            created_at=now,
        )
        session.add(offer)
        await session.flush()
        record(
            session,
            tenant_id=tenant_id,
            actor=f"person:{person_id}",
            action="offer_posted",
            subject=f"offer:{offer.id}",
            at=now,
        )
        return offer.id


def _summary(o: Offer, organisation: str | None = None) -> OfferSummary:
    return OfferSummary(
        o.id,
        o.title,
        o.kind,
        o.category,
        o.place_label,
        o.cell_mask,
        o.available_until,
        o.active,
        o.person_id,
        o.organisation_id,
        o.resource,
        organisation,
    )


async def offers_of_person(
    db: Database, person_id: int, *, withdrawn: bool = False, organisations: bool = False
) -> list[OfferSummary]:
    """The person's offers, newest first; ``withdrawn``: the withdrawn ones
    too (each says ``active``), for "Meine Angebote"; ``organisations``: the
    offers of the organisations the person is a member of too (posted on the
    web or by chat "for" it; each names its organisation)."""
    owner = Offer.person_id == person_id
    if organisations:
        member_of = select(Membership.organisation_id).where(Membership.person_id == person_id)
        owner = or_(owner, Offer.organisation_id.in_(member_of))
    query = (
        select(Offer, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Offer.organisation_id)
        .where(owner)
    )
    if not withdrawn:
        query = query.where(Offer.active.is_(True))
    async with db.sessions() as session:
        rows = (
            await session.execute(query.order_by(Offer.created_at.desc(), Offer.id.desc()))
        ).all()
    return [_summary(o, name if o.person_id is None else None) for o, name in rows]


async def may_manage(db: Database, person_id: int, offer_id: int) -> bool:
    """Whether the person may withdraw the offer: their own, or one of an
    organisation they are a member of."""
    async with db.sessions() as session:
        offer = await session.get(Offer, offer_id)
        if offer is None:
            return False
        return await _manages(session, person_id, offer)


async def _manages(session: AsyncSession, person_id: int, offer: Offer) -> bool:
    if offer.person_id == person_id:
        return True
    if offer.organisation_id is None:
        return False
    member = await session.scalar(
        select(Membership.id).where(
            Membership.organisation_id == offer.organisation_id,
            Membership.person_id == person_id,
        )
    )
    return member is not None


async def offer_summary(db: Database, offer_id: int) -> OfferSummary | None:
    async with db.sessions() as session:
        offer = await session.get(Offer, offer_id)
    return _summary(offer) if offer is not None else None


async def organisation_name(db: Database, organisation_id: int) -> str:
    """The name an offer of an organisation shows ("Passende Angebote")."""
    async with db.sessions() as session:
        name = await session.scalar(
            select(Organisation.name).where(Organisation.id == organisation_id)
        )
    return name or ""


async def withdraw_person_offer(
    db: Database, person_id: int, offer_id: int, *, now: datetime
) -> None:
    async with db.transaction() as session:
        offer = await session.get(Offer, offer_id)
        if offer is None or not await _manages(session, person_id, offer):
            raise NotAllowed()
        if not offer.active:
            raise OfferWithdrawn()  # a second "withdraw": said so, nothing recorded again
        offer.active = False
        record(
            session,
            tenant_id=offer.tenant_id,
            actor=f"person:{person_id}",
            action="offer_withdrawn",
            subject=f"offer:{offer.id}",
            at=now,
        )


def offer_volunteer(offer: Offer) -> VolunteerView:
    """The offer read as a volunteer: interested in its category, where it is,
    within its reach, at the times it names. One that names none ("nach
    Absprache") is a volunteer who said nothing about their week: neutral on
    time (``FIT_UNKNOWN_WEEK``) and without a time among its reasons, so an
    offer that names the need's day ranks before it."""
    return VolunteerView(
        person_id=offer.person_id or 0,
        tenant_id=offer.tenant_id,
        interests=frozenset({offer.category}) if offer.category else frozenset(),
        qualifications=frozenset(),
        lat=offer.lat,
        lon=offer.lon,
        radius_km=offer.radius_km or DEFAULT_RADIUS_KM,
        availability_mask=offer.cell_mask or 0,
    )


def _fits(offer: Offer, match: Match) -> bool:
    """An offer of a topic fits needs of that topic; time or skills without
    one fit any need they reach. A thing no resource kind names ("unsere
    Hüpfburg"; a named one: ``_resource_match``) has nothing but its topic
    to tell which needs it suits: without one it fits none."""
    if match.excluded:
        return False
    if offer.category is None:
        return offer.kind != "resource"
    return any(r.kind == "category" for r in match.reasons)


# What an organisation is shown of why an offer fits: the offer's own
# resource, topic, place and times (also "Mo statt Sa": the offer's day
# against its need's). Nothing the scoring reads about the
# person behind it (qualifications they did not mention, short notice).
ORG_REASONS = frozenset({RESOURCE_REASON, "category", "distance", "remote", "time", "other_time"})


def offer_resource(offer: Offer) -> ResourceKind | None:
    """The resource kind of a resource offer (older ones: read from its
    words); None for time and skills, or a thing no kind names."""
    code = resource_kind_of(offer.kind, offer.resource, f"{offer.title} {offer.description}")
    return Resources.load().kinds.get(code) if code else None


def _resource_match(
    volunteer: VolunteerView,
    resource: ResourceKind,
    need: NeedView,
    title: str,
    description: str,
    now: datetime,
) -> Match | None:
    """The match of a resource offer and a need it suits (None when it
    suits none of the need's uses, or the scoring excludes it), with the
    resource's reason first: "Transporter passt zu: Umzugshilfe"."""
    use = resource.fit(title, description, need.category)
    if use is None:
        return None
    match = score(volunteer, need, now)
    if match.excluded:
        return None
    reason = Reason(RESOURCE_REASON, reason_value(resource.code, use))
    return replace(match, reasons=(reason, *match.reasons))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _candidates_query(
    resource: ResourceKind,
    volunteer: VolunteerView,
    now: datetime,
    tenants: list[int] | None,
    *,
    prefilter: bool = True,
    sqlite: bool = False,
) -> Select[tuple[object, ...]]:
    """Open needs at a place the resource could suit: within the offer's
    reach, of one of its uses' categories or holding one of their words
    (a coarse ``LIKE``; ``ResourceKind.fit`` decides). ``prefilter=False``:
    without the ``LIKE`` (the bench's baseline)."""
    # The category list (all of them) keeps the (status, remote, category,
    # lat) index usable for the box, as in ``core.search``.
    q = select(*NEED_COLUMNS, Need.title, Need.description).where(
        *open_needs(now), Need.remote.is_(False), Need.category.in_(CATEGORY_CODES)
    )
    if tenants is not None:
        q = q.where(Need.tenant_id.in_(tenants))
    if volunteer.lat is not None and volunteer.lon is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(
            volunteer.lat, volunteer.lon, volunteer.radius_km
        )
        q = q.where(Need.lat.between(min_lat, max_lat), Need.lon.between(min_lon, max_lon))
    fragments = resource.like_fragments() if prefilter else None
    if fragments is not None:
        # SQLite's LIKE ignores the case of ASCII letters (the fragments' own)
        # by itself; ILIKE would lower both sides of every comparison.
        held = [
            (column.like if sqlite else column.ilike)(f"%{_escape_like(f)}%", escape="\\")
            for f in fragments
            for column in (Need.title, Need.description)
        ]
        categories = sorted(resource.categories())
        if categories:
            held.append(Need.category.in_(categories))
        q = q.where(or_(*held))
    return q


async def resource_matches(
    db: Database,
    offer: Offer,
    resource: ResourceKind,
    now: datetime,
    *,
    limit: int,
    tenants: list[int] | None,
) -> list[Match]:
    """The open needs a resource offer suits, best first."""
    volunteer = offer_volunteer(offer)
    query = _candidates_query(resource, volunteer, now, tenants, sqlite=db.is_sqlite)
    return _rank(volunteer, resource, await db.rows(query), now, limit)


def _rank(
    volunteer: VolunteerView,
    resource: ResourceKind,
    rows: Sequence[Row[Any]],
    now: datetime,
    limit: int,
) -> list[Match]:
    """The best ``limit`` rows the resource suits. Scoring is cheap and the
    words' test is not: rows are scored first, then tested best first
    until ``limit`` fit (the same top as testing every row)."""
    columns = len(NEED_COLUMNS)
    scored: list[tuple[Match, NeedView, Row[Any]]] = []
    for row in rows:
        need = need_view(row[:columns])
        match = score(volunteer, need, now)
        if not match.excluded:
            scored.append((match, need, row))
    scored.sort(key=lambda s: (-s[0].score, s[0].need_id))
    found: list[Match] = []
    for match, need, row in scored:
        use = resource.fit(row[columns] or "", row[columns + 1] or "", need.category)
        if use is not None:
            reason = Reason(RESOURCE_REASON, reason_value(resource.code, use))
            found.append(replace(match, reasons=(reason, *match.reasons)))
            if len(found) == limit:
                break
    return found


async def needs_for_offer(
    db: Database, offer_id: int, now: datetime, *, tz: ZoneInfo | None = None, limit: int = 5
) -> CardPage:
    """The open needs an offer fits best (the volunteer ranking, unchanged);
    an organisation's offer not its own organisation's needs (as its
    "Passende Angebote" leave out its own offers)."""
    async with db.sessions() as session:
        offer = await session.get(Offer, offer_id)
    if offer is None or not offer.active:
        return CardPage((), 0, False)
    own = offer.organisation_id

    def others(cards: Iterable[Card]) -> tuple[Card, ...]:
        return tuple(c for c in cards if own is None or c.need.organisation_id != own)

    resource = offer_resource(offer)
    if resource is not None:
        async with db.sessions() as session:
            tenants = await visible_tenant_ids(session, offer.tenant_id)
        wanted = limit * 3 if own is not None else limit
        matches = await resource_matches(db, offer, resource, now, limit=wanted, tenants=tenants)
        return CardPage(others(await cards_of(db, matches, now))[:limit], 0, False)
    if offer.kind == "resource" and offer.category is None:
        return CardPage((), 0, False)  # a thing without a kind or topic (``_fits``)
    volunteer = offer_volunteer(offer)
    page = await matches_for_view(db, volunteer, now, tz=tz, limit=limit * 3)
    cards = others(c for c in page.cards if _fits(offer, c.match))[:limit]
    return CardPage(cards, 0, False)


async def offers_for_organisation(
    db: Database, organisation_id: int, now: datetime, *, limit: int = 10
) -> list[OfferMatch]:
    """ "Passende Angebote": active offers (of people and of other
    organisations, in the tenants this organisation's needs are seen in) that
    fit one of its open needs, best first, each with its best need."""
    async with db.sessions() as session:
        org = await session.get(Organisation, organisation_id)
        if org is None:
            raise NotAllowed()
        need_rows = (
            await session.execute(
                select(*NEED_COLUMNS, Need.title, Need.description).where(
                    Need.organisation_id == organisation_id, *open_needs(now)
                )
            )
        ).all()
        if not need_rows:
            return []
        needs = [(need_view(row[:-2]), str(row[-2]), str(row[-1] or "")) for row in need_rows]
        tenants = await visible_tenant_ids(session, org.tenant_id)
        q = (
            select(Offer, Person.display_name, Organisation.name)
            .outerjoin(Person, Person.id == Offer.person_id)
            .outerjoin(Organisation, Organisation.id == Offer.organisation_id)
            .where(
                Offer.active.is_(True),
                or_(Offer.available_until.is_(None), Offer.available_until > now),
                or_(Offer.organisation_id.is_(None), Offer.organisation_id != organisation_id),
            )
            .order_by(Offer.created_at.desc(), Offer.id.desc())
            .limit(MAX_CANDIDATE_OFFERS)
        )
        if tenants is not None:
            q = q.where(Offer.tenant_id.in_(tenants))
        offers = (await session.execute(q)).all()
    found: list[OfferMatch] = []
    for offer, person_name, org_name in offers:
        volunteer = offer_volunteer(offer)
        resource = offer_resource(offer)
        best: tuple[Match, str] | None = None
        for need, title, description in needs:
            if resource is not None:
                fitting = _resource_match(volunteer, resource, need, title, description, now)
            else:
                match = score(volunteer, need, now)
                fitting = match if _fits(offer, match) else None
            if fitting is not None and (best is None or fitting.score > best[0].score):
                best = (fitting, title)
        if best is None:
            continue
        match, title = best
        found.append(
            OfferMatch(
                offer.id,
                offer.title,
                offer.kind,
                offer.category,
                offer.place_label,
                offer.person_id is not None,
                (org_name or "") if offer.person_id is None else (person_name or ""),
                match.need_id,
                title,
                match.score,
                tuple(r for r in match.reasons if r.kind in ORG_REASONS),
            )
        )
    found.sort(key=lambda m: (-m.score, -m.offer_id))
    return found[:limit]


__all__ = [
    "OFFER_KINDS",
    "ORG_REASONS",
    "OfferDraft",
    "OfferMatch",
    "OfferSummary",
    "may_manage",
    "needs_for_offer",
    "offer_resource",
    "offer_summary",
    "offers_for_organisation",
    "offers_of_person",
    "organisation_name",
    "post_person_offer",
    "resource_kind_of",
    "resource_matches",
    "withdraw_person_offer",
]

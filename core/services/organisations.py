"""What an organisation manages: its needs (edit, extend, mark filled), the
sign-ups on them, and its offers. Every verb checks that the need or offer
belongs to the organisation (``NotAllowed`` otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import InvalidValue, NotAllowed, UnknownNeed
from core.models import (
    ACTIVE_STATUSES,
    Engagement,
    EngagementStatus,
    Need,
    NeedStatus,
    Offer,
    Organisation,
    Person,
    Tenant,
)
from core.reminders import kinds
from core.reminders.planning import notify_person, replan_engagement
from core.schedule import one_off_mask, weekly_mask
from core.services import mail_queue
from core.services.audit import record
from core.services.needs import (
    NeedInput,
    PlaceResolver,
    on_published,
    send_back_to_review,
    validate_need,
)
from core.single_line import is_single_line
from core.taxonomy import Taxonomy

EXTEND_BY = timedelta(weeks=4)
OFFER_KINDS = ("time", "skill", "resource")


@dataclass(frozen=True, slots=True)
class OrganisationView:
    id: int
    tenant_id: int
    name: str
    kind: str
    contact_name: str | None
    verified: bool


@dataclass(frozen=True, slots=True)
class NeedRow:
    id: int
    title: str
    status: NeedStatus
    category: str
    starts_at: datetime | None
    ends_at: datetime | None
    weekly: bool
    valid_until: datetime | None
    helpers_wanted: int
    signups: int
    hidden: bool
    rejection_reason: str | None
    waiting: int = 0  # on the waitlist (not in ``signups``, which holds places)


@dataclass(frozen=True, slots=True)
class SignupView:
    engagement_id: int
    person_id: int | None
    name: str  # first name or pseudonym; "" when the person was deleted
    status: EngagementStatus
    waitlisted: bool
    contact_shared: bool
    email: str | None  # only when contact was shared
    phone: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OfferInput:
    title: str
    description: str
    kind: str
    category: str | None
    place: str | None
    available_from: datetime | None
    available_until: datetime | None


@dataclass(frozen=True, slots=True)
class OfferView:
    id: int
    organisation_id: int | None
    title: str
    description: str
    kind: str
    category: str | None
    place_label: str | None
    available_from: datetime | None
    available_until: datetime | None
    active: bool


async def organisation(db: Database, organisation_id: int) -> OrganisationView | None:
    async with db.sessions() as session:
        org = await session.get(Organisation, organisation_id)
    if org is None:
        return None
    return OrganisationView(
        org.id, org.tenant_id, org.name, org.kind.value, org.contact_name, org.verified
    )


async def need_owner(db: Database, need_id: int) -> tuple[int, int]:
    """(organisation id, tenant id) of a need; ``UnknownNeed`` when missing."""
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Need.organisation_id, Need.tenant_id).where(Need.id == need_id)
            )
        ).one_or_none()
    if row is None:
        raise UnknownNeed(need_id=need_id)
    return int(row[0]), int(row[1])


async def needs_of(db: Database, organisation_id: int) -> list[NeedRow]:
    """The organisation's needs, newest first, with their active sign-ups
    that hold a place (as the need's page counts them) and their waitlist."""
    async with db.sessions() as session:
        waitlisted = case((Engagement.waitlisted.is_(True), 1), else_=0)
        counts = (
            select(
                Engagement.need_id,
                func.count().label("n"),
                func.sum(waitlisted).label("waiting"),
            )
            .where(Engagement.status.in_(ACTIVE_STATUSES))
            .group_by(Engagement.need_id)
            .subquery()
        )
        rows = (
            await session.execute(
                select(Need, func.coalesce(counts.c.n, 0), func.coalesce(counts.c.waiting, 0))
                .outerjoin(counts, counts.c.need_id == Need.id)
                .where(Need.organisation_id == organisation_id)
                .order_by(Need.created_at.desc(), Need.id.desc())
            )
        ).all()
    return [
        NeedRow(
            n.id,
            n.title,
            n.status,
            n.category,
            n.starts_at,
            n.ends_at,
            n.recurrence is not None,
            n.valid_until,
            n.helpers_wanted,
            int(count) - int(waiting),
            n.hidden,
            n.rejection_reason,
            int(waiting),
        )
        for n, count, waiting in rows
    ]


async def _owned_need(session: AsyncSession, organisation_id: int, need_id: int) -> Need:
    """The need, when it belongs to the organisation; ``UnknownNeed`` or
    ``NotAllowed`` otherwise (the web answers 404/403)."""
    need = await session.get(Need, need_id)
    if need is None:
        raise UnknownNeed(need_id=need_id)
    if need.organisation_id != organisation_id:
        raise NotAllowed()
    return need


async def signups_of(db: Database, organisation_id: int, need_id: int) -> list[SignupView]:
    async with db.sessions() as session:
        await _owned_need(session, organisation_id, need_id)
        rows = (
            await session.execute(
                select(Engagement, Person)
                .outerjoin(Person, Person.id == Engagement.person_id)
                .where(Engagement.need_id == need_id)
                .order_by(Engagement.created_at, Engagement.id)
            )
        ).all()
    out = []
    for e, p in rows:
        shared = bool(e.contact_shared and p is not None)
        out.append(
            SignupView(
                engagement_id=e.id,
                person_id=e.person_id,
                name=(p.display_name or "") if p is not None else "",
                status=e.status,
                waitlisted=e.waitlisted,
                contact_shared=shared,
                email=p.email if shared and p is not None else None,
                phone=p.phone if shared and p is not None else None,
                created_at=e.created_at,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class NeedForEdit:
    """Everything the organisation's need page and edit form show (plain values)."""

    id: int
    title: str
    description: str
    category: str
    qualifications: tuple[str, ...]
    remote: bool
    place_label: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    recurrence: dict[str, Any] | None
    valid_until: datetime | None
    helpers_wanted: int
    urgent: bool
    status: NeedStatus
    rejection_reason: str | None
    hidden: bool


async def need_for_edit(db: Database, organisation_id: int, need_id: int) -> NeedForEdit:
    """The organisation's own need, for its page and the edit form."""
    async with db.sessions() as session:
        need = await _owned_need(session, organisation_id, need_id)
        return NeedForEdit(
            id=need.id,
            title=need.title,
            description=need.description,
            category=need.category,
            qualifications=tuple(need.qualifications or ()),
            remote=need.remote,
            place_label=need.place_label,
            starts_at=need.starts_at,
            ends_at=need.ends_at,
            recurrence=dict(need.recurrence) if need.recurrence else None,
            valid_until=need.valid_until,
            helpers_wanted=need.helpers_wanted,
            urgent=need.urgent,
            status=need.status,
            rejection_reason=need.rejection_reason,
            hidden=need.hidden,
        )


async def update_need(
    db: Database,
    organisation_id: int,
    need_id: int,
    data: NeedInput,
    *,
    taxonomy: Taxonomy,
    places: PlaceResolver,
    now: datetime,
    tz: ZoneInfo,
    actor: str,
) -> NeedStatus:
    """Change every field of a need. In a moderated tenant every change of
    content sends the need back to review (its ``published_at`` cleared, its
    pending alerts cancelled); a change of only the time or helpers count
    stays published when the tenant allows corrections without review. An
    expired need is published again only with text an editor approved.

    Switched to urgent, a need is treated like a new urgent need: a verified
    organisation's goes out at once (no review), and once it is published
    its alert waves start (never twice for one need)."""
    validate_need(data, taxonomy, now)
    async with db.transaction() as session:
        need = await _owned_need(session, organisation_id, need_id)
        if need.status in (NeedStatus.CANCELLED,):
            raise InvalidValue(field="status")
        tenant = await session.get(Tenant, need.tenant_id)
        assert tenant is not None
        lat, lon, label = data.lat, data.lon, data.place_label
        if not data.remote and data.place and (lat is None or lon is None):
            lat, lon, label = places.resolve(data.place, tenant.slug)
        if data.remote:
            lat = lon = label = None
        before = _content(need), _timing(need)
        was_urgent, was_published = need.urgent, need.status == NeedStatus.PUBLISHED
        was_when, was_where, was_until = _when(need), _where(need), need.valid_until
        need.title, need.description = data.title.strip(), data.description.strip()
        need.category, need.qualifications = data.category, list(data.qualifications)
        need.remote, need.lat, need.lon = data.remote, lat, lon
        need.place_label = label or (None if data.remote else data.place)
        need.starts_at, need.ends_at = data.starts_at, data.ends_at
        need.recurrence = data.weekly.to_dict() if data.weekly else None
        need.cell_mask = (
            weekly_mask(data.weekly)
            if data.weekly is not None
            else one_off_mask(data.starts_at, data.ends_at, tz)  # type: ignore[arg-type]
        )
        need.helpers_wanted, need.urgent = data.helpers_wanted, data.urgent
        need.valid_until, need.updated_at = data.valid_until, now
        content_changed = before[0] != _content(need)
        timing_changed = before[1] != _timing(need)
        org = await session.get(Organisation, organisation_id)
        fast_track = (  # as for a new urgent need; what the editors rejected stays theirs
            tenant.moderation_required
            and data.urgent
            and org is not None
            and org.verified
            and need.status != NeedStatus.REJECTED
        )
        if not tenant.moderation_required or fast_track:
            if need.status != NeedStatus.FILLED:
                if need.status != NeedStatus.PUBLISHED:
                    need.published_at = now
                need.status = NeedStatus.PUBLISHED
        else:
            approved = need.published_at is not None and need.status in (
                NeedStatus.PUBLISHED,
                NeedStatus.FILLED,
                NeedStatus.EXPIRED,
            )
            minor = not content_changed and (
                not timing_changed or tenant.corrections_without_review
            )
            if approved and minor:
                if need.status == NeedStatus.EXPIRED:
                    need.status = NeedStatus.PUBLISHED
            else:
                await send_back_to_review(session, need)
                await mail_queue.notify_editors(session, need, now)
        if need.status == NeedStatus.PUBLISHED and (not was_urgent or not was_published):
            await on_published(session, need, now)  # urgent now: its alert waves start
        moved = was_when != _when(need)
        shortened = need.valid_until is not None and (
            was_until is None or need.valid_until < was_until
        )  # a series that ends earlier than people imported it
        if moved or shortened or was_where != _where(need):
            await _tell_signed_up(session, need, now, tz, replan=moved or shortened)
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="need_edited",
            subject=f"need:{need.id}",
            at=now,
            data={"verified_urgent": True} if fast_track else {},
        )
        return need.status


async def _tell_signed_up(
    session: AsyncSession, need: Need, now: datetime, tz: ZoneInfo, *, replan: bool
) -> None:
    """Everyone signed up hears once of a new date or place (with the calendar
    entry they imported, updated); their reminders follow a new date."""
    active = (
        await session.execute(
            select(Engagement.id, Engagement.person_id).where(
                Engagement.need_id == need.id,
                Engagement.status.in_(ACTIVE_STATUSES),
                Engagement.person_id.is_not(None),
            )
        )
    ).all()
    for engagement_id, person_id in active:
        if replan:
            await replan_engagement(
                session,
                engagement_id=engagement_id,
                person_id=person_id,
                need=need,
                now=now,
                tz=tz,
            )
        await notify_person(
            session,
            kind=kinds.NEED_CHANGED.name,
            tenant_id=need.tenant_id,
            person_id=person_id,
            need_id=need.id,
            engagement_id=engagement_id,
            now=now,
            key=f"{engagement_id}:{now.isoformat()}",
        )


def _when(need: Need) -> tuple[object, ...]:
    return (need.starts_at, need.ends_at, need.recurrence)


def _where(need: Need) -> tuple[object, ...]:
    return (need.remote, need.lat, need.lon, need.place_label)


def _content(need: Need) -> tuple[object, ...]:
    """What an editor reviews: the words, the place, the kind of help."""
    return (
        need.title,
        need.description,
        need.category,
        tuple(need.qualifications or ()),
        need.remote,
        need.lat,
        need.lon,
        need.place_label,
        need.urgent,
    )


def _timing(need: Need) -> tuple[object, ...]:
    """A correction: when, and how many helpers."""
    return (need.starts_at, need.ends_at, need.recurrence, need.valid_until, need.helpers_wanted)


async def extend_need(
    db: Database, organisation_id: int, need_id: int, *, now: datetime, actor: str
) -> datetime:
    """Push a recurring need's expiry back by four weeks (from now when it has
    passed); an expired need is published again. Returns the new expiry."""
    async with db.transaction() as session:
        need = await _owned_need(session, organisation_id, need_id)
        if need.recurrence is None or need.status in (NeedStatus.CANCELLED, NeedStatus.REJECTED):
            raise InvalidValue(field="extend")
        base = max(need.valid_until or now, now)
        need.valid_until, need.updated_at = base + EXTEND_BY, now
        if need.status == NeedStatus.EXPIRED:
            if need.published_at is not None:
                need.status = NeedStatus.PUBLISHED  # the text an editor approved
            else:
                # Expired while waiting for review: it still needs an editor.
                need.status = NeedStatus.PENDING_REVIEW
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="need_extended",
            subject=f"need:{need.id}",
            at=now,
        )
        return need.valid_until


async def mark_filled(
    db: Database, organisation_id: int, need_id: int, *, now: datetime, actor: str
) -> None:
    async with db.transaction() as session:
        need = await _owned_need(session, organisation_id, need_id)
        if need.status not in (NeedStatus.PUBLISHED, NeedStatus.FILLED):
            raise InvalidValue(field="status")
        need.status, need.updated_at = NeedStatus.FILLED, now
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="need_marked_filled",
            subject=f"need:{need.id}",
            at=now,
        )


# -- offers --------------------------------------------------------------------


def validate_offer(data: OfferInput, taxonomy: Taxonomy) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.title.strip() or len(data.title) > 120:
        errors["title"] = "required"
    elif not is_single_line(data.title):
        errors["title"] = "invalid"
    if not is_single_line(data.place):
        errors["place"] = "invalid"
    if data.kind not in OFFER_KINDS:
        errors["kind"] = "choose"
    if data.category and not taxonomy.is_category(data.category):
        errors["category"] = "choose"
    if data.available_from and data.available_until and data.available_until < data.available_from:
        errors["available_until"] = "date_order"
    return errors


async def save_offer(
    db: Database,
    organisation_id: int,
    data: OfferInput,
    *,
    taxonomy: Taxonomy,
    places: PlaceResolver,
    now: datetime,
    actor: str,
    offer_id: int | None = None,
) -> int:
    if validate_offer(data, taxonomy):
        raise InvalidValue(field="offer")
    async with db.transaction() as session:
        org = await session.get(Organisation, organisation_id)
        if org is None:
            raise NotAllowed()
        slug = await session.scalar(select(Tenant.slug).where(Tenant.id == org.tenant_id))
        lat = lon = None
        label = None
        if data.place:
            lat, lon, label = places.resolve(data.place, str(slug))
        if offer_id is None:
            offer = Offer(tenant_id=org.tenant_id, organisation_id=org.id, created_at=now)
            session.add(offer)
        else:
            found = await session.get(Offer, offer_id)
            if found is None or found.organisation_id != organisation_id:
                raise NotAllowed()
            offer = found
        offer.title, offer.description = data.title.strip(), data.description.strip()
        offer.kind, offer.category = data.kind, data.category or None
        offer.lat, offer.lon, offer.place_label = lat, lon, label
        offer.available_from, offer.available_until = data.available_from, data.available_until
        await session.flush()
        record(
            session,
            tenant_id=org.tenant_id,
            actor=actor,
            action="offer_saved" if offer_id else "offer_posted",
            subject=f"offer:{offer.id}",
            at=now,
        )
        return offer.id


def _offer_view(o: Offer) -> OfferView:
    return OfferView(
        o.id,
        o.organisation_id,
        o.title,
        o.description,
        o.kind,
        o.category,
        o.place_label,
        o.available_from,
        o.available_until,
        o.active,
    )


async def offers_of(db: Database, organisation_id: int) -> list[OfferView]:
    async with db.sessions() as session:
        rows = (
            await session.scalars(
                select(Offer)
                .where(Offer.organisation_id == organisation_id)
                .order_by(Offer.created_at.desc(), Offer.id.desc())
            )
        ).all()
    return [_offer_view(o) for o in rows]


async def offer_of(db: Database, organisation_id: int, offer_id: int) -> OfferView:
    async with db.sessions() as session:
        offer = await session.get(Offer, offer_id)
    if offer is None or offer.organisation_id != organisation_id:
        raise NotAllowed()
    return _offer_view(offer)


async def withdraw_offer(
    db: Database, organisation_id: int, offer_id: int, *, now: datetime, actor: str
) -> None:
    async with db.transaction() as session:
        offer = await session.get(Offer, offer_id)
        if offer is None or offer.organisation_id != organisation_id:
            raise NotAllowed()
        offer.active = False
        record(
            session,
            tenant_id=offer.tenant_id,
            actor=actor,
            action="offer_withdrawn",
            subject=f"offer:{offer.id}",
            at=now,
        )


async def public_offers(db: Database, tenant_id: int, now: datetime) -> list[OfferView]:
    async with db.sessions() as session:
        rows = (
            await session.scalars(
                select(Offer)
                .where(
                    Offer.tenant_id == tenant_id,
                    Offer.active.is_(True),
                    (Offer.available_until.is_(None)) | (Offer.available_until > now),
                )
                .order_by(Offer.created_at.desc())
                .limit(50)
            )
        ).all()
    return [_offer_view(o) for o in rows]


async def person_of_engagement(
    db: Database, organisation_id: int, engagement_id: int, need_id: int | None = None
) -> int | None:
    """Who signed up, when the sign-up is on the organisation's need (and on
    ``need_id``, the need the page is about); ``NotAllowed`` otherwise."""
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Engagement.person_id, Need.organisation_id, Need.id)
                .join(Need, Need.id == Engagement.need_id)
                .where(Engagement.id == engagement_id)
            )
        ).one_or_none()
    if row is None or row[1] != organisation_id:
        raise NotAllowed()
    if need_id is not None and row[2] != need_id:
        raise NotAllowed()
    return row[0]

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

from core.clock import as_utc
from core.db import Database
from core.errors import (
    ChangePending,
    DatePassed,
    InvalidValue,
    NeedNotOpen,
    NotAllowed,
    OrganisationSuspended,
    UnknownNeed,
)
from core.models import (
    HELD_STATUSES,
    Engagement,
    EngagementStatus,
    Need,
    NeedStatus,
    Offer,
    Organisation,
    Person,
    Reminder,
    ReminderStatus,
    Tenant,
)
from core.reminders import kinds
from core.reminders.planning import plan_alert_wave
from core.resources import Resources
from core.schedule import FULL_MASK, date_passed
from core.services import mail_queue
from core.services.audit import record
from core.services.needs import (
    REVIEW_FIELDS,
    NeedInput,
    PlaceResolver,
    apply_change,
    change_values,
    changes_content,
    differing,
    on_published,
    pending_or_current,
    send_back_to_review,
    taken_places,
    validate_need,
)
from core.services.offers import resource_kind_of
from core.services.signup import fill_free_places
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
    change_pending: bool = False  # a change waits for an editor; public as it was


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
    resource: str | None = None  # a resource offer's kind (``core.resources``)
    cell_mask: int = 0  # the days it is offered on (``core.schedule``); 0: any


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
    resource: str | None = None
    cell_mask: int = 0


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
    """The organisation's needs, newest first, with their sign-ups that hold
    a place (as the need's page counts them; after the date those who were
    there or did not come) and their waitlist."""
    async with db.sessions() as session:
        waitlisted = case((Engagement.waitlisted.is_(True), 1), else_=0)
        counts = (
            select(
                Engagement.need_id,
                func.count().label("n"),
                func.sum(waitlisted).label("waiting"),
            )
            .where(Engagement.status.in_(HELD_STATUSES))
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
            n.pending_change is not None,
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
    # A change waits for an editor: the fields above show it (the form edits
    # the latest version); the public page still shows the approved one.
    change_pending: bool = False
    # What the waiting change changes (``needs.REVIEW_FIELDS`` names).
    changed: tuple[str, ...] = ()


async def need_for_edit(db: Database, organisation_id: int, need_id: int) -> NeedForEdit:
    """The organisation's own need, for its page and the edit form."""
    async with db.sessions() as session:
        need = await _owned_need(session, organisation_id, need_id)
        v = pending_or_current(need)
        return NeedForEdit(
            id=need.id,
            title=v["title"],
            description=v["description"],
            category=v["category"],
            qualifications=tuple(v["qualifications"] or ()),
            remote=v["remote"],
            place_label=v["place_label"],
            starts_at=v["starts_at"],
            ends_at=v["ends_at"],
            recurrence=dict(v["recurrence"]) if v["recurrence"] else None,
            valid_until=v["valid_until"],
            helpers_wanted=v["helpers_wanted"],
            urgent=v["urgent"],
            status=need.status,
            rejection_reason=need.rejection_reason,
            hidden=need.hidden,
            change_pending=need.pending_change is not None,
            changed=tuple(differing(need, need.pending_change, REVIEW_FIELDS))
            if need.pending_change is not None
            else (),
        )


@dataclass(frozen=True, slots=True)
class NeedEdit:
    """What became of an edit: the need's status, and whether the change
    waits for an editor (a published need stays public as it was meanwhile)."""

    status: NeedStatus
    awaits_review: bool


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
) -> NeedEdit:
    """Change every field of a need, for the web form and the chat alike.

    A need an editor approved (published, filled, expired) stays public in
    that version while a change waits for review: the change is stored beside
    it (``pending_change``) and the editors are told; approval applies it
    (``needs.moderate``). A change needs no review where the tenant does not
    moderate, where only the time or helpers count changed and the tenant
    allows corrections without review, or for an urgent need of a verified
    organisation (as when posting; not one the editors rejected: that one
    publishes at once and starts its alert waves). Applied changes tell the
    people signed up once of a new date or place, move their reminders and the
    calendar entry (``needs.apply_change``). A need nobody approved yet
    (draft, pending, rejected) changes in place and goes (back) to review."""
    validate_need(data, taxonomy, now)
    async with db.transaction() as session:
        need = await _owned_need(session, organisation_id, need_id)
        if need.status in (NeedStatus.CANCELLED,):
            raise InvalidValue(field="status")
        tenant = await session.get(Tenant, need.tenant_id)
        org = await session.get(Organisation, need.organisation_id)
        assert tenant is not None and org is not None
        lat, lon, label = data.lat, data.lon, data.place_label
        if not data.remote and data.place and (lat is None or lon is None):
            lat, lon, label = places.resolve(data.place, tenant.slug)
        values = change_values(data, lat=lat, lon=lon, label=label, tz=tz)
        content_changed = changes_content(need, values)
        timing_changed = bool(differing(need, values, {"timing": _TIMING}))
        approved = need.published_at is not None and need.status in (
            NeedStatus.PUBLISHED,
            NeedStatus.FILLED,
            NeedStatus.EXPIRED,
        )
        minor = not content_changed and (not timing_changed or tenant.corrections_without_review)
        fast_track = (  # as for a new urgent need; what the editors rejected stays theirs
            tenant.moderation_required
            and data.urgent
            and org.verified
            and need.status != NeedStatus.REJECTED
        )
        was_urgent, was_published = need.urgent, need.status == NeedStatus.PUBLISHED
        awaits_review = False
        if not tenant.moderation_required or fast_track:
            await apply_change(session, need, values, now)
            if need.status != NeedStatus.FILLED:
                if need.status != NeedStatus.PUBLISHED:
                    need.published_at = now
                need.status = NeedStatus.PUBLISHED
        elif approved and minor:
            await apply_change(session, need, values, now)
            if need.status == NeedStatus.EXPIRED:
                need.status = NeedStatus.PUBLISHED  # the text an editor approved
        elif approved:
            # Public as approved until an editor looks at the change.
            need.pending_change = values
            await mail_queue.notify_editors(session, need, now)
            awaits_review = True
        else:
            await apply_change(session, need, values, now)
            await send_back_to_review(session, need)
            await mail_queue.notify_editors(session, need, now)
            awaits_review = True
        if (
            not awaits_review
            and need.status == NeedStatus.PUBLISHED
            and (not was_urgent or not was_published)
        ):
            await on_published(session, need, now)  # urgent now: its alert waves start
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="need_edited",
            subject=f"need:{need.id}",
            at=now,
            data={"awaits_review": True}
            if awaits_review
            else ({"verified_urgent": True} if fast_track else {}),
        )
        return NeedEdit(need.status, awaits_review)


# A correction: when, and how many helpers.
_TIMING = ("starts_at", "ends_at", "recurrence", "valid_until", "helpers_wanted")


async def extend_need(
    db: Database, organisation_id: int, need_id: int, *, now: datetime, actor: str
) -> datetime:
    """Push a recurring need's end date back by four weeks (from now when it
    has passed); an expired need is published again. Returns the new end.

    Only a series with an end date is extended (one without runs until it is
    closed: four weeks from now would end it). A change waiting for review
    that leaves the end date as it is moves along (approving it later does not
    undo the extension); one that sets another end date wins: ``ChangePending``."""
    async with db.transaction() as session:
        need = await _owned_need(session, organisation_id, need_id)
        if (
            need.recurrence is None
            or need.valid_until is None
            or need.status in (NeedStatus.CANCELLED, NeedStatus.REJECTED)
        ):
            raise InvalidValue(field="extend")
        waiting = pending_or_current(need)["valid_until"] if need.pending_change else None
        if need.pending_change and (waiting is None or as_utc(waiting) != as_utc(need.valid_until)):
            raise ChangePending(need_id=need.id)
        base = max(as_utc(need.valid_until), now)
        need.valid_until, need.updated_at = base + EXTEND_BY, now
        if need.pending_change:
            need.pending_change = {
                **need.pending_change,
                "valid_until": need.valid_until.isoformat(),
            }
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


async def reopen_need(
    db: Database, organisation_id: int, need_id: int, *, now: datetime, actor: str
) -> bool:
    """Take sign-ups again on a need that was closed early (``mark_filled``).

    Only a closed need whose (last) date is still ahead (``DatePassed``
    otherwise) and that has a free place (``NeedNotOpen``: more helpers are a
    change, ``update_need``) opens again, in the version an editor approved;
    a change waiting for review keeps waiting, and a need the editors hid
    stays hidden. Who joined the waitlist while it was closed moves up into
    the free places (told once, ``signup.fill_free_places``). A suspended organisation cannot reopen. An urgent need of a
    verified organisation asks people again: a new round of alert waves
    (nobody asked before is asked twice), unless a wave is still planned.
    Returns whether alert waves start."""
    async with db.transaction() as session:
        need = await _owned_need(session, organisation_id, need_id)
        org = await session.get(Organisation, organisation_id)
        assert org is not None
        if org.suspended_at is not None:
            raise OrganisationSuspended()
        if need.status != NeedStatus.FILLED:
            raise InvalidValue(field="status")
        if date_passed(
            ends_at=need.ends_at,
            recurrence=need.recurrence,
            valid_until=need.valid_until,
            now=now,
        ):
            raise DatePassed(need_id=need.id)
        if await taken_places(session, need.id) >= need.helpers_wanted:
            raise NeedNotOpen(need_id=need.id)
        need.status, need.updated_at = NeedStatus.PUBLISHED, now
        await session.flush()
        await fill_free_places(session, need, now)  # who waited while it was closed
        alerts = need.status == NeedStatus.PUBLISHED and need.urgent
        alerts = alerts and org.verified and not need.hidden
        if alerts:
            planned = await session.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(
                    Reminder.need_id == need.id,
                    Reminder.kind == kinds.ALERT_WAVE.name,
                    Reminder.status == ReminderStatus.PENDING,
                )
            )
            alerts = not planned
        if alerts:
            await plan_alert_wave(session, need, now, round_key=f"reopened-{now:%Y%m%dT%H%M%S}")
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="need_reopened",
            subject=f"need:{need.id}",
            at=now,
            data={"alerts": True} if alerts else {},
        )
        return alerts


# -- offers --------------------------------------------------------------------


def validate_offer(data: OfferInput, taxonomy: Taxonomy) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.title.strip() or len(data.title) > 120:
        errors["title"] = "required"
    elif not is_single_line(data.title):
        errors["title"] = "invalid"
    if not is_single_line(data.place):
        errors["place"] = "invalid"
    if data.kind not in OFFER_KINDS or (
        data.resource is not None
        and (data.kind != "resource" or not Resources.load().is_kind(data.resource))
    ):
        errors["kind"] = "choose"
    if not 0 <= data.cell_mask <= FULL_MASK:
        errors["days"] = "choose_days"
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
        offer.resource = resource_kind_of(
            data.kind, data.resource, f"{offer.title} {offer.description}"
        )
        offer.cell_mask = data.cell_mask
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
        o.resource,
        o.cell_mask,
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

"""Needs (Bedarfe): post, moderate, cancel, expire, read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, false, func, or_, select, update
from sqlalchemy.orm import aliased

from core.clock import as_utc
from core.db import Database
from core.errors import (
    InvalidTimeRange,
    InvalidValue,
    NeedNotOpen,
    NotAllowed,
    OrganisationSuspended,
    PlaceRequired,
    TooManyNeeds,
    UnknownCategory,
    UnknownNeed,
    UnknownQualification,
)
from core.geo.distance import distance_km
from core.models import (
    ACTIVE_STATUSES,
    Engagement,
    Need,
    NeedStatus,
    Organisation,
    Reminder,
    ReminderStatus,
    Tenant,
    VolunteerProfile,
)
from core.reminders import kinds
from core.reminders.planning import (
    cancel_for_engagement,
    next_occurrence,
    notify_person,
    plan_alert_wave,
    plan_org_expiry,
    replan_engagement,
)
from core.schedule import (
    Weekly,
    date_passed,
    one_off_mask,
    time_fit,
    validate_range,
    weekly_mask,
)
from core.services import mail_queue
from core.services.audit import record
from core.single_line import is_single_line
from core.taxonomy import Taxonomy

MAX_HELPERS = 500
MAX_NEEDS_PER_DAY = 20  # per organisation, in any 24 hours
OPEN_STATUSES = (NeedStatus.PUBLISHED, NeedStatus.FILLED)


class PlaceResolver(Protocol):
    def resolve(self, name: str, tenant_slug: str) -> tuple[float, float, str]:
        """(lat, lon, label) of a place name; raises ``UnknownPlace``."""
        ...


@dataclass(frozen=True, slots=True)
class NeedInput:
    title: str
    category: str
    description: str = ""
    qualifications: tuple[str, ...] = ()
    place: str | None = None  # a name, postcode or address to resolve
    lat: float | None = None  # or a location already known
    lon: float | None = None
    place_label: str | None = None
    remote: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    weekly: Weekly | None = None
    valid_until: datetime | None = None
    helpers_wanted: int = 1
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class NeedRef:
    id: int
    status: NeedStatus


@dataclass(frozen=True, slots=True)
class NeedDetail:
    id: int
    tenant_id: int
    tenant_slug: str
    organisation_id: int
    organisation: str
    title: str
    description: str
    category: str
    qualifications: tuple[str, ...]
    remote: bool
    lat: float | None
    lon: float | None
    place_label: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    weekly: Weekly | None
    helpers_wanted: int
    helpers_taken: int
    urgent: bool
    status: NeedStatus
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    valid_until: datetime | None = None  # a weekly need's end (the midnight after its last day)

    @property
    def places_left(self) -> int:
        return max(0, self.helpers_wanted - self.helpers_taken)

    @property
    def places_open(self) -> int:
        """Places a sign-up can take now: none once the need is filled, also
        when its organisation closed it early with places free (the waitlist
        only; ``signup.sign_up``)."""
        return 0 if self.status == NeedStatus.FILLED else self.places_left

    def date_passed(self, now: datetime) -> bool:
        """Its (last) date is over at ``now``: "Termin vorbei", no sign-up."""
        return date_passed(
            ends_at=self.ends_at, recurrence=self.weekly, valid_until=self.valid_until, now=now
        )

    def next_date(self, now: datetime, tz: ZoneInfo) -> datetime | None:
        """A weekly need's next date after ``now`` (``None`` once its series
        ran out, and for a one-off need)."""
        if self.weekly is None:
            return None
        (upcoming,) = self.weekly.occurrences(now, tz) or (None,)
        if upcoming is None or (
            self.valid_until is not None and upcoming >= as_utc(self.valid_until)
        ):
            return None
        return upcoming


def validate_need(data: NeedInput, taxonomy: Taxonomy, now: datetime) -> None:
    if not data.title.strip() or len(data.title) > 120 or not is_single_line(data.title):
        raise InvalidValue(field="title")
    if not is_single_line(data.place) or not is_single_line(data.place_label):
        raise InvalidValue(field="place")
    if not taxonomy.is_category(data.category):
        raise UnknownCategory(code=data.category)
    for code in data.qualifications:
        if not taxonomy.is_qualification(code):
            raise UnknownQualification(code=code)
    if not 1 <= data.helpers_wanted <= MAX_HELPERS:
        raise InvalidValue(field="helpers_wanted")
    if not data.remote and not data.place and (data.lat is None or data.lon is None):
        raise PlaceRequired()
    if data.weekly is None:
        if data.starts_at is None or data.ends_at is None:
            raise InvalidTimeRange(reason="missing")
        validate_range(data.starts_at, data.ends_at)
        if data.ends_at <= now:
            raise InvalidTimeRange(reason="past")
    else:
        data.weekly.validate()
        if data.valid_until is not None and data.valid_until <= now:
            raise InvalidTimeRange(reason="past")


async def post_need(
    db: Database,
    *,
    organisation_id: int,
    data: NeedInput,
    taxonomy: Taxonomy,
    places: PlaceResolver,
    now: datetime,
    tz: ZoneInfo,
    actor: str,
    created_by_person_id: int | None = None,
) -> NeedRef:
    """Validate, resolve the place and store the need: ``pending_review`` when
    the tenant moderates (its editors are told), else ``published``; an
    urgent need of a verified organisation publishes at once and starts its
    alert waves. A suspended organisation cannot post. Bad input writes nothing."""
    validate_need(data, taxonomy, now)
    async with db.transaction() as session:
        org = await session.get(Organisation, organisation_id)
        if org is None:
            raise NotAllowed()
        if org.suspended_at is not None:
            raise OrganisationSuspended()
        posted_today = await session.scalar(
            select(func.count())
            .select_from(Need)
            .where(Need.organisation_id == org.id, Need.created_at > now - timedelta(days=1))
        )
        if (posted_today or 0) >= MAX_NEEDS_PER_DAY:
            raise TooManyNeeds()
        tenant = await session.get(Tenant, org.tenant_id)
        assert tenant is not None
        lat, lon, label = data.lat, data.lon, data.place_label
        if not data.remote and data.place and (lat is None or lon is None):
            lat, lon, label = places.resolve(data.place, tenant.slug)
        if data.remote:
            lat = lon = None
        mask = (
            weekly_mask(data.weekly)
            if data.weekly is not None
            else one_off_mask(data.starts_at, data.ends_at, tz)  # type: ignore[arg-type]
        )
        fast_track = tenant.moderation_required and data.urgent and org.verified
        moderated = tenant.moderation_required and not fast_track
        status = NeedStatus.PENDING_REVIEW if moderated else NeedStatus.PUBLISHED
        need = Need(
            tenant_id=tenant.id,
            organisation_id=org.id,
            title=data.title.strip(),
            description=data.description.strip(),
            category=data.category,
            qualifications=list(data.qualifications),
            remote=data.remote,
            lat=lat,
            lon=lon,
            place_label=label or data.place,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            recurrence=data.weekly.to_dict() if data.weekly else None,
            cell_mask=mask,
            helpers_wanted=data.helpers_wanted,
            urgent=data.urgent,
            status=status,
            valid_until=data.valid_until,
            created_by_person_id=created_by_person_id,
            created_at=now,
            updated_at=now,
            published_at=now if status == NeedStatus.PUBLISHED else None,
        )
        session.add(need)
        await session.flush()
        if status == NeedStatus.PUBLISHED:
            await on_published(session, need, now)
        else:
            await mail_queue.notify_editors(session, need, now)
        record(
            session,
            tenant_id=tenant.id,
            actor=actor,
            action="need_posted",
            subject=f"need:{need.id}",
            at=now,
            data={"status": status.value, **({"verified_urgent": True} if fast_track else {})},
        )
        return NeedRef(need.id, status)


async def on_published(session, need: Need, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """A need goes public: urgent ones alert nearby people; the organisation
    hears before it runs out."""
    if need.urgent:
        await plan_alert_wave(session, need, now)
    await plan_org_expiry(session, need, now)


ALERT_KINDS = (kinds.ALERT_WAVE.name, kinds.URGENT_ALERT.name, kinds.PLACE_OFFER.name)


async def cancel_alerts(session, need_id: int) -> None:  # type: ignore[no-untyped-def]
    """Nobody is asked about the need any more: pending alert waves and
    their questions are cancelled (hidden, or back in review)."""
    await session.execute(
        update(Reminder)
        .where(
            Reminder.need_id == need_id,
            Reminder.kind.in_(ALERT_KINDS),
            Reminder.status == ReminderStatus.PENDING,
        )
        .values(status=ReminderStatus.CANCELLED)
    )


async def send_back_to_review(session, need: Need) -> None:  # type: ignore[no-untyped-def]
    """Changed content waits for an editor again: not public until approved
    (``published_at`` is set only by approval), nobody alerted meanwhile."""
    need.status, need.published_at = NeedStatus.PENDING_REVIEW, None
    await cancel_alerts(session, need.id)


# -- a published need's change, waiting beside it ---------------------------------

# The columns an edit writes, in ``pending_change`` as JSON (times as ISO text).
CHANGE_COLUMNS = (
    "title",
    "description",
    "category",
    "qualifications",
    "remote",
    "lat",
    "lon",
    "place_label",
    "starts_at",
    "ends_at",
    "recurrence",
    "cell_mask",
    "helpers_wanted",
    "urgent",
    "valid_until",
)
_TIMES = ("starts_at", "ends_at", "valid_until")
# What an editor is shown as differing, in the form's order (``need.*`` labels).
REVIEW_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "category": ("category",),
    "description": ("description",),
    "qualifications": ("qualifications",),
    "place": ("remote", "lat", "lon", "place_label"),
    "time": ("starts_at", "ends_at", "recurrence"),
    "valid_until": ("valid_until",),
    "helpers_wanted": ("helpers_wanted",),
    "urgent": ("urgent",),
}


def change_values(
    data: NeedInput, *, lat: float | None, lon: float | None, label: str | None, tz: ZoneInfo
) -> dict[str, Any]:
    """The columns an edit writes, as plain JSON values."""
    mask = (
        weekly_mask(data.weekly)
        if data.weekly is not None
        else one_off_mask(data.starts_at, data.ends_at, tz)  # type: ignore[arg-type]
    )
    values: dict[str, Any] = {
        "title": data.title.strip(),
        "description": data.description.strip(),
        "category": data.category,
        "qualifications": list(data.qualifications),
        "remote": data.remote,
        "lat": None if data.remote else lat,
        "lon": None if data.remote else lon,
        "place_label": None if data.remote else (label or data.place),
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "recurrence": data.weekly.to_dict() if data.weekly else None,
        "cell_mask": mask,
        "helpers_wanted": data.helpers_wanted,
        "urgent": data.urgent,
        "valid_until": data.valid_until,
    }
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}


def _decoded(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (datetime.fromisoformat(v) if k in _TIMES and isinstance(v, str) else v)
        for k, v in values.items()
        if k in CHANGE_COLUMNS
    }


def _current(need: Need) -> dict[str, Any]:
    values = {k: getattr(need, k) for k in CHANGE_COLUMNS}
    values["qualifications"] = list(values["qualifications"] or ())
    return values


def pending_or_current(need: Need) -> dict[str, Any]:
    """The need's latest version: its change waiting for review, else itself."""
    return {**_current(need), **_decoded(need.pending_change or {})}


def differing(need: Need, values: dict[str, Any], groups: dict[str, tuple[str, ...]]) -> list[str]:
    """The named fields whose columns ``values`` would change."""
    new, old = _decoded(values), _current(need)
    return [
        name
        for name, columns in groups.items()
        if any(old[c] != new[c] for c in columns if c in new)
    ]


def changes_content(need: Need, values: dict[str, Any]) -> bool:
    """What an editor reviews: the words, the place, the kind of help (not
    only the time or how many helpers)."""
    timing = {"starts_at", "ends_at", "recurrence", "cell_mask", "valid_until", "helpers_wanted"}
    new, old = _decoded(values), _current(need)
    return any(old[c] != new[c] for c in new if c not in timing)


async def apply_change(
    session,
    need: Need,
    values: dict[str, Any],
    now: datetime,  # type: ignore[no-untyped-def]
) -> list[str]:
    """Write a change into the need (``updated_at`` raises the calendar
    SEQUENCE) and tell the people signed up once of a new date or place, or a
    series that ends earlier (a ``need_changed`` outbox row each); their
    reminders follow a new date. More helpers or a longer series are no news.
    Returns what they are told of (``time``, ``place``, ``until``)."""
    was_when, was_where, was_until = _when(need), _where(need), need.valid_until
    before = NeedFit.of(need)
    for column, value in _decoded(values).items():
        setattr(need, column, value)
    need.pending_change, need.rejection_reason, need.updated_at = None, None, now
    told = []
    if was_when != _when(need):
        told.append("time")
    if was_where != _where(need):
        told.append("place")
    if need.valid_until is not None and (was_until is None or need.valid_until < was_until):
        told.append("until")  # a series that ends earlier than people imported it
    if told:
        await tell_signed_up(
            session,
            need,
            now,
            replan="time" in told or "until" in told,
            fields=told,
            before=before,
        )
    return told


@dataclass(frozen=True, slots=True)
class NeedFit:
    """What of a need decides whether it fits a person's week and radius."""

    cell_mask: int
    starts_at: datetime | None
    remote: bool
    lat: float | None
    lon: float | None

    @classmethod
    def of(cls, need: Need) -> NeedFit:
        return cls(need.cell_mask, need.starts_at, need.remote, need.lat, need.lon)

    def fits_time(self, profile: VolunteerProfile, now: datetime) -> bool:
        return (
            time_fit(
                self.cell_mask,
                profile.availability_mask,
                profile.spontaneous,
                self.starts_at,
                now,
            )
            > 0
        )

    def fits_place(self, profile: VolunteerProfile) -> bool:
        if self.remote or self.lat is None or self.lon is None:
            return True
        if profile.home_lat is None or profile.home_lon is None:
            return True
        home = (profile.home_lat, profile.home_lon)
        return distance_km(home, (self.lat, self.lon)) <= profile.radius_km


def unfit_after_change(
    before: NeedFit, after: NeedFit, profile: VolunteerProfile | None, now: datetime
) -> list[str]:
    """What a change broke for a person (``time``, ``place``): what fitted
    their week (or radius) before and no longer does. A need that did not fit
    before (they signed up all the same) is not made unfit by a change."""
    if profile is None:
        return []
    broken = []
    if before.fits_time(profile, now) and not after.fits_time(profile, now):
        broken.append("time")
    if before.fits_place(profile) and not after.fits_place(profile):
        broken.append("place")
    return broken


def _when(need: Need) -> tuple[object, ...]:
    return (need.starts_at, need.ends_at, need.recurrence)


def _where(need: Need) -> tuple[object, ...]:
    return (need.remote, need.lat, need.lon, need.place_label)


async def tell_signed_up(  # type: ignore[no-untyped-def]
    session,
    need: Need,
    now: datetime,
    *,
    replan: bool,
    fields: list[str] | None = None,
    before: NeedFit | None = None,
) -> None:
    """Everyone signed up hears once of a new date or place (with the calendar
    entry they imported, updated); their reminders follow a new date. With
    ``before`` (the need as it was): a person whose week or radius the change
    no longer fits hears that too, and is offered to withdraw (``unfit``)."""
    tz = ZoneInfo(
        await session.scalar(select(Tenant.timezone).where(Tenant.id == need.tenant_id))
        or "Europe/Berlin"
    )
    active = (
        await session.execute(
            select(Engagement.id, Engagement.person_id).where(
                Engagement.need_id == need.id,
                Engagement.status.in_(ACTIVE_STATUSES),
                Engagement.person_id.is_not(None),
            )
        )
    ).all()
    profiles: dict[int, VolunteerProfile] = {}
    if before is not None and active:
        profiles = {
            p.person_id: p
            for p in await session.scalars(
                select(VolunteerProfile).where(
                    VolunteerProfile.person_id.in_([person for _, person in active])
                )
            )
        }
    after = NeedFit.of(need)
    for engagement_id, person_id in active:
        data: dict[str, Any] = {"fields": fields} if fields else {}
        if before is not None:
            unfit = unfit_after_change(before, after, profiles.get(person_id), now)
            if unfit:
                data["unfit"] = unfit
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
            data=data or None,
        )


async def moderate(
    db: Database, need_id: int, *, approve: bool, reason: str | None, actor: str, now: datetime
) -> NeedRef:
    async with db.transaction() as session:
        need = await session.get(Need, need_id)
        if need is None:
            raise UnknownNeed(need_id=need_id)
        if need.pending_change is not None and need.status != NeedStatus.PENDING_REVIEW:
            # A published need's change: the need stays as it is either way.
            told: list[str] = []
            if approve:
                was_urgent = need.urgent
                told = await apply_change(session, need, dict(need.pending_change), now)
                if need.urgent and not was_urgent and need.status == NeedStatus.PUBLISHED:
                    await on_published(session, need, now)  # urgent now: alert waves start
            else:
                need.pending_change, need.rejection_reason = None, reason or ""
            record(
                session,
                tenant_id=need.tenant_id,
                actor=actor,
                action="need_change_approved" if approve else "need_change_rejected",
                subject=f"need:{need.id}",
                at=now,
                data={"reason": reason} if reason else ({"told": told} if told else {}),
            )
            return NeedRef(need.id, need.status)
        if need.status != NeedStatus.PENDING_REVIEW:
            raise InvalidValue(field="status")
        if approve:
            full = await taken_places(session, need.id) >= need.helpers_wanted
            need.status = NeedStatus.FILLED if full else NeedStatus.PUBLISHED
            need.published_at = now
            await on_published(session, need, now)
        else:
            need.status, need.rejection_reason = NeedStatus.REJECTED, reason or ""
        need.updated_at = now
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="need_approved" if approve else "need_rejected",
            subject=f"need:{need.id}",
            at=now,
            data={"reason": reason} if reason else {},
        )
        return NeedRef(need.id, need.status)


async def cancel_need(db: Database, need_id: int, *, actor: str, now: datetime) -> list[int]:
    """Cancel a need; returns the people with an active sign-up, to be told."""
    async with db.transaction() as session:
        need = await session.get(Need, need_id)
        if need is None:
            raise UnknownNeed(need_id=need_id)
        need.status, need.updated_at = NeedStatus.CANCELLED, now
        active = (
            await session.execute(
                select(Engagement.id, Engagement.person_id).where(
                    Engagement.need_id == need_id,
                    Engagement.status.in_(ACTIVE_STATUSES),
                    Engagement.person_id.is_not(None),
                )
            )
        ).all()
        for engagement_id, person_id in active:
            await cancel_for_engagement(session, engagement_id)
            await notify_person(
                session,
                kind=kinds.NEED_CANCELLED.name,
                tenant_id=need.tenant_id,
                person_id=person_id,
                need_id=need_id,
                engagement_id=engagement_id,
                now=now,
                key=str(engagement_id),
            )
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="need_cancelled",
            subject=f"need:{need_id}",
            at=now,
        )
        return [person_id for _, person_id in active]


async def expire_needs(db: Database, now: datetime) -> int:
    """Needs whose time has passed become ``expired``; returns how many."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Need)
            .where(
                Need.status.in_(
                    (NeedStatus.PUBLISHED, NeedStatus.FILLED, NeedStatus.PENDING_REVIEW)
                ),
                ((Need.ends_at.is_not(None)) & (Need.ends_at <= now))
                | ((Need.valid_until.is_not(None)) & (Need.valid_until <= now)),
            )
            .values(status=NeedStatus.EXPIRED, updated_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def taken_places(session, need_id: int) -> int:  # type: ignore[no-untyped-def]
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Engagement)
            .where(
                Engagement.need_id == need_id,
                Engagement.status.in_(ACTIVE_STATUSES),
                Engagement.waitlisted.is_(False),
            )
        )
        or 0
    )


# What a need's page and a card show, as columns (no ORM rows), places taken
# counted in the same statement: one statement for a detail or a page of cards.
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
_DETAIL_COLUMNS = (
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
        Organisation.contact_name,
        Organisation.email,
        Organisation.phone,
        Need.valid_until,
    )
    .join(Organisation, Organisation.id == Need.organisation_id)
    .join(Tenant, Tenant.id == Need.tenant_id)
)
_DETAIL = _DETAIL_COLUMNS.where(Need.id == bindparam("id"))
_DETAILS = _DETAIL_COLUMNS.where(Need.id.in_(bindparam("ids", expanding=True)))
# Only needs open for sign-ups at ``now``: what ``core.search`` ranks at all.
_OPEN_DETAILS = _DETAILS.where(
    Need.status == NeedStatus.PUBLISHED,
    Need.published_at.is_not(None),
    Need.hidden == false(),
    or_(Need.ends_at.is_(None), Need.ends_at > bindparam("now", type_=Need.ends_at.type)),
    or_(Need.valid_until.is_(None), Need.valid_until > bindparam("now", type_=Need.ends_at.type)),
)

# A need's page and what decides whether a volunteer of tenant ``viewer`` may
# see it (published, not hidden, own tenant or a neighbour's where theirs
# shows neighbours, still open), in one statement: ``need_for_volunteer``.
_Viewer = aliased(Tenant)
_FOR_VOLUNTEER = _DETAIL_COLUMNS.add_columns(
    Need.published_at,
    Need.hidden,
    Need.valid_until,
    select(_Viewer.show_neighbours).where(_Viewer.id == bindparam("viewer")).scalar_subquery(),
).where(Need.id == bindparam("id"))
_DETAIL_WIDTH = len(_DETAIL_COLUMNS.selected_columns)


def _need_detail(row: Sequence[Any], *, contact: bool) -> NeedDetail:
    (nid, tenant_id, slug, org_id, org_name, title, description, category, quals, remote, lat,
     lon, place, starts_at, ends_at, recurrence, wanted, taken, urgent, status, contact_name,
     email, phone, valid_until) = row  # fmt: skip
    return NeedDetail(
        id=nid, tenant_id=tenant_id, tenant_slug=slug, organisation_id=org_id,
        organisation=org_name, title=title, description=description, category=category,
        qualifications=tuple(quals), remote=remote, lat=lat, lon=lon, place_label=place,
        starts_at=starts_at, ends_at=ends_at,
        weekly=Weekly.from_dict(recurrence) if recurrence else None,
        helpers_wanted=wanted, helpers_taken=int(taken or 0), urgent=urgent, status=status,
        contact_name=contact_name if contact else None,
        contact_email=email if contact else None,
        contact_phone=phone if contact else None,
        valid_until=valid_until,
    )  # fmt: skip


async def need_detail(db: Database, need_id: int) -> NeedDetail:
    """A need's page, with the organisation's contact."""
    rows = await db.rows(_DETAIL, {"id": need_id})
    if not rows:
        raise UnknownNeed(need_id=need_id)
    return _need_detail(rows[0], contact=True)


async def may_see_tenant(session, viewer_tenant_id: int, need_tenant_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether a person of ``viewer_tenant_id`` may see a need of
    ``need_tenant_id``: their own, or a neighbour's where their
    municipality shows neighbours."""
    if viewer_tenant_id == need_tenant_id:
        return True
    return bool(
        await session.scalar(select(Tenant.show_neighbours).where(Tenant.id == viewer_tenant_id))
    )


def publicly_listed(need: Need) -> bool:
    """Published by an editor (or an unmoderated tenant) and not hidden."""
    return need.published_at is not None and not need.hidden


async def need_for_volunteer(
    db: Database, need_id: int, *, tenant_id: int, now: datetime
) -> NeedDetail:
    """A need as a volunteer of ``tenant_id`` may see it (the chat's detail,
    deep links, sign-up). ``UnknownNeed`` for a need they may not see at all
    (hidden, never published, another municipality's where neighbours are not
    shown), ``NeedNotOpen`` for one that was public and is over."""
    rows = await db.rows(_FOR_VOLUNTEER, {"id": need_id, "viewer": tenant_id})
    if not rows:
        raise UnknownNeed(need_id=need_id)
    row = rows[0]
    detail = _need_detail(row[:_DETAIL_WIDTH], contact=True)
    published_at, hidden, valid_until, viewer_shows_neighbours = row[_DETAIL_WIDTH:]
    if (
        published_at is None  # as ``publicly_listed``
        or hidden
        or detail.status == NeedStatus.REJECTED
        or (detail.tenant_id != tenant_id and not viewer_shows_neighbours)  # ``may_see_tenant``
    ):
        raise UnknownNeed(need_id=need_id)
    if (
        detail.status not in OPEN_STATUSES
        or (detail.ends_at is not None and detail.ends_at <= now)
        or (valid_until is not None and valid_until <= now)
    ):
        raise NeedNotOpen(need_id=need_id)
    return detail


async def need_to_show(db: Database, need_id: int, *, tenant_id: int, now: datetime) -> NeedDetail:
    """A need's page as a volunteer of ``tenant_id`` may see it (the chat's
    detail, the Rasa action server's): what ``need_for_volunteer`` lets them
    see, and one whose (last) date is over ("Termin vorbei", without a
    sign-up). ``UnknownNeed`` for one they may not see at all,
    ``NeedNotOpen`` for one cancelled or closed early."""
    try:
        return await need_for_volunteer(db, need_id, tenant_id=tenant_id, now=now)
    except NeedNotOpen:
        need = await need_detail(db, need_id)
        if not need.date_passed(now):
            raise
        return need


async def need_details(
    db: Database, need_ids: list[int], *, open_at: datetime | None = None
) -> dict[int, NeedDetail]:
    """Details of several needs (cards of a result page) in one statement;
    cards show no contact. ``open_at``: only needs open for sign-ups then."""
    if not need_ids:
        return {}
    if open_at is None:
        rows = await db.rows(_DETAILS, {"ids": list(need_ids)})
    else:
        rows = await db.rows(_OPEN_DETAILS, {"ids": list(need_ids), "now": open_at})
    return {row[0]: _need_detail(row, contact=False) for row in rows}


@dataclass(frozen=True, slots=True)
class NeedDates:
    """When a need next takes place (a one-off's range while ahead, a weekly
    one's next date) and until when a recurring need runs."""

    next_start: datetime | None
    next_end: datetime | None
    valid_until: datetime | None


async def need_dates(db: Database, need_id: int, now: datetime, tz: ZoneInfo) -> NeedDates:
    async with db.sessions() as session:
        need = await session.get(Need, need_id)
        if need is None:
            raise UnknownNeed(need_id=need_id)
        upcoming = next_occurrence(need, now, tz)
        return NeedDates(
            upcoming[0] if upcoming else None, upcoming[1] if upcoming else None, need.valid_until
        )


# -- an organisation's own needs, for the chat (issue 14.1) ---------------------


@dataclass(frozen=True, slots=True)
class OwnNeed:
    """Every field of one of an organisation's needs, as the chat's form
    shows and changes it."""

    id: int
    organisation_id: int
    title: str
    description: str
    category: str
    qualifications: tuple[str, ...]
    remote: bool
    lat: float | None
    lon: float | None
    place_label: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    weekly: Weekly | None
    valid_until: datetime | None
    helpers_wanted: int
    urgent: bool
    status: NeedStatus
    # A change waits for an editor: the fields above are that change (the
    # latest version) unless asked for the live one (``own_need(live=True)``).
    change_pending: bool = False


async def own_need(
    db: Database, organisation_id: int, need_id: int, *, live: bool = False
) -> OwnNeed:
    """One of the organisation's needs; ``UnknownNeed`` for another's. Its
    latest version (a change waiting for review), or with ``live`` the
    version the public sees."""
    async with db.sessions() as session:
        need = await session.get(Need, need_id)
        if need is None or need.organisation_id != organisation_id:
            raise UnknownNeed(need_id=need_id)
        v = _current(need) if live else pending_or_current(need)
        return OwnNeed(
            need.id, need.organisation_id, v["title"], v["description"], v["category"],
            tuple(v["qualifications"] or ()), v["remote"], v["lat"], v["lon"], v["place_label"],
            v["starts_at"], v["ends_at"],
            Weekly.from_dict(v["recurrence"]) if v["recurrence"] else None,
            v["valid_until"], v["helpers_wanted"], v["urgent"], need.status,
            need.pending_change is not None,
        )  # fmt: skip


async def usual_place_of(db: Database, organisation_id: int) -> tuple[float, float, str] | None:
    """Where most of the organisation's needs with a place were: "our place"
    (one need elsewhere does not move it; a tie goes to the latest)."""
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Need.lat, Need.lon, Need.place_label)
                .where(
                    Need.organisation_id == organisation_id,
                    Need.lat.is_not(None),
                    Need.lon.is_not(None),
                    Need.place_label.is_not(None),
                )
                .group_by(Need.lat, Need.lon, Need.place_label)
                .order_by(func.count().desc(), func.max(Need.id).desc())
                .limit(1)
            )
        ).one_or_none()
    if row is None:
        return None
    return float(row[0]), float(row[1]), str(row[2])

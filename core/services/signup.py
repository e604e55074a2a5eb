"""Signing up for needs: capacity, waitlist, withdraw, the organisation's answer.

Each verb first *writes* the need row (``updated_at``): on PostgreSQL that
locks the row, on SQLite it takes the database's write lock, so two people
signing up for the last place at once cannot both get it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.availability import DAYS
from core.db import Database
from core.errors import (
    AlreadySignedUp,
    DomainError,
    InvalidValue,
    NeedNotOpen,
    NotAllowed,
    UnknownEngagement,
    UnknownNeed,
)
from core.models import (
    ACTIVE_STATUSES,
    AuditEvent,
    Engagement,
    EngagementStatus,
    Need,
    NeedStatus,
    Person,
    Reminder,
    ReminderStatus,
    SkippedDate,
    Tenant,
)
from core.reminders import kinds
from core.reminders.planning import (
    cancel_for_engagement,
    forget_cancelled,
    next_occurrence,
    notify_person,
    plan_alert_wave,
    plan_date,
    plan_engagement,
    skipped_days,
)
from core.schedule import Weekly, local_range
from core.services import org_notices
from core.services.audit import record
from core.services.needs import may_see_tenant, publicly_listed, taken_places
from core.services.timeline import last_begun


@dataclass(frozen=True, slots=True)
class SignupResult:
    engagement_id: int
    need_id: int
    waitlisted: bool
    waitlist_position: int | None
    need_filled: bool


@dataclass(frozen=True, slots=True)
class WithdrawResult:
    engagement_id: int
    need_id: int
    moved_up_person_id: int | None  # the first on the waitlist, now with a place
    moved_up_engagement_id: int | None


async def _lock_need(session: AsyncSession, need_id: int, now: datetime) -> Need:
    result = await session.execute(
        update(Need).where(Need.id == need_id).values(updated_at=now).returning(Need.id)
    )
    if result.scalar_one_or_none() is None:
        raise UnknownNeed(need_id=need_id)
    need = await session.get(Need, need_id, populate_existing=True)
    assert need is not None
    return need


async def _waitlist(session: AsyncSession, need_id: int) -> list[Engagement]:
    return list(
        (
            await session.scalars(
                select(Engagement)
                .where(
                    Engagement.need_id == need_id,
                    Engagement.waitlisted.is_(True),
                    Engagement.status.in_(ACTIVE_STATUSES),
                )
                .order_by(Engagement.created_at, Engagement.id)
            )
        ).all()
    )


async def _tz(session: AsyncSession, tenant_id: int) -> ZoneInfo:
    return ZoneInfo(
        await session.scalar(select(Tenant.timezone).where(Tenant.id == tenant_id))
        or "Europe/Berlin"
    )


async def _got_place(
    session: AsyncSession, engagement: Engagement, need: Need, now: datetime
) -> None:
    """Someone holds a place now: plan the reminders before the date."""
    assert engagement.person_id is not None
    await plan_engagement(
        session,
        engagement_id=engagement.id,
        person_id=engagement.person_id,
        need=need,
        now=now,
        tz=await _tz(session, need.tenant_id),
    )


async def _moved_up(session: AsyncSession, moved: Engagement, need: Need, now: datetime) -> None:
    await _got_place(session, moved, need, now)
    assert moved.person_id is not None
    await notify_person(
        session,
        kind=kinds.MOVED_UP.name,
        tenant_id=need.tenant_id,
        person_id=moved.person_id,
        need_id=need.id,
        engagement_id=moved.id,
        now=now,
        key=f"{moved.id}:{now.isoformat()}",
    )


async def _offer_freed_place(session: AsyncSession, need: Need, now: datetime) -> None:
    """Nobody waits: ask the best available people, as for an urgent need."""
    await plan_alert_wave(session, need, now, ask=kinds.PLACE_OFFER.name, round_key=now.isoformat())


async def sign_up(
    db: Database, person_id: int, need_id: int, now: datetime, *, allow_waitlist: bool = True
) -> SignupResult:
    """A place while there is one, else the waitlist (or ``NeedNotOpen`` when
    the waitlist is not wanted). The need becomes ``filled`` when the wanted
    number is reached; a place comes with its reminders."""
    async with db.transaction() as session:
        need = await _lock_need(session, need_id, now)
        if need.status not in (NeedStatus.PUBLISHED, NeedStatus.FILLED):
            raise NeedNotOpen(need_id=need_id)
        if not publicly_listed(need):
            raise NeedNotOpen(need_id=need_id)
        if (need.ends_at is not None and need.ends_at <= now) or (
            need.valid_until is not None and need.valid_until <= now
        ):
            raise NeedNotOpen(need_id=need_id)
        person_tenant = await session.scalar(select(Person.tenant_id).where(Person.id == person_id))
        if person_tenant is None or not await may_see_tenant(
            session, person_tenant, need.tenant_id
        ):
            raise NeedNotOpen(need_id=need_id)
        existing = await session.scalar(
            select(Engagement).where(
                Engagement.need_id == need_id, Engagement.person_id == person_id
            )
        )
        if existing is not None and existing.status in ACTIVE_STATUSES:
            raise AlreadySignedUp(need_id=need_id)
        taken = await taken_places(session, need_id)
        # Closed early (``mark_filled``): only the waitlist, free places or not.
        waitlisted = taken >= need.helpers_wanted or need.status == NeedStatus.FILLED
        if waitlisted and not allow_waitlist:
            raise NeedNotOpen(need_id=need_id)
        if existing is None:
            existing = Engagement(need_id=need_id, person_id=person_id, created_at=now)
            session.add(existing)
        else:  # a renewed sign-up starts without the dates skipped before
            await session.execute(
                delete(SkippedDate).where(SkippedDate.engagement_id == existing.id)
            )
            # ... and without the reminders cancelled when it ended: its dates
            # are planned anew (a place now) or when it moves up.
            await forget_cancelled(session, existing.id)
        existing.status = EngagementStatus.INTERESTED
        existing.waitlisted = waitlisted
        existing.created_at = now  # a renewed sign-up queues anew
        existing.updated_at = now
        filled = not waitlisted and taken + 1 >= need.helpers_wanted
        if filled:
            need.status = NeedStatus.FILLED
        await session.flush()
        position = None
        if waitlisted:
            position = [e.id for e in await _waitlist(session, need_id)].index(existing.id) + 1
        else:
            await _got_place(session, existing, need, now)
        record(
            session,
            tenant_id=need.tenant_id,
            actor=f"person:{person_id}",
            action="signed_up",
            subject=f"need:{need_id}",
            at=now,
            data={"waitlisted": waitlisted},
        )
        await org_notices.record_notice(
            session,
            kind=org_notices.SIGNED_UP,
            need=need,
            engagement_id=existing.id,
            now=now,
            waitlisted=waitlisted,
        )
        return SignupResult(
            existing.id, need_id, waitlisted, position, need.status == NeedStatus.FILLED
        )


async def _free_place(session: AsyncSession, need: Need, now: datetime) -> Engagement | None:
    """After a place was given up: the first on the waitlist moves up, or the
    need opens again. A need its organisation closed early (it had free
    places before this one was given up) stays closed, and nobody moves up."""
    if (
        need.status == NeedStatus.FILLED
        and await taken_places(session, need.id) + 1 < need.helpers_wanted
    ):
        return None
    queue = await _waitlist(session, need.id)
    if queue:
        first = queue[0]
        first.waitlisted, first.updated_at = False, now
        return first
    if need.status == NeedStatus.FILLED:
        need.status = NeedStatus.PUBLISHED
    return None


async def fill_free_places(session: AsyncSession, need: Need, now: datetime) -> int:
    """A need open again (``organisations.reopen_need``): the people waiting
    move up into its free places, first come first, each told once. Returns
    how many moved up."""
    free = need.helpers_wanted - await taken_places(session, need.id)
    queue = (await _waitlist(session, need.id))[: max(free, 0)]
    for moved in queue:
        moved.waitlisted, moved.updated_at = False, now
        await _moved_up(session, moved, need, now)
    if queue and len(queue) >= free:
        need.status = NeedStatus.FILLED  # full again
    return len(queue)


async def _give_up(
    session: AsyncSession,
    engagement: Engagement,
    need: Need,
    status: EngagementStatus,
    now: datetime,
) -> Engagement | None:
    """End a sign-up (withdrawn, declined): its reminders go, and a place it
    held goes to the first on the waitlist, who is told. Returns who moved up."""
    had_place = not engagement.waitlisted
    engagement.status, engagement.waitlisted = status, False
    engagement.updated_at = now
    await cancel_for_engagement(session, engagement.id)
    await session.flush()
    moved = await _free_place(session, need, now) if had_place else None
    if moved is not None:
        await _moved_up(session, moved, need, now)
    return moved


def _result(engagement: Engagement, need: Need, moved: Engagement | None) -> WithdrawResult:
    return WithdrawResult(
        engagement.id, need.id, moved.person_id if moved else None, moved.id if moved else None
    )


async def withdraw(
    db: Database,
    person_id: int,
    engagement_id: int,
    now: datetime,
    *,
    offer_freed_place: bool = False,
    notice: str = org_notices.WITHDRAWN,
) -> WithdrawResult:
    """End a sign-up; the organisation hears of it (``notice``: withdrawn, or
    cant_come when the answer to the reminder was "I can't come")."""
    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None or engagement.person_id != person_id:
            raise UnknownEngagement(engagement_id=engagement_id)
        if engagement.status not in ACTIVE_STATUSES:
            raise UnknownEngagement(engagement_id=engagement_id)
        need = await _lock_need(session, engagement.need_id, now)
        had_place = not engagement.waitlisted
        moved = await _give_up(session, engagement, need, EngagementStatus.WITHDRAWN, now)
        if moved is None and had_place and offer_freed_place:
            if need.status == NeedStatus.PUBLISHED:
                await _offer_freed_place(session, need, now)
        record(
            session,
            tenant_id=need.tenant_id,
            actor=f"person:{person_id}",
            action="withdrawn",
            subject=f"need:{need.id}",
            at=now,
        )
        await org_notices.record_notice(
            session, kind=notice, need=need, engagement_id=engagement.id, now=now
        )
        return _result(engagement, need, moved)


@dataclass(frozen=True, slots=True)
class SkipResult:
    engagement_id: int
    need_id: int
    starts_at: datetime  # the date skipped (UTC)


class NoDateToSkip(DomainError):
    """The weekly series has no date that day (another weekday, before it
    begins, after it ends)."""

    key = "skip.no_date"


class DatePassed(DomainError):
    key = "skip.passed"


class AlreadySkipped(DomainError):
    """The person skips that date already: it is not offered again."""

    key = "skip.already"


def series_date(need: Need, day: date, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A weekly need's date on ``day`` (UTC start and end) that still lies
    ahead; ``NoDateToSkip`` or ``DatePassed`` when there is none."""
    assert need.recurrence is not None
    weekly = Weekly.from_dict(need.recurrence)
    if DAYS[day.weekday()] not in weekly.days:
        raise NoDateToSkip()
    start, end = local_range(day, weekly.start, weekly.end, tz)
    if need.valid_until is not None and start >= need.valid_until:
        raise NoDateToSkip()
    if start < (need.starts_at or need.published_at or need.created_at):
        raise NoDateToSkip()
    if start <= now:
        raise DatePassed()
    return start, end


async def skip_date(
    db: Database,
    person_id: int,
    engagement_id: int,
    now: datetime,
    day: date | None = None,
) -> SkipResult | None:
    """ "I can't come" to one date of a weekly engagement: the person stays in
    the series, only that date's remaining reminders go (2 h, follow-up), and
    the organisation hears they miss that date. A place belongs to the whole
    series (one engagement per need and person), so no place is offered to
    others for the one date. ``None`` when the need is not weekly or has no
    date ahead (the caller then ends the sign-up as before). ``day``: that
    date of the series instead of the next one (``series_date``)."""
    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None or engagement.person_id != person_id:
            raise UnknownEngagement(engagement_id=engagement_id)
        if engagement.status not in ACTIVE_STATUSES:
            raise UnknownEngagement(engagement_id=engagement_id)
        # The need is read, not written: its ``updated_at`` is everyone's
        # calendar SEQUENCE, and a skip changes only this person's file.
        need = await session.scalar(
            select(Need).where(Need.id == engagement.need_id).with_for_update()
        )
        if need is None:
            raise UnknownNeed(need_id=engagement.need_id)
        if need.recurrence is None:
            return None
        tz = await _tz(session, need.tenant_id)
        if day is None:
            occurrence = next_occurrence(need, now, tz)
            if occurrence is None:
                return None
        else:
            occurrence = series_date(need, day, now, tz)
        start = occurrence[0]
        stamp = start.strftime("%Y%m%dT%H%M")
        if start.astimezone(tz).date() in await skipped_days(session, engagement.id, tz):
            return SkipResult(engagement.id, need.id, start)  # pressed twice: told once
        session.add(SkippedDate(engagement_id=engagement.id, starts_at=start, created_at=now))
        engagement.updated_at = now  # this person's calendar SEQUENCE
        if not engagement.waitlisted:
            # The date's rows exist (planned with the 24 h reminder); planning
            # again is a no-op that makes sure, so cancelling them sticks.
            await plan_date(
                session,
                engagement_id=engagement.id,
                person_id=person_id,
                need=need,
                start=occurrence[0],
                end=occurrence[1],
                now=now,
            )
        await session.execute(
            update(Reminder)
            .where(
                Reminder.engagement_id == engagement.id,
                Reminder.status == ReminderStatus.PENDING,
                Reminder.dedupe_key.in_(
                    [
                        f"{kind.name}:{engagement.id}:{stamp}"
                        for kind in (kinds.BEFORE_24H, kinds.BEFORE_2H, kinds.FOLLOW_UP)
                    ]
                ),
            )
            .values(status=ReminderStatus.CANCELLED)
        )
        record(
            session,
            tenant_id=need.tenant_id,
            actor=f"person:{person_id}",
            action="date_skipped",
            subject=f"need:{need.id}",
            at=now,
            data={"engagement": engagement.id, "starts_at": start.isoformat()},
        )
        if not engagement.waitlisted:
            await org_notices.record_notice(
                session,
                kind=org_notices.SKIPS_DATE,
                need=need,
                engagement_id=engagement.id,
                now=now,
                data={"starts_at": start.isoformat()},
                starts_at=start,
            )
        return SkipResult(engagement.id, need.id, start)


async def decide(
    db: Database,
    organisation_id: int,
    engagement_id: int,
    *,
    accept: bool,
    actor: str,
    now: datetime,
) -> WithdrawResult | None:
    """The organisation accepts or declines a sign-up. Declining frees the
    place (the waitlist moves up); the result says who moved up."""
    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None:
            raise UnknownEngagement(engagement_id=engagement_id)
        need = await _lock_need(session, engagement.need_id, now)
        if need.organisation_id != organisation_id:
            raise NotAllowed()
        if engagement.status not in ACTIVE_STATUSES:
            raise UnknownEngagement(engagement_id=engagement_id)
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="signup_accepted" if accept else "signup_declined",
            subject=f"need:{need.id}",
            at=now,
        )
        if accept:
            engagement.status, engagement.updated_at = EngagementStatus.ACCEPTED, now
            moved = None
        else:
            moved = await _give_up(session, engagement, need, EngagementStatus.DECLINED, now)
        if engagement.person_id is not None:  # told through the outbox, once
            await notify_person(
                session,
                kind=(kinds.SIGNUP_ACCEPTED if accept else kinds.SIGNUP_DECLINED).name,
                tenant_id=need.tenant_id,
                person_id=engagement.person_id,
                need_id=need.id,
                engagement_id=engagement.id,
                now=now,
                key=str(engagement.id),
            )
        if accept:
            return None
        return _result(engagement, need, moved)


async def mark_no_show(
    db: Database,
    organisation_id: int,
    engagement_id: int,
    *,
    actor: str,
    now: datetime,
    actor_person_id: int | None = None,
) -> bool:
    """The organisation says someone did not come (issue 14.2): after the
    need began, for a sign-up holding a place. A one-off sign-up ends as
    ``no_show``; a weekly one stays (one missed date), only the notice and
    the audit record it. The organisation's other chat members hear of it.

    Whether it was new: marking the same date again (a second confirmation,
    a second member, a stale button) changes nothing, sends no second notice
    and returns ``False``."""
    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None:
            raise UnknownEngagement(engagement_id=engagement_id)
        need = await _lock_need(session, engagement.need_id, now)
        if need.organisation_id != organisation_id:
            raise NotAllowed()
        if engagement.status == EngagementStatus.NO_SHOW:
            return False  # a one-off one, noted before
        # Done is what a passed date becomes at housekeeping, before anyone
        # could say the person was not there: it can still be noted.
        if (
            engagement.status not in (*ACTIVE_STATUSES, EngagementStatus.DONE)
            or engagement.waitlisted
        ):
            raise UnknownEngagement(engagement_id=engagement_id)
        missed = last_begun(need, now, await _tz(session, need.tenant_id))
        if missed is None or missed < engagement.created_at:
            raise InvalidValue(field="no_show")  # no date of theirs has begun yet
        if await _no_show_noted(session, need, engagement.id, missed):
            return False  # this date of a weekly one, noted before
        if need.recurrence is None:
            engagement.status, engagement.updated_at = EngagementStatus.NO_SHOW, now
            await cancel_for_engagement(session, engagement.id)
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="no_show",
            subject=f"need:{need.id}",
            at=now,
            data={"engagement": engagement.id, "starts_at": missed.isoformat()},
        )
        await org_notices.record_notice(
            session,
            kind=org_notices.NO_SHOW,
            need=need,
            engagement_id=engagement.id,
            now=now,
            exclude_person_id=actor_person_id,
        )
    return True


async def _no_show_noted(
    session: AsyncSession, need: Need, engagement_id: int, missed: datetime
) -> bool:
    """Whether a no-show of this sign-up on the date ``missed`` is in the
    audit already (the need row is locked, so two confirmations queue up)."""
    return engagement_id in await _noted_on(session, need, missed)


async def _noted_on(session: AsyncSession, need: Need, missed: datetime) -> frozenset[int]:
    """The sign-ups whose no-show on the date ``missed`` the audit records."""
    earlier = await session.scalars(
        select(AuditEvent.data).where(
            AuditEvent.tenant_id == need.tenant_id,
            AuditEvent.action == "no_show",
            AuditEvent.subject == f"need:{need.id}",
        )
    )
    date = missed.isoformat()
    return frozenset(
        int(d["engagement"])
        for d in earlier
        if d and d.get("starts_at") == date and d.get("engagement") is not None
    )


async def no_show_date(db: Database, need_id: int, now: datetime) -> datetime | None:
    """The date a no-show would be noted for: the need's latest date that has
    begun (``None`` before its first date)."""
    async with db.sessions() as session:
        need = await session.get(Need, need_id)
        if need is None:
            raise UnknownNeed(need_id=need_id)
        return last_begun(need, now, await _tz(session, need.tenant_id))


async def no_shows_noted(db: Database, need_id: int, now: datetime) -> frozenset[int]:
    """The sign-ups (engagement ids) whose no-show on the need's latest date
    that has begun is noted already: the web asks no second time."""
    async with db.sessions() as session:
        need = await session.get(Need, need_id)
        if need is None:
            raise UnknownNeed(need_id=need_id)
        missed = last_begun(need, now, await _tz(session, need.tenant_id))
        if missed is None:
            return frozenset()
        return await _noted_on(session, need, missed)


async def release_places_of(session: AsyncSession, person_id: int, now: datetime) -> None:
    """Withdraw every active sign-up of a person (erasure), moving waitlists up."""
    active = (
        await session.scalars(
            select(Engagement).where(
                Engagement.person_id == person_id, Engagement.status.in_(ACTIVE_STATUSES)
            )
        )
    ).all()
    for engagement in active:
        need = await _lock_need(session, engagement.need_id, now)
        await _give_up(session, engagement, need, EngagementStatus.WITHDRAWN, now)


@dataclass(frozen=True, slots=True)
class EngagementView:
    id: int
    need_id: int
    status: EngagementStatus
    waitlisted: bool
    starts_at: datetime | None
    title: str


async def engagements_of(
    db: Database, person_id: int, *, active_only: bool = True
) -> list[EngagementView]:
    async with db.sessions() as session:
        q = (
            select(
                Engagement.id,
                Engagement.need_id,
                Engagement.status,
                Engagement.waitlisted,
                Need.starts_at,
                Need.title,
            )
            .join(Need, Need.id == Engagement.need_id)
            .where(Engagement.person_id == person_id)
            .order_by(Need.starts_at.is_(None), Need.starts_at, Engagement.id)
        )
        if active_only:
            q = q.where(Engagement.status.in_(ACTIVE_STATUSES))
        rows = (await session.execute(q)).all()
    return [EngagementView(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class DateToSkip:
    engagement_id: int
    need_id: int
    title: str
    starts_at: datetime  # UTC


async def dates_to_skip(
    db: Database, person_id: int, day: date, now: datetime
) -> tuple[list[DateToSkip], DomainError | None]:
    """The person's weekly engagements with a date on ``day`` still ahead and
    not skipped yet; when none has, why (the one series' ``series_date``
    error or ``AlreadySkipped``, else ``NoDateToSkip``). Both empty: the
    person has no weekly engagement."""
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Engagement.id, Need, Tenant.timezone)
                .join(Need, Need.id == Engagement.need_id)
                .join(Tenant, Tenant.id == Need.tenant_id)
                .where(
                    Engagement.person_id == person_id,
                    Engagement.status.in_(ACTIVE_STATUSES),
                    Need.status.in_((NeedStatus.PUBLISHED, NeedStatus.FILLED)),
                )
                .order_by(Engagement.id)
            )
        ).all()
        skipped = {
            (engagement_id, start)
            for engagement_id, start in (
                await session.execute(
                    select(SkippedDate.engagement_id, SkippedDate.starts_at).where(
                        SkippedDate.engagement_id.in_([r[0] for r in rows])
                    )
                )
            ).all()
        }
    found: list[DateToSkip] = []
    problems: list[DomainError] = []
    for engagement_id, need, tz_name in rows:
        if not need.recurrence:
            continue
        tz = ZoneInfo(tz_name)
        try:
            start, _ = series_date(need, day, now, tz)
        except (NoDateToSkip, DatePassed) as exc:
            problems.append(exc)
            continue
        # A skip holds for its day (``skipped_days``): never offered twice.
        if any(e == engagement_id and s.astimezone(tz).date() == day for e, s in skipped):
            problems.append(AlreadySkipped())
            continue
        found.append(DateToSkip(engagement_id, need.id, need.title, start))
    if found or not problems:
        return found, None
    return [], problems[0] if len(problems) == 1 else NoDateToSkip()

"""Writing reminder rows. Every function joins the caller's transaction, so a
sign-up and its reminders commit together (an outbox); ``dedupe_key`` makes
planning idempotent: planning twice never sends twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Need, Reminder, ReminderStatus, SkippedDate
from core.reminders import kinds
from core.schedule import Weekly

FOLLOW_UP_AFTER = timedelta(hours=2)
ORG_EXPIRY_BEFORE = timedelta(days=2)
# A need just published has no sign-ups yet: "0 of 2 signed up so far" tells
# the organisation nothing. The notice waits at least this long after
# publishing, and is left out when that brings it this close to the end.
ORG_EXPIRY_SETTLE = timedelta(hours=12)
ORG_EXPIRY_LAST = timedelta(hours=12)


async def add_reminder(
    session: AsyncSession,
    *,
    kind: str,
    tenant_id: int,
    due_at: datetime,
    dedupe_key: str,
    now: datetime,
    person_id: int | None = None,
    organisation_id: int | None = None,
    need_id: int | None = None,
    engagement_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Insert unless a row with the same ``dedupe_key`` exists."""
    values = dict(
        kind=kind,
        tenant_id=tenant_id,
        due_at=due_at,
        dedupe_key=dedupe_key,
        created_at=now,
        person_id=person_id,
        organisation_id=organisation_id,
        need_id=need_id,
        engagement_id=engagement_id,
        data=data or {},
        status=ReminderStatus.PENDING,
    )
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(Reminder).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )


def next_occurrence(need: Need, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The next (start, end) of a need after ``now``, in UTC."""
    if need.starts_at is not None and need.ends_at is not None:
        return (need.starts_at, need.ends_at) if need.starts_at > now else None
    if need.recurrence:
        weekly = Weekly.from_dict(need.recurrence)
        found = weekly.occurrences(now, tz, limit=1)
        if not found:
            return None
        start = found[0]
        local = start.astimezone(tz)
        end_local = local.replace(hour=weekly.end.hour, minute=weekly.end.minute)
        end = end_local.astimezone(start.tzinfo)
        if need.valid_until is not None and start >= need.valid_until:
            return None
        return start, end
    return None


async def skipped_days(session: AsyncSession, engagement_id: int, tz: ZoneInfo) -> set[date]:
    """The days (in the tenant's zone) of a weekly engagement the person
    skips (``signup.skip_date``): a skip holds for the day, also when the
    series' hour moves."""
    starts = await session.scalars(
        select(SkippedDate.starts_at).where(SkippedDate.engagement_id == engagement_id)
    )
    return {start.astimezone(tz).date() for start in starts}


async def plan_engagement(
    session: AsyncSession,
    *,
    engagement_id: int,
    person_id: int,
    need: Need,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """24 h and 2 h before the next date, and a follow-up after it; none for
    a date the person skips."""
    occurrence = next_occurrence(need, now, tz)
    if occurrence is None:
        return
    if need.recurrence and occurrence[0].astimezone(tz).date() in await skipped_days(
        session, engagement_id, tz
    ):
        return
    await plan_date(
        session, engagement_id=engagement_id, person_id=person_id, need=need,
        start=occurrence[0], end=occurrence[1], now=now,
    )  # fmt: skip


async def plan_date(
    session: AsyncSession,
    *,
    engagement_id: int,
    person_id: int,
    need: Need,
    start: datetime,
    end: datetime,
    now: datetime,
) -> None:
    """The reminders of one date (UTC ``start``/``end``); rows that exist stay."""
    stamp = start.strftime("%Y%m%dT%H%M")
    common = dict(
        tenant_id=need.tenant_id,
        now=now,
        person_id=person_id,
        need_id=need.id,
        engagement_id=engagement_id,
        data={"starts_at": start.isoformat()},
    )
    for kind, offset in (
        (kinds.BEFORE_24H, timedelta(hours=24)),
        (kinds.BEFORE_2H, timedelta(hours=2)),
    ):
        due = start - offset
        if due > now:
            await add_reminder(
                session,
                kind=kind.name,
                due_at=due,
                dedupe_key=f"{kind.name}:{engagement_id}:{stamp}",
                **common,
            )  # type: ignore[arg-type]
    await add_reminder(
        session,
        kind=kinds.FOLLOW_UP.name,
        due_at=end + FOLLOW_UP_AFTER,
        dedupe_key=f"follow_up:{engagement_id}:{stamp}",
        **common,
    )  # type: ignore[arg-type]


DATED_KINDS = (kinds.BEFORE_24H.name, kinds.BEFORE_2H.name, kinds.FOLLOW_UP.name)


async def replan_engagement(
    session: AsyncSession,
    *,
    engagement_id: int,
    person_id: int,
    need: Need,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """The need's time changed: reminders of dates still to come follow it
    (those of dates that passed stay, a follow-up asks about what was)."""
    occurrence = next_occurrence(need, now, tz)
    stamp = occurrence[0].strftime("%Y%m%dT%H%M") if occurrence else None
    pending = (
        await session.scalars(
            select(Reminder).where(
                Reminder.engagement_id == engagement_id,
                Reminder.kind.in_(DATED_KINDS),
                Reminder.status == ReminderStatus.PENDING,
            )
        )
    ).all()
    for reminder in pending:
        starts = reminder.data.get("starts_at")
        if not starts or datetime.fromisoformat(starts) <= now:
            continue
        if reminder.dedupe_key.rsplit(":", 1)[-1] != stamp:
            reminder.status = ReminderStatus.CANCELLED
    await session.flush()
    if stamp is None or (
        need.recurrence
        and occurrence is not None
        and occurrence[0].astimezone(tz).date() in await skipped_days(session, engagement_id, tz)
    ):
        return  # no date ahead, or the person skips it: nothing comes back
    # Moved back to a time planned before: those rows come back.
    await session.execute(
        update(Reminder)
        .where(
            Reminder.dedupe_key.in_([f"{kind}:{engagement_id}:{stamp}" for kind in DATED_KINDS]),
            Reminder.status == ReminderStatus.CANCELLED,
            Reminder.due_at > now,
        )
        .values(status=ReminderStatus.PENDING)
    )
    await plan_engagement(
        session, engagement_id=engagement_id, person_id=person_id, need=need, now=now, tz=tz
    )


async def forget_cancelled(session: AsyncSession, engagement_id: int) -> None:
    """A renewed sign-up (after a withdrawal, a decline, a no-show): the rows
    cancelled with the old one go, so planning writes its dates' reminders
    anew (``dedupe_key`` would otherwise keep the cancelled rows and the
    person would hear nothing). Sent rows stay: they were sent."""
    await session.execute(
        delete(Reminder).where(
            Reminder.engagement_id == engagement_id,
            Reminder.kind.in_(DATED_KINDS),
            Reminder.status == ReminderStatus.CANCELLED,
        )
    )


async def cancel_for_engagement(session: AsyncSession, engagement_id: int) -> None:
    await session.execute(
        update(Reminder)
        .where(Reminder.engagement_id == engagement_id, Reminder.status == ReminderStatus.PENDING)
        .values(status=ReminderStatus.CANCELLED)
    )


async def notify_person(
    session: AsyncSession,
    *,
    kind: str,
    tenant_id: int,
    person_id: int,
    now: datetime,
    need_id: int | None = None,
    engagement_id: int | None = None,
    key: str,
    data: dict[str, Any] | None = None,
) -> None:
    """A one-off message due now (moved up from the waitlist, need cancelled, …)."""
    await add_reminder(
        session,
        kind=kind,
        tenant_id=tenant_id,
        due_at=now,
        now=now,
        person_id=person_id,
        need_id=need_id,
        engagement_id=engagement_id,
        dedupe_key=f"{kind}:{key}",
        data=data,
    )


async def plan_alert_wave(
    session: AsyncSession,
    need: Need,
    now: datetime,
    *,
    ask: str = kinds.URGENT_ALERT.name,
    round_key: str = "",
) -> None:
    """The first wave of asking people for a need (each wave plans the next):
    an urgent need's alert, or a freed place offered round (``round_key``
    tells such rounds apart)."""
    data: dict[str, Any] = {"wave": 1}
    if ask != kinds.URGENT_ALERT.name or round_key:  # a round's waves keep its key
        data |= {"ask": ask, "round": round_key}
    await add_reminder(
        session,
        kind=kinds.ALERT_WAVE.name,
        tenant_id=need.tenant_id,
        due_at=now,
        now=now,
        need_id=need.id,
        dedupe_key=f"alert_wave:{need.id}:{round_key + ':' if round_key else ''}1",
        data=data,
    )


async def plan_org_expiry(session: AsyncSession, need: Need, now: datetime) -> None:
    """Two days before a need runs out, ask the organisation to extend it
    (or tell how many signed up). ``now`` is when it was published: a need
    published less than two days ahead hears of it ``ORG_EXPIRY_SETTLE``
    later, and not at all when that is within ``ORG_EXPIRY_LAST`` of its end
    (an urgent need for tomorrow gets no "0 of 2 so far" seconds after posting)."""
    expires = need.ends_at if need.recurrence is None else need.valid_until
    if expires is None:
        return
    due = max(now + ORG_EXPIRY_SETTLE, expires - ORG_EXPIRY_BEFORE)
    if due > expires - ORG_EXPIRY_LAST:
        return
    await add_reminder(
        session,
        kind=kinds.ORG_EXPIRY.name,
        tenant_id=need.tenant_id,
        due_at=due,
        now=now,
        organisation_id=need.organisation_id,
        need_id=need.id,
        dedupe_key=f"org_expiry:{need.id}:{expires.strftime('%Y%m%d')}",
    )

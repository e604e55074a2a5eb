"""Delivering due reminders exactly once.

One reminder is claimed, checked, sent and recorded in ONE transaction: the
claim (``status pending -> sent``) locks the row (PostgreSQL) or the database
(SQLite), so a second process waits and then finds nothing to claim. A send
that fails transiently rolls everything back and the row is tried again on
the next tick; a crash between send and commit may at worst send once more,
never lose the message silently.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import metrics
from core.db import Database
from core.models import (
    ACTIVE_STATUSES,
    Engagement,
    Identity,
    Membership,
    Need,
    NeedStatus,
    Person,
    RelayMessage,
    Reminder,
    ReminderStatus,
    Tenant,
    VolunteerProfile,
)
from core.models.need import awaits_review
from core.notify import Delivery, bulk_sending
from core.reminders import kinds
from core.reminders.planning import next_occurrence
from core.services.audit import record

log = logging.getLogger(__name__)
BATCH = 200

# The transaction a notice is delivered in, while its sender runs: a channel
# that writes to the database (the web chat's transcript) joins it.
_DELIVERING: ContextVar[AsyncSession | None] = ContextVar("delivering", default=None)


@contextlib.asynccontextmanager
async def joined_transaction(db: Database) -> AsyncIterator[AsyncSession]:
    """A transaction for a channel's own writes (the web chat's transcript, its
    e-mail copy): inside a send, the delivery's, so they commit with the
    notice's claim, once, without waiting for the SQLite write lock the claim
    holds; elsewhere a transaction of their own."""
    ongoing = _DELIVERING.get()
    if ongoing is not None:
        yield ongoing
        return
    async with db.transaction() as session:
        yield session


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    """What the renderer needs to word a reminder (ids and plain values)."""

    id: int
    kind: str
    tenant_slug: str
    person_id: int | None
    organisation_id: int | None
    need_id: int | None
    engagement_id: int | None
    data: dict[str, Any]
    due_at: datetime


class Sender(Protocol):
    """Renders a reminder in the person's language and hands it to the
    channel of ``identity`` (implemented outside core)."""

    async def send(self, message: ReminderMessage, identity: str, language: str) -> Delivery: ...


class SystemWork(Protocol):
    """Kinds without a recipient (an alert wave) run code instead of sending."""

    async def __call__(self, session: AsyncSession, reminder: Reminder, now: datetime) -> None: ...


class TransientFailure(Exception):
    """A channel could not deliver now; the row stays pending."""


@dataclass(frozen=True, slots=True)
class Outcome:
    reminder_id: int
    status: str  # sent | dropped | cancelled | skipped | postponed | taken | failed


async def due_ids(db: Database, now: datetime, limit: int = BATCH) -> list[int]:
    async with db.sessions() as session:
        rows = await session.scalars(
            select(Reminder.id)
            .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
        return list(rows.all())


async def next_due_at(db: Database) -> datetime | None:
    async with db.sessions() as session:
        return await session.scalar(
            select(func.min(Reminder.due_at)).where(Reminder.status == ReminderStatus.PENDING)
        )


async def deliver_due(
    db: Database, sender: Sender, now: datetime, system: dict[str, SystemWork] | None = None
) -> list[Outcome]:
    """Deliver every reminder due at ``now`` (one transaction each)."""
    outcomes = []
    while True:
        ids = await due_ids(db, now)
        if not ids:
            return outcomes
        batch = [await deliver_one(db, sender, rid, now, system or {}) for rid in ids]
        outcomes += batch
        if all(o.status in ("failed", "taken") for o in batch):
            return outcomes  # nothing moved: try again on the next tick


async def deliver_one(
    db: Database,
    sender: Sender,
    reminder_id: int,
    now: datetime,
    system: dict[str, SystemWork] | None = None,
) -> Outcome:
    seen: dict[str, str] = {}
    try:
        async with db.transaction() as session:
            status = await _deliver(session, sender, reminder_id, now, system or {}, seen)
    except TransientFailure:
        status = "failed"
    if "kind" in seen:  # a row this process claimed (not one another took)
        metrics.reminder_outcome(seen["kind"], status)
    return Outcome(reminder_id, status)


async def _deliver(
    session: AsyncSession,
    sender: Sender,
    reminder_id: int,
    now: datetime,
    system: dict[str, SystemWork],
    seen: dict[str, str],
) -> str:
    claimed = await session.execute(
        update(Reminder)
        .where(
            Reminder.id == reminder_id,
            Reminder.status == ReminderStatus.PENDING,
            Reminder.due_at <= now,
        )
        .values(status=ReminderStatus.SENT, sent_at=now)
        .returning(Reminder.id)
    )
    if claimed.scalar_one_or_none() is None:
        return "taken"
    reminder = await session.get(Reminder, reminder_id, populate_existing=True)
    assert reminder is not None
    seen["kind"] = reminder.kind if reminder.kind in kinds.KINDS else "unknown"
    kind = kinds.KINDS.get(reminder.kind)
    tenant = await session.get(Tenant, reminder.tenant_id)
    assert tenant is not None
    if kind is None:
        return _finish(session, reminder, ReminderStatus.DROPPED, now, "unknown_kind")
    if now - reminder.due_at > kind.grace:
        return _finish(session, reminder, ReminderStatus.DROPPED, now, "too_late")
    if reminder.kind in system:
        await system[reminder.kind](session, reminder, now)
        return "sent"
    if not await _still_relevant(session, reminder, now):
        return _finish(session, reminder, ReminderStatus.CANCELLED, now, None)
    if await _asked_date_begun(session, reminder, now, ZoneInfo(tenant.timezone)):
        return _finish(session, reminder, ReminderStatus.DROPPED, now, "begun")
    recipients = await _recipients(session, reminder)
    if not recipients:
        return _finish(session, reminder, ReminderStatus.SKIPPED, now, "no_recipient")
    message = ReminderMessage(
        reminder.id,
        reminder.kind,
        tenant.slug,
        reminder.person_id,
        reminder.organisation_id,
        reminder.need_id,
        reminder.engagement_id,
        dict(reminder.data),
        reminder.due_at,
    )
    delivered = False
    for person_id in recipients:
        verdict = await _respect(session, reminder, kind, person_id, now)
        if verdict is not None:
            if verdict == "postponed":
                return "postponed"
            if len(recipients) == 1:
                return _finish(session, reminder, ReminderStatus.SKIPPED, now, verdict)
            continue
        delivered |= await _send_to_person(session, sender, message, person_id, now)
    if not delivered:
        return _finish(session, reminder, ReminderStatus.SKIPPED, now, "unreachable")
    return "sent"


def _finish(
    session: AsyncSession,
    reminder: Reminder,
    status: ReminderStatus,
    now: datetime,
    why: str | None,
) -> str:
    reminder.status = status
    reminder.sent_at = None
    if status == ReminderStatus.DROPPED or why not in (None, "no_recipient"):
        record(
            session,
            tenant_id=reminder.tenant_id,
            actor="system",
            action=f"reminder_{status.value}",
            subject=f"reminder:{reminder.id}",
            at=now,
            data={"kind": reminder.kind, "why": why or ""},
        )
    return status.value


async def _still_relevant(session: AsyncSession, reminder: Reminder, now: datetime) -> bool:
    if reminder.kind == kinds.EDITOR_QUEUE.name:  # a bundle: only while needs still wait
        return bool(
            await session.scalar(
                select(Need.id)
                .where(
                    Need.tenant_id == reminder.tenant_id,
                    awaits_review(),
                )
                .limit(1)
            )
        )
    if reminder.need_id is not None:
        need = await session.get(Need, reminder.need_id)
        if need is None:
            return False
        open_statuses = (NeedStatus.PUBLISHED, NeedStatus.FILLED)
        if reminder.kind in (kinds.URGENT_ALERT.name, kinds.PLACE_OFFER.name):
            if need.status != NeedStatus.PUBLISHED:
                return False  # filled or gone: no need to ask anyone any more
            if need.hidden or need.published_at is None:
                return False  # hidden, or its text waits for review: ask nobody
            if reminder.person_id is not None:
                person_tenant = await session.scalar(
                    select(Person.tenant_id).where(Person.id == reminder.person_id)
                )
                shown = await session.scalar(
                    select(Tenant.show_neighbours).where(Tenant.id == person_tenant)
                )
                if person_tenant != need.tenant_id and not shown:
                    return False
        elif reminder.kind in (
            kinds.NEED_CANCELLED.name,
            kinds.NEED_CHANGED.name,  # told even while the change waits for review
            kinds.SIGNUP_DECLINED.name,
            kinds.RELAY_MESSAGE.name,
        ):
            return True  # news about a sign-up that has ended, or a message written
        elif reminder.kind != kinds.FOLLOW_UP.name and need.status not in open_statuses:
            return False
    if reminder.engagement_id is not None and reminder.kind != kinds.FOLLOW_UP.name:
        status = await session.scalar(
            select(Engagement.status).where(Engagement.id == reminder.engagement_id)
        )
        if status not in ACTIVE_STATUSES:
            return False
    return True


ASKING = (kinds.URGENT_ALERT.name, kinds.PLACE_OFFER.name)


async def _asked_date_begun(
    session: AsyncSession, reminder: Reminder, now: datetime, tz: ZoneInfo
) -> bool:
    """An alert (or a freed place offered) asks someone to come: once the date
    it asks for has begun (held back by quiet hours past the start, a late
    tick), "Wer kann?" would arrive after the fact. That date is the one-off
    need's start, or a weekly need's first date after the alert was written."""
    if reminder.kind not in ASKING or reminder.need_id is None:
        return False
    need = await session.get(Need, reminder.need_id)
    if need is None:
        return False
    if need.recurrence is None:
        return need.starts_at is not None and need.starts_at <= now
    asked = next_occurrence(need, reminder.created_at, tz)
    return asked is not None and asked[0] <= now


async def _recipients(session: AsyncSession, reminder: Reminder) -> list[int]:
    if reminder.person_id is not None:
        return [reminder.person_id]
    if reminder.organisation_id is not None:
        rows = await session.scalars(
            select(Membership.person_id).where(
                Membership.organisation_id == reminder.organisation_id,
                Membership.person_id.is_not(None),
            )
        )
        return [p for p in rows.all() if p is not None]
    return []


async def _respect(
    session: AsyncSession,
    reminder: Reminder,
    kind: kinds.Kind,
    person_id: int,
    now: datetime,
) -> str | None:
    """None to send now; else why not: muted | paused | budget | postponed.
    Quiet hours and budget are those of the person's own municipality."""
    profile = await session.get(VolunteerProfile, person_id)
    if profile is not None and kind.mutable and reminder.kind in (profile.muted_kinds or []):
        return "muted"
    if not kind.unsolicited and not kind.quiet:
        return None
    if (
        kind.unsolicited
        and profile is not None
        and profile.paused_until is not None
        and profile.paused_until > now
    ):
        return "paused"
    tenant = await session.scalar(
        select(Tenant).join(Person, Person.tenant_id == Tenant.id).where(Person.id == person_id)
    )
    if tenant is None:
        return "no_recipient"
    tz = ZoneInfo(tenant.timezone)
    quiet_end = quiet_hours_end(
        now,
        tz,
        (profile.quiet_start if profile and profile.quiet_start else tenant.quiet_start),
        (profile.quiet_end if profile and profile.quiet_end else tenant.quiet_end),
    )
    if (
        quiet_end is not None
        and reminder.person_id is not None
        and (kind.unsolicited or not await _starts_before(session, reminder, quiet_end, now, tz))
    ):
        reminder.status, reminder.sent_at = ReminderStatus.PENDING, None
        reminder.due_at = quiet_end  # wait for the morning; grace counts from then
        return "postponed"
    if not kind.budget:
        return None
    if await _sent_this_week(session, person_id, reminder.id, now) >= tenant.weekly_budget:
        return "budget"
    return None


async def _starts_before(
    session: AsyncSession, reminder: Reminder, quiet_end: datetime, now: datetime, tz: ZoneInfo
) -> bool:
    """News about a date that begins before the quiet hours end cannot wait:
    the person would otherwise set out for a cancelled need."""
    if reminder.need_id is None:
        return False
    need = await session.get(Need, reminder.need_id)
    if need is None:
        return False
    upcoming = next_occurrence(need, now, tz)
    return upcoming is not None and upcoming[0] <= quiet_end


BUDGETED = tuple(k.name for k in kinds.KINDS.values() if k.budget)


async def _sent_this_week(
    session: AsyncSession, person_id: int, current_id: int, now: datetime
) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(
                Reminder.person_id == person_id,
                Reminder.status == ReminderStatus.SENT,
                Reminder.kind.in_(BUDGETED),
                Reminder.id != current_id,
                Reminder.sent_at > now - timedelta(days=7),
            )
        )
        or 0
    )


def quiet_hours_end(now: datetime, tz: ZoneInfo, start: str, end: str) -> datetime | None:
    """When the quiet hours around ``now`` end (UTC), or None outside them."""
    local = now.astimezone(tz)
    q_start, q_end = time.fromisoformat(start), time.fromisoformat(end)
    t = local.time()
    if q_start == q_end:
        return None
    wraps = q_start > q_end  # 21:00-08:00 runs over midnight
    inside = (t >= q_start or t < q_end) if wraps else (q_start <= t < q_end)
    if not inside:
        return None
    day = local.date()
    if wraps and t >= q_start:
        day += timedelta(days=1)
    return datetime.combine(day, q_end, tz).astimezone(now.tzinfo)


async def _send_to_person(
    session: AsyncSession,
    sender: Sender,
    message: ReminderMessage,
    person_id: int,
    now: datetime,
) -> bool:
    language = await session.scalar(select(Person.language).where(Person.id == person_id))
    identities = (
        await session.execute(
            select(Identity.id, Identity.key, Tenant.slug)
            .join(Tenant, Tenant.id == Identity.tenant_id)
            .where(Identity.person_id == person_id, Identity.unreachable_at.is_(None))
            .order_by(Identity.id)
        )
    ).all()
    for identity_id, key, tenant_slug in identities:
        # Worded and sent by the person's own municipality's bot, even for a
        # neighbour's need.
        # Bulk: a channel's rate limit lets answers to people chatting now go first.
        token = _DELIVERING.set(session)
        try:
            with bulk_sending():
                result = await sender.send(
                    replace(message, tenant_slug=tenant_slug), key, language or "de"
                )
        finally:
            _DELIVERING.reset(token)
        if result is Delivery.DELIVERED:
            metrics.messages_out(key, tenant_slug)
            reminder = await session.get(Reminder, message.id)
            if reminder is not None:
                reminder.channel = key.split(":", 1)[0]
            if message.kind == kinds.RELAY_MESSAGE.name:  # the organisation's inbox shows it
                await session.execute(
                    update(RelayMessage)
                    .where(RelayMessage.id == int(message.data["message_id"]))
                    .values(delivered=True)
                )
            return True
        if result is Delivery.UNREACHABLE:
            await session.execute(
                update(Identity).where(Identity.id == identity_id).values(unreachable_at=now)
            )
            continue
        if result is Delivery.NO_CHANNEL:
            continue
        log.warning("reminder %s: channel failed, will retry", message.id)
        raise TransientFailure()
    return False

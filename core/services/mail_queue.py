"""The one durable queue for outgoing e-mail.

Whatever causes a mail enqueues it with :func:`enqueue` in its own
transaction (a sign-up and its verification mail commit together); nothing
sends inside a web request. The background sender (``bots.web.mail.MailSender``)
claims due rows (:func:`claim_due`), renders and sends each on its own, and
records the outcome (:func:`mark_sent`, :func:`mark_failed`): a failure waits
with exponential backoff, a message that cannot be built, or fails
``MAX_ATTEMPTS`` times, is parked so it never blocks the others.

A claim is a lease (``claimed_until``) taken by a guarded UPDATE, so two
processes never send the same row; on PostgreSQL the candidates are read
with ``FOR UPDATE SKIP LOCKED`` so senders do not wait on each other. A
process killed between sending and recording sends that one row again when
the lease runs out (at least once, never in parallel).

Editors hear of needs waiting for review through :func:`notify_editors`:
one bundled mail per editor at most every ``EDITOR_BUNDLE_EVERY``; an urgent
need of an unverified organisation is told at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.models import (
    Account,
    MailStatus,
    Membership,
    Need,
    Organisation,
    Person,
    QueuedMail,
    RelayDirection,
    RelayMessage,
    Reminder,
    ReminderStatus,
    Role,
    Tenant,
)
from core.models.need import awaits_review

MAX_ATTEMPTS = 8  # about three hours of retrying with the backoff below
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
CLAIM_FOR = timedelta(minutes=5)  # longer than one SMTP conversation's timeouts
EDITOR_BUNDLE_EVERY = timedelta(minutes=15)
KEEP_DONE = timedelta(days=30)  # sent/dropped rows (already without address) kept for counts

# Kinds whose text the sender renders (``mail.<kind>.subject`` / ``.body``).
VERIFY, LOGIN, RESET = "verify", "login", "reset"
REPLY = "reply"
ORG_MESSAGE = "org_message"  # a message to the organisation, to a member without chat
EDITOR_QUEUE, EDITOR_URGENT = "editor_queue", "editor_urgent"
EDITOR_INVITE = "editor_invite"


@dataclass(frozen=True, slots=True)
class ClaimedMail:
    id: int
    tenant_id: int
    kind: str
    recipient: str
    language: str  # "" = the tenant's default language
    data: dict[str, Any]
    attempts: int  # failed attempts so far


@dataclass(frozen=True, slots=True)
class MailCounts:
    """For an operator and for metrics: how the queue stands."""

    pending: int
    retrying: int  # pending after at least one failed attempt
    sent: int
    parked: int
    dropped: int
    failed_attempts: int  # every failed attempt of rows still in the table


def enqueue(
    session: AsyncSession,
    *,
    tenant_id: int,
    kind: str,
    to: str,
    data: dict[str, Any],
    now: datetime,
    language: str = "",
    not_before: datetime | None = None,
    bundle_key: str | None = None,
    person_id: int | None = None,
    organisation_id: int | None = None,
    account_id: int | None = None,
) -> None:
    """Add a mail to the queue inside the caller's transaction.

    ``kind`` names the texts ``mail.<kind>.subject`` and ``mail.<kind>.body``
    (data/texts/web/); ``data`` fills them, and a ``path`` in it (``/t/<slug>/…``)
    becomes ``{link}`` on the public URL. ``language`` empty means the
    tenant's default language. Values must be JSON (str, int, …).
    ``person_id``, ``organisation_id`` and ``account_id`` name whom the mail
    is to or about: erasing that row deletes the queued mail with it."""
    session.add(
        QueuedMail(
            tenant_id=tenant_id,
            kind=kind,
            recipient=to,
            language=language,
            data=dict(data),
            bundle_key=bundle_key,
            person_id=person_id,
            organisation_id=organisation_id,
            account_id=account_id,
            status=MailStatus.PENDING,
            attempts=0,
            next_attempt_at=max(now, not_before) if not_before else now,
            created_at=now,
        )
    )


async def enqueue_mail(
    db: Database,
    *,
    tenant_id: int,
    kind: str,
    to: str,
    data: dict[str, Any],
    now: datetime,
    language: str = "",
    account_id: int | None = None,
) -> None:
    """:func:`enqueue` in a transaction of its own (when nothing else is written)."""
    async with db.transaction() as session:
        enqueue(
            session,
            tenant_id=tenant_id,
            kind=kind,
            to=to,
            data=data,
            now=now,
            language=language,
            account_id=account_id,
        )


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 1, 2, 4, … minutes, at most an hour."""
    return min(BACKOFF_FIRST * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


async def claim_due(db: Database, now: datetime, *, limit: int = 20) -> list[ClaimedMail]:
    """Take up to ``limit`` due rows for this process, oldest first."""
    free = or_(QueuedMail.claimed_until.is_(None), QueuedMail.claimed_until <= now)
    claimed: list[ClaimedMail] = []
    async with db.transaction() as session:
        query = (
            select(QueuedMail.id)
            .where(
                QueuedMail.status == MailStatus.PENDING,
                QueuedMail.next_attempt_at <= now,
                free,
            )
            .order_by(QueuedMail.next_attempt_at, QueuedMail.id)
            .limit(limit)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        ids = list((await session.scalars(query)).all())
        for mail_id in ids:
            taken = await session.execute(
                update(QueuedMail)
                .where(QueuedMail.id == mail_id, QueuedMail.status == MailStatus.PENDING, free)
                .values(claimed_until=now + CLAIM_FOR)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                continue
            row = await session.get(QueuedMail, mail_id)
            assert row is not None
            claimed.append(
                ClaimedMail(
                    row.id,
                    row.tenant_id,
                    row.kind,
                    row.recipient,
                    row.language,
                    dict(row.data or {}),
                    row.attempts,
                )
            )
    return claimed


async def mark_sent(db: Database, mail_id: int, now: datetime) -> None:
    """Delivered: the address and contents leave the database, the row stays for counts."""
    async with db.transaction() as session:
        await session.execute(
            update(QueuedMail)
            .where(QueuedMail.id == mail_id)
            .values(
                status=MailStatus.SENT,
                sent_at=now,
                claimed_until=None,
                recipient="",
                data={},
                last_error=None,
            )
        )


async def mark_dropped(db: Database, mail_id: int, now: datetime) -> None:
    """Nothing to say any more (e.g. every bundled need was reviewed meanwhile)."""
    async with db.transaction() as session:
        await session.execute(
            update(QueuedMail)
            .where(QueuedMail.id == mail_id)
            .values(
                status=MailStatus.DROPPED, sent_at=now, claimed_until=None, recipient="", data={}
            )
        )


async def mark_failed(
    db: Database, mail_id: int, now: datetime, *, error: str, permanent: bool = False
) -> MailStatus:
    """Count a failed attempt: retry after :func:`backoff`, or park the row when
    the failure is ``permanent`` (the message cannot be built, the server
    refused the recipient) or it has failed ``MAX_ATTEMPTS`` times."""
    async with db.transaction() as session:
        row = await session.get(QueuedMail, mail_id)
        if row is None:
            return MailStatus.DROPPED
        row.attempts += 1
        row.claimed_until = None
        row.last_error = error[:200]
        if permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = MailStatus.PARKED
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        return row.status


async def next_attempt_at(db: Database) -> datetime | None:
    """When the next pending mail falls due (the sender sleeps until then)."""
    async with db.sessions() as session:
        return await session.scalar(
            select(func.min(QueuedMail.next_attempt_at)).where(
                QueuedMail.status == MailStatus.PENDING
            )
        )


async def counts(db: Database, tenant_id: int | None = None) -> MailCounts:
    """How the queue stands (for one tenant, or all)."""
    query = select(
        QueuedMail.status, func.count(), func.coalesce(func.sum(QueuedMail.attempts), 0)
    ).group_by(QueuedMail.status)
    retrying = (
        select(func.count())
        .select_from(QueuedMail)
        .where(QueuedMail.status == MailStatus.PENDING, QueuedMail.attempts > 0)
    )
    if tenant_id is not None:
        query = query.where(QueuedMail.tenant_id == tenant_id)
        retrying = retrying.where(QueuedMail.tenant_id == tenant_id)
    async with db.sessions() as session:
        rows = (await session.execute(query)).all()
        n_retrying = int(await session.scalar(retrying) or 0)
    by_status = {MailStatus(s): (int(n), int(a)) for s, n, a in rows}
    # A sent row's attempts include the successful one.
    sent, sent_attempts = by_status.get(MailStatus.SENT, (0, 0))
    failed = sum(a for s, (_, a) in by_status.items() if s != MailStatus.SENT)
    return MailCounts(
        pending=by_status.get(MailStatus.PENDING, (0, 0))[0],
        retrying=n_retrying,
        sent=sent,
        parked=by_status.get(MailStatus.PARKED, (0, 0))[0],
        dropped=by_status.get(MailStatus.DROPPED, (0, 0))[0],
        failed_attempts=failed + max(0, sent_attempts - sent),
    )


async def purge_done(db: Database, now: datetime) -> int:
    """Forget sent and dropped rows after ``KEEP_DONE`` (they hold no address)."""
    from sqlalchemy import delete

    async with db.transaction() as session:
        result = await session.execute(
            delete(QueuedMail).where(
                QueuedMail.status.in_((MailStatus.SENT, MailStatus.DROPPED)),
                QueuedMail.sent_at < now - KEEP_DONE,
            )
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- relay replies -------------------------------------------------------------


async def enqueue_reply(session: AsyncSession, message: RelayMessage, now: datetime) -> None:
    """A volunteer's reply, e-mailed to the organisation (its inbox shows it too)."""
    org = await session.get(Organisation, message.organisation_id)
    tenant = await session.get(Tenant, message.tenant_id)
    assert tenant is not None
    message.emailed_at = now  # handed to the queue
    if org is None or not org.email:
        return
    if message.from_organisation_id is not None:  # another organisation's message
        volunteer = await session.scalar(
            select(Organisation.name).where(Organisation.id == message.from_organisation_id)
        )
    elif message.person_id is not None:
        volunteer = await session.scalar(
            select(Person.display_name).where(Person.id == message.person_id)
        )
    else:
        volunteer = None
    title = (
        await session.scalar(select(Need.title).where(Need.id == message.need_id))
        if message.need_id is not None
        else None
    )
    enqueue(
        session,
        tenant_id=tenant.id,
        kind=REPLY,
        to=org.email,
        data={
            "volunteer": volunteer or "",
            "need": title or "",
            "body": message.body,
            "path": f"/t/{tenant.slug}/org/inbox",
        },
        now=now,
        person_id=message.person_id,
        organisation_id=org.id,
    )


async def enqueue_unsent_replies(db: Database, now: datetime) -> int:
    """Replies recorded before the queue existed (``emailed_at`` empty) join it."""
    async with db.transaction() as session:
        rows = (
            await session.scalars(
                select(RelayMessage)
                .where(
                    RelayMessage.direction == RelayDirection.FROM_VOLUNTEER,
                    RelayMessage.emailed_at.is_(None),
                )
                .order_by(RelayMessage.id)
            )
        ).all()
        for message in rows:
            await enqueue_reply(session, message, now)
    return len(rows)


# -- editors in the loop ---------------------------------------------------------


async def _editors(session: AsyncSession, tenant_id: int) -> list[tuple[int, str, int | None]]:
    rows = (
        await session.execute(
            select(Account.id, Account.email, Account.person_id)
            .join(Membership, Membership.account_id == Account.id)
            .where(
                Membership.tenant_id == tenant_id,
                Membership.organisation_id.is_(None),
                Membership.role.in_((Role.EDITOR, Role.ADMIN)),
            )
            .distinct()
            .order_by(Account.id)
        )
    ).all()
    return [(int(i), str(e), p) for i, e, p in rows]


async def notify_editors(session: AsyncSession, need: Need, now: datetime) -> None:
    """A need entered the review queue: tell the tenant's editors.

    An urgent need of an organisation that is not verified is told at once,
    each on its own; any other joins the editor's bundle, which goes out at
    most once every ``EDITOR_BUNDLE_EVERY``. By e-mail, and in the chat an
    editor linked (``core.services.editor_links``), as a reminder row."""
    tenant = await session.get(Tenant, need.tenant_id)
    assert tenant is not None
    editors = await _editors(session, tenant.id)
    await _tell_linked_chats(session, need, [(a, p) for a, _, p in editors if p], now)
    path = f"/t/{tenant.slug}/editor/"
    if need.urgent:
        org_name = await session.scalar(
            select(Organisation.name).where(Organisation.id == need.organisation_id)
        )
        for account_id, email, _ in editors:
            enqueue(
                session,
                tenant_id=tenant.id,
                kind=EDITOR_URGENT,
                to=email,
                data={"title": need.title, "organisation": org_name or "", "path": path},
                now=now,
                account_id=account_id,
            )
        return
    for account_id, email, _ in editors:
        key = f"editor:{account_id}"
        open_bundle = await session.scalar(
            select(QueuedMail).where(
                QueuedMail.bundle_key == key,
                QueuedMail.status == MailStatus.PENDING,
                QueuedMail.claimed_until.is_(None),
            )
        )
        if open_bundle is not None:
            continue  # it counts the waiting needs when it goes out
        last = await session.scalar(
            select(func.max(QueuedMail.sent_at)).where(
                QueuedMail.bundle_key == key, QueuedMail.status == MailStatus.SENT
            )
        )
        enqueue(
            session,
            tenant_id=tenant.id,
            kind=EDITOR_QUEUE,
            to=email,
            data={"path": path},
            now=now,
            not_before=last + EDITOR_BUNDLE_EVERY if last is not None else None,
            bundle_key=key,
            account_id=account_id,
        )


async def _tell_linked_chats(
    session: AsyncSession, need: Need, chats: list[tuple[int, int]], now: datetime
) -> None:
    from core.reminders import kinds
    from core.reminders.planning import add_reminder

    for account_id, person_id in chats:
        if need.urgent:
            org_name = await session.scalar(
                select(Organisation.name).where(Organisation.id == need.organisation_id)
            )
            await add_reminder(
                session,
                kind=kinds.EDITOR_URGENT.name,
                tenant_id=need.tenant_id,
                due_at=now,
                dedupe_key=f"editor_urgent:{account_id}:{need.id}",
                now=now,
                person_id=person_id,
                data={"title": need.title, "organisation": org_name or ""},
            )
            continue
        waiting = await session.scalar(
            select(Reminder.id).where(
                Reminder.kind == kinds.EDITOR_QUEUE.name,
                Reminder.person_id == person_id,
                Reminder.status == ReminderStatus.PENDING,
            )
        )
        if waiting is not None:
            continue  # the bundle counts the needs when it goes out
        last = await session.scalar(
            select(func.max(Reminder.sent_at)).where(
                Reminder.kind == kinds.EDITOR_QUEUE.name,
                Reminder.person_id == person_id,
                Reminder.status == ReminderStatus.SENT,
            )
        )
        due = max(now, last + EDITOR_BUNDLE_EVERY) if last is not None else now
        await add_reminder(
            session,
            kind=kinds.EDITOR_QUEUE.name,
            tenant_id=need.tenant_id,
            due_at=due,
            dedupe_key=f"editor_queue:{account_id}:{due.isoformat()}",
            now=now,
            person_id=person_id,
        )


async def waiting_for_review(db: Database, tenant_id: int) -> int:
    """How many needs of the tenant wait for an editor (a bundle says this number)."""
    async with db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Need)
                .where(Need.tenant_id == tenant_id, awaits_review())
            )
            or 0
        )

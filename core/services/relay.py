"""Messages between an organisation and a volunteer, relayed through the
volunteer's chat channel (neither side sees the other's contact details).

The organisation writes on the web (``send_to_volunteer``), which stores the
message and its outbox row; delivery words it in the volunteer's chat and
marks it delivered. The volunteer's answer comes back through the dialogue
engine, which calls ``record_reply``; the web's inbox page lists both
directions, and each reply is e-mailed to the organisation through the mail queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from core.db import Database
from core.errors import InvalidValue, NotAllowed, TooManyReplies, UnknownEngagement
from core.models import (
    Engagement,
    Identity,
    Need,
    Organisation,
    Person,
    RelayDirection,
    RelayMessage,
)
from core.reminders import kinds
from core.reminders.planning import notify_person
from core.services import mail_queue
from core.services.audit import record

MAX_BODY = 2000
MAX_REPLIES_PER_DAY = 30  # a volunteer's replies to organisations, in any 24 hours


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to deliver: to whom, through which identities, in what language."""

    message_id: int
    tenant_id: int  # the person's tenant: its bots reach them
    person_id: int
    language: str
    organisation: str
    need_title: str
    body: str
    identities: tuple[str, ...]  # reachable ones, oldest first


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    direction: RelayDirection
    need_id: int | None
    need_title: str | None
    volunteer: str
    body: str
    delivered: bool
    read: bool
    created_at: datetime


async def send_to_volunteer(
    db: Database,
    organisation_id: int,
    engagement_id: int,
    body: str,
    *,
    account_id: int | None,
    now: datetime,
) -> Outgoing:
    """Store the organisation's message to the volunteer of an engagement."""
    body = body.strip()
    if not body or len(body) > MAX_BODY:
        raise InvalidValue(field="body")
    async with db.transaction() as session:
        row = (
            await session.execute(
                select(Engagement, Need, Organisation.name)
                .join(Need, Need.id == Engagement.need_id)
                .join(Organisation, Organisation.id == Need.organisation_id)
                .where(Engagement.id == engagement_id)
            )
        ).one_or_none()
        if row is None:
            raise UnknownEngagement(engagement_id=engagement_id)
        engagement, need, org_name = row
        if need.organisation_id != organisation_id:
            raise NotAllowed()
        if engagement.person_id is None:
            raise UnknownEngagement(engagement_id=engagement_id)
        person = await session.get(Person, engagement.person_id)
        assert person is not None
        identities = (
            await session.scalars(
                select(Identity.key)
                .where(Identity.person_id == person.id, Identity.unreachable_at.is_(None))
                .order_by(Identity.id)
            )
        ).all()
        message = RelayMessage(
            tenant_id=need.tenant_id,
            organisation_id=organisation_id,
            need_id=need.id,
            engagement_id=engagement.id,
            person_id=person.id,
            direction=RelayDirection.TO_VOLUNTEER,
            body=body,
            author_account_id=account_id,
            created_at=now,
        )
        session.add(message)
        await session.flush()
        # Delivered like every notice: through the outbox, in the volunteer's
        # language, after their quiet hours (unless the date comes first).
        await notify_person(
            session,
            kind=kinds.RELAY_MESSAGE.name,
            tenant_id=need.tenant_id,
            person_id=person.id,
            need_id=need.id,
            now=now,
            key=str(message.id),
            data={"message_id": message.id},
        )
        record(
            session,
            tenant_id=need.tenant_id,
            actor=f"account:{account_id}" if account_id else "system",
            action="message_relayed",
            subject=f"need:{need.id}",
            at=now,
        )
        return Outgoing(
            message.id,
            person.tenant_id,
            person.id,
            person.language,
            org_name,
            need.title,
            body,
            tuple(identities),
        )


@dataclass(frozen=True, slots=True)
class RelayNotice:
    """What the volunteer's chat shows of an organisation's message."""

    message_id: int
    organisation: str
    need_title: str
    body: str


async def relay_notice(db: Database, message_id: int) -> RelayNotice | None:
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(RelayMessage.body, Organisation.name, Need.title)
                .join(Organisation, Organisation.id == RelayMessage.organisation_id)
                .outerjoin(Need, Need.id == RelayMessage.need_id)
                .where(RelayMessage.id == message_id)
            )
        ).one_or_none()
    if row is None:
        return None
    body, organisation, title = row
    return RelayNotice(message_id, organisation, title or "", body)


async def record_reply(
    db: Database, person_id: int, body: str, *, now: datetime, need_id: int | None = None
) -> int | None:
    """A volunteer's answer, written in their chat: it goes to the organisation
    that last wrote to them (about ``need_id`` when given). Returns the
    organisation id, or None when nobody wrote to this person."""
    body = body.strip()[:MAX_BODY]
    if not body:
        return None
    async with db.transaction() as session:
        sent_today = await session.scalar(
            select(func.count())
            .select_from(RelayMessage)
            .where(
                RelayMessage.person_id == person_id,
                RelayMessage.direction == RelayDirection.FROM_VOLUNTEER,
                RelayMessage.created_at > now - timedelta(days=1),
            )
        )
        if (sent_today or 0) >= MAX_REPLIES_PER_DAY:
            raise TooManyReplies()
        q = (
            select(RelayMessage)
            .where(
                RelayMessage.person_id == person_id,
                RelayMessage.direction == RelayDirection.TO_VOLUNTEER,
            )
            .order_by(RelayMessage.created_at.desc(), RelayMessage.id.desc())
            .limit(1)
        )
        if need_id is not None:
            q = q.where(RelayMessage.need_id == need_id)
        last = await session.scalar(q)
        if last is None:
            return None
        reply = RelayMessage(
            tenant_id=last.tenant_id,
            organisation_id=last.organisation_id,
            need_id=last.need_id,
            engagement_id=last.engagement_id,
            person_id=person_id,
            direction=RelayDirection.FROM_VOLUNTEER,
            body=body,
            delivered=True,
            created_at=now,
        )
        session.add(reply)
        await mail_queue.enqueue_reply(session, reply, now)  # the organisation's e-mail copy
        record(
            session,
            tenant_id=last.tenant_id,
            actor=f"person:{person_id}",
            action="message_reply",
            subject=f"organisation:{last.organisation_id}",
            at=now,
        )
        return last.organisation_id


async def inbox(db: Database, organisation_id: int, *, limit: int = 100) -> list[InboxItem]:
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(RelayMessage, Need.title, Person.display_name)
                .outerjoin(Need, Need.id == RelayMessage.need_id)
                .outerjoin(Person, Person.id == RelayMessage.person_id)
                .where(RelayMessage.organisation_id == organisation_id)
                .order_by(RelayMessage.created_at.desc(), RelayMessage.id.desc())
                .limit(limit)
            )
        ).all()
    return [
        InboxItem(
            m.id,
            m.direction,
            m.need_id,
            title,
            name or "",
            m.body,
            m.delivered,
            m.read_at is not None,
            m.created_at,
        )
        for m, title, name in rows
    ]


async def mark_read(db: Database, organisation_id: int, now: datetime) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(RelayMessage)
            .where(
                RelayMessage.organisation_id == organisation_id,
                RelayMessage.direction == RelayDirection.FROM_VOLUNTEER,
                RelayMessage.read_at.is_(None),
            )
            .values(read_at=now)
        )


async def unread_count(db: Database, organisation_id: int) -> int:
    from sqlalchemy import func

    async with db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(RelayMessage)
                .where(
                    RelayMessage.organisation_id == organisation_id,
                    RelayMessage.direction == RelayDirection.FROM_VOLUNTEER,
                    RelayMessage.read_at.is_(None),
                )
            )
            or 0
        )

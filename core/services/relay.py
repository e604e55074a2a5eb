"""Messages between an organisation and a volunteer, relayed through the
volunteer's chat channel (neither side sees the other's contact details).

Both ways (issue 14): a volunteer asks about a need before signing up
(``ask_question``), an organisation answers an offer (``answer_offer``) or a
volunteer's message (``answer``), on the web or in its members' chat. Every
message has its own id and a reply names the message it answers
(``reply_to_id``): a volunteer's reply goes to the organisation of the message
answered, never to whoever wrote last. Contact details pass only by the
volunteer's explicit choice, per engagement (``share_contact`` /
``revoke_contact``) or per answered offer (``share_contact_for_offer``).

Nothing is sent from here: each message is stored with its outbox rows in
the same transaction. An organisation's message to a volunteer gets one
``relay_message`` row; a volunteer's question, reply or passed-on contact one
``relay_to_member`` row per chat-linked member of the organisation. Delivery
words them at send time, in the recipient's language
(``dialogue/notifications.py``), and marks a ``relay_message`` delivered. The
web inbox lists both directions, and each of a volunteer's messages is
e-mailed to the organisation through the mail queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.db import Database
from core.errors import (
    InvalidValue,
    NotAllowed,
    TooManyReplies,
    UnknownEngagement,
    UnknownNeed,
)
from core.models import (
    Engagement,
    Membership,
    Need,
    NeedStatus,
    Offer,
    Organisation,
    Person,
    RelayDirection,
    RelayMessage,
    Tenant,
)
from core.models.engagement import ACTIVE_STATUSES, EngagementStatus
from core.reminders import kinds
from core.reminders.planning import notify_person
from core.services import mail_queue
from core.services.accounts import is_email
from core.services.audit import record
from core.services.needs import may_see_tenant

MAX_BODY = 2000
# A volunteer's messages to organisations (replies, questions before signing
# up, contact details passed on), together, in any 24 hours.
MAX_REPLIES_PER_DAY = 30
# An organisation's messages to volunteers (web and its members' chat), in any
# 24 hours: enough for a busy club, not for a mailing list.
MAX_ORG_MESSAGES_PER_DAY = 200
QUOTE = 80  # characters of the message answered, quoted above an answer


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An organisation's message to a volunteer, stored with its outbox row;
    also what the volunteer's chat shows of it (``relay_notice``)."""

    message_id: int
    person_id: int
    organisation: str
    need_title: str
    body: str
    kind: str = "message"  # message | question | offer
    in_reply_to: str = ""  # the start of the message answered
    offer_title: str = ""
    to_organisation: str = ""  # a message to another organisation: its name


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
    kind: str = "message"
    reply_to_id: int | None = None
    offer_id: int | None = None
    # Written to this organisation (by a volunteer or another organisation);
    # ``volunteer`` then names the writer, else the one written to.
    incoming: bool = False


async def send_to_volunteer(
    db: Database,
    organisation_id: int,
    engagement_id: int,
    body: str,
    *,
    account_id: int | None,
    now: datetime,
) -> Outgoing:
    """Store the organisation's message to the volunteer of an engagement,
    with its outbox row."""
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
        await _check_org_cap(session, organisation_id, now)
        message = RelayMessage(
            tenant_id=need.tenant_id,
            organisation_id=organisation_id,
            need_id=need.id,
            engagement_id=engagement.id,
            person_id=engagement.person_id,
            direction=RelayDirection.TO_VOLUNTEER,
            body=body,
            author_account_id=account_id,
            created_at=now,
        )
        await _to_volunteer_stored(
            session,
            message,
            actor=_writer(account_id),
            action="message_relayed",
            subject=f"need:{need.id}",
        )
        return Outgoing(message.id, engagement.person_id, org_name, need.title, body)


async def _to_volunteer(session: AsyncSession, message: RelayMessage, now: datetime) -> None:
    """The outbox row for an organisation's message: delivered like every
    notice, in the volunteer's language, after their quiet hours (unless the
    date comes first); delivery marks the message delivered."""
    assert message.person_id is not None
    await notify_person(
        session,
        kind=kinds.RELAY_MESSAGE.name,
        tenant_id=message.tenant_id,
        person_id=message.person_id,
        need_id=message.need_id,
        now=now,
        key=str(message.id),
        data={"message_id": message.id},
    )


# Dedupe key of a relay_to_member row: "<kind>:<message>:<member>" (erasure
# finds a person's pending ones by it, core.services.people).
MEMBER_KEY = kinds.RELAY_TO_MEMBER.name


async def _to_members(
    session: AsyncSession, message: RelayMessage, now: datetime, writer: int | None = None
) -> None:
    """One outbox row per chat-linked member of the organisation (never the
    writer, should they be a member too) for a volunteer's message or another
    organisation's; the web inbox shows it in any case."""
    from core.services.org_notices import tell_members  # a sibling service

    await tell_members(
        session,
        message.organisation_id,
        kind=kinds.RELAY_TO_MEMBER.name,
        tenant_id=message.tenant_id,
        now=now,
        key=f"{MEMBER_KEY}:{message.id}",
        data={"message_id": message.id},
        skip=(message.person_id, writer),
    )
    await _mail_members(session, message, now, writer)


async def _mail_members(
    session: AsyncSession, message: RelayMessage, now: datetime, writer: int | None
) -> None:
    """One ``org_message`` mail per member of the organisation the bot cannot
    reach in a chat (a web account only), worded in that member's language
    (their linked chat's, else the tenant's), with the link to answer it.
    Not to the organisation's own address: that one gets the ``reply`` copy
    (``mail_queue.enqueue_reply``)."""
    from core.services.org_notices import members_without_chat  # a sibling service

    members = [
        m
        for m in await members_without_chat(session, message.organisation_id)
        if m.person_id is None or m.person_id not in (message.person_id, writer)
    ]
    if not members:
        return
    org = await session.get(Organisation, message.organisation_id)
    tenant = await session.get(Tenant, message.tenant_id)
    assert org is not None and tenant is not None
    own = (org.email or "").casefold()
    notice = await _member_notice(session, message)
    for member in members:
        if member.email.casefold() == own:
            continue
        mail_queue.enqueue(
            session,
            tenant_id=tenant.id,
            kind=mail_queue.ORG_MESSAGE,
            to=member.email,
            data={
                "volunteer": notice.volunteer,
                "organisation": notice.organisation,
                "about": notice.about,
                "body": notice.body,
                "path": f"/t/{tenant.slug}/org/inbox",
                "answer_path": f"/t/{tenant.slug}/org/inbox/{message.id}/answer",
            },
            now=now,
            language=member.language,
            person_id=message.person_id,
            organisation_id=org.id,
            account_id=member.account_id,
        )


async def _check_volunteer_cap(session: AsyncSession, person_id: int, now: datetime) -> None:
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


async def _check_org_cap(session: AsyncSession, organisation_id: int, now: datetime) -> None:
    """To volunteers and to other organisations, together."""
    sent_today = await session.scalar(
        select(func.count())
        .select_from(RelayMessage)
        .where(
            or_(
                and_(
                    RelayMessage.organisation_id == organisation_id,
                    RelayMessage.direction == RelayDirection.TO_VOLUNTEER,
                ),
                and_(
                    RelayMessage.from_organisation_id == organisation_id,
                    RelayMessage.direction == RelayDirection.BETWEEN_ORGS,
                ),
            ),
            RelayMessage.created_at > now - timedelta(days=1),
        )
    )
    if (sent_today or 0) >= MAX_ORG_MESSAGES_PER_DAY:
        raise TooManyReplies()


async def record_reply(
    db: Database,
    person_id: int,
    body: str,
    *,
    now: datetime,
    need_id: int | None = None,
    reply_to: int | None = None,
) -> int | None:
    """A volunteer's answer, written in their chat; the organisation's id,
    or None when there is nothing to answer (see ``reply``)."""
    sent = await reply(db, person_id, body, now=now, need_id=need_id, reply_to=reply_to)
    return sent.organisation_id if sent is not None else None


async def reply(
    db: Database,
    person_id: int,
    body: str,
    *,
    now: datetime,
    need_id: int | None = None,
    reply_to: int | None = None,
) -> Question | None:
    """A volunteer's answer, written in their chat. With ``reply_to`` (the
    message they pressed "Antworten" under) it goes to that message's
    organisation, threaded to it; without, to the organisation that last
    wrote to them (about ``need_id`` when given). None when there is
    nothing to answer."""
    body = body.strip()[:MAX_BODY]
    if not body:
        return None
    async with db.transaction() as session:
        await _check_volunteer_cap(session, person_id, now)
        if reply_to is not None:
            last = await session.get(RelayMessage, reply_to)
            if (
                last is None
                or last.person_id != person_id
                or last.direction != RelayDirection.TO_VOLUNTEER
            ):
                return None
        else:
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
        message = RelayMessage.incoming(
            tenant_id=last.tenant_id,
            organisation_id=last.organisation_id,
            person_id=person_id,
            answering=last,
            kind=last.thread_kind,
            body=body,
            now=now,
        )
        return await _from_volunteer(
            session, message, action="message_reply", subject=f"organisation:{last.organisation_id}"
        )


async def _from_volunteer(
    session: AsyncSession, message: RelayMessage, *, action: str, subject: str
) -> Question:
    """Stores a volunteer's message with everything that goes with it: the
    organisation's e-mail copy, one outbox row per chat-linked member and
    the audit line; returns what the volunteer's chat confirms."""
    session.add(message)
    await session.flush()
    await mail_queue.enqueue_reply(session, message, message.created_at)
    await _to_members(session, message, now=message.created_at)
    record(
        session,
        tenant_id=message.tenant_id,
        actor=f"person:{message.person_id}",
        action=action,
        subject=subject,
        at=message.created_at,
    )
    return await _question(session, message)


async def _to_volunteer_stored(
    session: AsyncSession, message: RelayMessage, *, actor: str, action: str, subject: str
) -> None:
    """Stores an organisation's message with its audit line and the
    volunteer's outbox row."""
    session.add(message)
    await session.flush()
    record(
        session,
        tenant_id=message.tenant_id,
        actor=actor,
        action=action,
        subject=subject,
        at=message.created_at,
    )
    await _to_volunteer(session, message, message.created_at)


def _writer(account_id: int | None, member_person_id: int | None = None) -> str:
    """The audit actor of an organisation's message: the web account, the
    member writing in chat, or the system."""
    if account_id:
        return f"account:{account_id}"
    if member_person_id:
        return f"person:{member_person_id}"
    return "system"


async def _question(session: AsyncSession, message: RelayMessage) -> Question:
    """What the volunteer's chat confirms of a message they sent."""
    org_name = await session.scalar(
        select(Organisation.name).where(Organisation.id == message.organisation_id)
    )
    return Question(
        message.id,
        message.organisation_id,
        org_name or "",
        message.need_id or 0,
        await _about(session, message),
        message.body,
    )


async def _about(session: AsyncSession, message: RelayMessage) -> str:
    """The title of what a message is about: its need, else its offer."""
    title = (
        await session.scalar(select(Need.title).where(Need.id == message.need_id))
        if message.need_id
        else None
    )
    if title is None and message.offer_id:
        title = await session.scalar(select(Offer.title).where(Offer.id == message.offer_id))
    return title or ""


# -- questions before signing up ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    """A volunteer's message to an organisation (a question, a reply, contact
    details passed on), stored with its outbox rows."""

    message_id: int
    organisation_id: int
    organisation: str
    need_id: int
    need_title: str  # the need's title, or the offer's
    body: str


async def ask_question(
    db: Database, person_id: int, need_id: int, body: str, *, now: datetime
) -> Question:
    """A volunteer asks the organisation of a published need a question,
    before (or without) signing up. Counts toward the volunteer's daily cap."""
    body = body.strip()
    if not body or len(body) > MAX_BODY:
        raise InvalidValue(field="body")
    async with db.transaction() as session:
        row = (
            await session.execute(
                select(Need, Organisation.name)
                .join(Organisation, Organisation.id == Need.organisation_id)
                .where(Need.id == need_id)
            )
        ).one_or_none()
        if row is None or row[0].status != NeedStatus.PUBLISHED or row[0].hidden:
            raise UnknownNeed()
        need, _ = row
        await _check_volunteer_cap(session, person_id, now)
        person = await session.get(Person, person_id)
        if person is None:
            raise NotAllowed()
        if not await may_see_tenant(session, person.tenant_id, need.tenant_id):
            raise UnknownNeed()  # a need this person's municipality does not show
        engagement_id = await session.scalar(
            select(Engagement.id).where(
                Engagement.need_id == need.id, Engagement.person_id == person_id
            )
        )
        message = RelayMessage.incoming(
            tenant_id=need.tenant_id,
            organisation_id=need.organisation_id,
            person_id=person_id,
            need_id=need.id,
            engagement_id=engagement_id,
            kind="question",
            body=body,
            now=now,
        )
        return await _from_volunteer(
            session, message, action="question_asked", subject=f"need:{need.id}"
        )


# -- the organisation answers ---------------------------------------------------


async def _outgoing(session: AsyncSession, message: RelayMessage) -> Outgoing:
    """An organisation's message as the volunteer's chat shows it: who wrote,
    about what, and the start of the message it answers."""
    org_name = await session.scalar(
        select(Organisation.name).where(Organisation.id == message.organisation_id)
    )
    need_title = (
        await session.scalar(select(Need.title).where(Need.id == message.need_id))
        if message.need_id
        else None
    )
    offer_title = (
        await session.scalar(select(Offer.title).where(Offer.id == message.offer_id))
        if message.offer_id
        else None
    )
    quote = (
        await session.scalar(
            select(RelayMessage.body).where(RelayMessage.id == message.reply_to_id)
        )
        if message.reply_to_id
        else None
    )
    return Outgoing(
        message.id,
        message.person_id or 0,
        org_name or "",
        need_title or "",
        message.body,
        kind=message.kind,
        in_reply_to=shorten(quote or ""),
        offer_title=offer_title or "",
    )


async def relay_notice(db: Database, message_id: int) -> Outgoing | None:
    """An organisation's message, worded at delivery (None once erased)."""
    async with db.sessions() as session:
        message = await session.get(RelayMessage, message_id)
        if message is None or message.direction != RelayDirection.TO_VOLUNTEER:
            return None
        return await _outgoing(session, message)


@dataclass(frozen=True, slots=True)
class MemberNotice:
    """A volunteer's message as an organisation's member sees it in chat."""

    message_id: int
    kind: str  # question | reply | contact
    organisation: str
    about: str
    volunteer: str  # the name they chose for organisations; "" when none
    body: str


async def member_notice(db: Database, message_id: int) -> MemberNotice | None:
    """A volunteer's message, worded at delivery (None once erased)."""
    async with db.sessions() as session:
        message = await session.get(RelayMessage, message_id)
        if message is None or message.direction == RelayDirection.TO_VOLUNTEER:
            return None
        return await _member_notice(session, message)


async def _member_notice(session: AsyncSession, message: RelayMessage) -> MemberNotice:
    """What a member reads of a message to the organisation: in chat, by e-mail."""
    org_name = await session.scalar(
        select(Organisation.name).where(Organisation.id == message.organisation_id)
    )
    between = message.direction == RelayDirection.BETWEEN_ORGS
    if between:  # the writing organisation's name
        name = await session.scalar(
            select(Organisation.name).where(Organisation.id == message.from_organisation_id)
        )
    elif message.person_id:
        name = await session.scalar(
            select(Person.display_name).where(Person.id == message.person_id)
        )
    else:
        name = None
    if between:
        kind = "org_offer" if message.reply_to_id is None else "org_reply"
    elif message.kind == "contact":
        kind = "contact"
    elif message.kind == "question" and message.reply_to_id is None:
        kind = "question"
    else:
        kind = "reply"
    return MemberNotice(
        message.id,
        kind,
        org_name or "",
        await _about(session, message),
        name or "",
        message.body,
    )


def shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE else text[: QUOTE - 1] + "…"


async def _may_write(
    session: AsyncSession, organisation_id: int, member_person_id: int | None
) -> Organisation:
    org = await session.get(Organisation, organisation_id)
    if org is None or org.suspended_at is not None:
        raise NotAllowed()
    if member_person_id is not None:
        member = await session.scalar(
            select(Membership.id).where(
                Membership.organisation_id == organisation_id,
                Membership.person_id == member_person_id,
            )
        )
        if member is None:
            raise NotAllowed()
    return org


async def answer(
    db: Database,
    organisation_id: int,
    message_id: int,
    body: str,
    *,
    now: datetime,
    account_id: int | None = None,
    member_person_id: int | None = None,
) -> Outgoing:
    """The organisation answers one of a volunteer's messages (a question, a
    reply, details passed on), threaded to it. On the web ``account_id``
    writes; in chat a member (``member_person_id``, checked)."""
    body = body.strip()
    if not body or len(body) > MAX_BODY:
        raise InvalidValue(field="body")
    async with db.transaction() as session:
        await _may_write(session, organisation_id, member_person_id)
        asked = await session.get(RelayMessage, message_id)
        if (
            asked is not None
            and asked.organisation_id == organisation_id
            and asked.direction == RelayDirection.BETWEEN_ORGS
            and asked.from_organisation_id is not None
        ):
            if asked.read_at is None:
                asked.read_at = now
            return await _to_organisation(
                session,
                organisation_id,
                asked.from_organisation_id,
                asked.offer_id,
                body,
                answering=asked,
                account_id=account_id,
                member_person_id=member_person_id,
                now=now,
            )
        if (
            asked is None
            or asked.organisation_id != organisation_id
            or asked.direction != RelayDirection.FROM_VOLUNTEER
            or asked.person_id is None
        ):
            raise NotAllowed()
        await _check_org_cap(session, organisation_id, now)
        message = RelayMessage(
            tenant_id=asked.tenant_id,
            organisation_id=organisation_id,
            need_id=asked.need_id,
            engagement_id=asked.engagement_id,
            offer_id=asked.offer_id,
            person_id=asked.person_id,
            direction=RelayDirection.TO_VOLUNTEER,
            kind=asked.thread_kind,
            reply_to_id=asked.id,
            body=body,
            author_account_id=account_id,
            created_at=now,
        )
        if asked.read_at is None:
            asked.read_at = now
        await _to_volunteer_stored(
            session,
            message,
            actor=_writer(account_id, member_person_id),
            action="message_relayed",
            subject=f"organisation:{organisation_id}",
        )
        return await _outgoing(session, message)


async def answer_offer(
    db: Database,
    organisation_id: int,
    offer_id: int,
    body: str,
    *,
    now: datetime,
    account_id: int | None = None,
    member_person_id: int | None = None,
) -> Outgoing:
    """The organisation writes to whoever posted an offer: the volunteer
    (nothing of theirs passes; they answer through the relay and choose
    whether to pass on a phone number or e-mail address), or another
    organisation (a company's van: its chat-linked members and its web inbox
    get the message, and their answer threads back)."""
    body = body.strip()
    if not body or len(body) > MAX_BODY:
        raise InvalidValue(field="body")
    async with db.transaction() as session:
        writer = await _may_write(session, organisation_id, member_person_id)
        offer = await session.get(Offer, offer_id)
        if offer is None or not offer.active:
            raise NotAllowed()
        if offer.person_id is None:
            if (
                offer.organisation_id is None
                or offer.organisation_id == organisation_id
                or not await may_see_tenant(session, writer.tenant_id, offer.tenant_id)
            ):
                raise NotAllowed()
            return await _to_organisation(
                session,
                organisation_id,
                offer.organisation_id,
                offer.id,
                body,
                answering=None,
                account_id=account_id,
                member_person_id=member_person_id,
                now=now,
            )
        await _check_org_cap(session, organisation_id, now)
        message = RelayMessage(
            tenant_id=offer.tenant_id,
            organisation_id=organisation_id,
            offer_id=offer.id,
            person_id=offer.person_id,
            direction=RelayDirection.TO_VOLUNTEER,
            kind="offer",
            body=body,
            author_account_id=account_id,
            created_at=now,
        )
        await _to_volunteer_stored(
            session,
            message,
            actor=_writer(account_id, member_person_id),
            action="offer_answered",
            subject=f"offer:{offer.id}",
        )
        return await _outgoing(session, message)


async def _to_organisation(
    session: AsyncSession,
    writer_id: int,
    recipient_id: int,
    offer_id: int | None,
    body: str,
    *,
    answering: RelayMessage | None,
    account_id: int | None,
    member_person_id: int | None,
    now: datetime,
) -> Outgoing:
    """Stores one organisation's message to another about an offer, with the
    recipient's e-mail copy, one outbox row per chat-linked member of it
    (never the writer) and the audit line."""
    recipient = await session.get(Organisation, recipient_id)
    if recipient is None or recipient.suspended_at is not None:
        raise NotAllowed()
    await _check_org_cap(session, writer_id, now)
    message = RelayMessage.incoming(
        tenant_id=recipient.tenant_id,
        organisation_id=recipient_id,
        from_organisation_id=writer_id,
        answering=answering,
        offer_id=offer_id,
        kind="offer",
        body=body,
        account_id=account_id,
        now=now,
    )
    session.add(message)
    await session.flush()
    await mail_queue.enqueue_reply(session, message, now)
    await _to_members(session, message, now, writer=member_person_id)
    record(
        session,
        tenant_id=message.tenant_id,
        actor=_writer(account_id, member_person_id),
        action="offer_answered" if answering is None else "message_relayed",
        subject=f"organisation:{recipient_id}",
        at=now,
    )
    writer_name = await session.scalar(
        select(Organisation.name).where(Organisation.id == writer_id)
    )
    offer_title = (
        await session.scalar(select(Offer.title).where(Offer.id == offer_id)) if offer_id else None
    )
    return Outgoing(
        message.id,
        0,
        writer_name or "",
        "",
        body,
        kind="offer",
        offer_title=offer_title or "",
        to_organisation=recipient.name,
    )


async def message_for_person(db: Database, person_id: int, message_id: int) -> Outgoing | None:
    """A message written to this person (to show again or answer), or None."""
    async with db.sessions() as session:
        message = await session.get(RelayMessage, message_id)
        if (
            message is None
            or message.person_id != person_id
            or message.direction != RelayDirection.TO_VOLUNTEER
        ):
            return None
        return await _outgoing(session, message)


# -- contact details, by the volunteer's choice only ------------------------------

PHONE = re.compile(r"^\+?[0-9][0-9 ()/.-]{4,22}[0-9]$")


def contact_kind(value: str) -> str:
    """ "email" or "phone" for a typed contact detail; InvalidValue otherwise."""
    value = value.strip()
    if is_email(value):
        return "email"
    if PHONE.match(value) and sum(c.isdigit() for c in value) >= 6:
        return "phone"
    raise InvalidValue(field="contact")


@dataclass(frozen=True, slots=True)
class ContactChoice:
    engagement_id: int
    need_title: str
    organisation: str
    shared: bool


async def contact_choices(db: Database, person_id: int) -> list[ContactChoice]:
    """The person's current engagements and whether each organisation has
    their contact details."""
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Engagement.id, Need.title, Organisation.name, Engagement.contact_shared)
                .join(Need, Need.id == Engagement.need_id)
                .join(Organisation, Organisation.id == Need.organisation_id)
                .where(
                    Engagement.person_id == person_id,
                    Engagement.status.in_((*ACTIVE_STATUSES, EngagementStatus.DONE)),
                )
                .order_by(Engagement.id)
            )
        ).all()
    return [ContactChoice(int(i), str(t), str(o), bool(s)) for i, t, o, s in rows]


async def share_contact(
    db: Database, person_id: int, engagement_id: int, value: str, *, now: datetime
) -> str:
    """The volunteer passes a phone number or e-mail address to the
    organisation of this one engagement (the organisation's sign-up list
    shows it). Returns the kind of detail."""
    kind = contact_kind(value)
    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None or engagement.person_id != person_id:
            raise UnknownEngagement(engagement_id=engagement_id)
        person = await session.get(Person, person_id)
        assert person is not None
        if kind == "email":
            person.email = value.strip()
        else:
            person.phone = value.strip()
        engagement.contact_shared = True
        engagement.updated_at = now
        need = await session.get(Need, engagement.need_id)
        record(
            session,
            tenant_id=need.tenant_id if need else person.tenant_id,
            actor=f"person:{person_id}",
            action="contact_shared",
            subject=f"engagement:{engagement_id}",
            at=now,
        )
    return kind


async def revoke_contact(
    db: Database, person_id: int, engagement_id: int, *, now: datetime
) -> None:
    """The organisation of this engagement no longer sees the details; when no
    other engagement shares them, they are deleted."""
    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None or engagement.person_id != person_id:
            raise UnknownEngagement(engagement_id=engagement_id)
        engagement.contact_shared = False
        engagement.updated_at = now
        await session.flush()
        others = await session.scalar(
            select(func.count())
            .select_from(Engagement)
            .where(Engagement.person_id == person_id, Engagement.contact_shared.is_(True))
        )
        person = await session.get(Person, person_id)
        assert person is not None
        if not others:
            person.email = None
            person.phone = None
        need = await session.get(Need, engagement.need_id)
        record(
            session,
            tenant_id=need.tenant_id if need else person.tenant_id,
            actor=f"person:{person_id}",
            action="contact_revoked",
            subject=f"engagement:{engagement_id}",
            at=now,
        )


async def share_contact_for_offer(
    db: Database, person_id: int, message_id: int, value: str, *, now: datetime
) -> Question:
    """The volunteer who offered chose to give the organisation that answered
    their offer (message ``message_id``) a phone number or e-mail address:
    it goes as a relayed message, threaded to the organisation's."""
    contact_kind(value)
    async with db.transaction() as session:
        await _check_volunteer_cap(session, person_id, now)
        asked = await session.get(RelayMessage, message_id)
        if (
            asked is None
            or asked.person_id != person_id
            or asked.direction != RelayDirection.TO_VOLUNTEER
            or asked.offer_id is None
        ):
            raise NotAllowed()
        message = RelayMessage.incoming(
            tenant_id=asked.tenant_id,
            organisation_id=asked.organisation_id,
            person_id=person_id,
            answering=asked,
            kind="contact",
            body=value.strip(),
            now=now,
        )
        return await _from_volunteer(
            session, message, action="contact_shared", subject=f"offer:{asked.offer_id}"
        )


async def organisations_of_member(db: Database, person_id: int) -> list[int]:
    async with db.sessions() as session:
        ids = (
            await session.scalars(
                select(Membership.organisation_id).where(
                    Membership.person_id == person_id, Membership.organisation_id.is_not(None)
                )
            )
        ).all()
    return [int(i) for i in ids if i is not None]


@dataclass(frozen=True, slots=True)
class ThreadItem:
    id: int
    from_volunteer: bool
    kind: str
    body: str
    reply_to_id: int | None


async def message_to_org(db: Database, organisation_id: int, message_id: int) -> ThreadItem | None:
    """A volunteer's message to this organisation (for an answer form)."""
    async with db.sessions() as session:
        m = await session.get(RelayMessage, message_id)
    if m is None or m.organisation_id != organisation_id or m.direction not in _INCOMING:
        return None
    return ThreadItem(m.id, True, m.kind, m.body, m.reply_to_id)


# Directions of the messages an organisation receives (``organisation_id``).
_INCOMING = (RelayDirection.FROM_VOLUNTEER, RelayDirection.BETWEEN_ORGS)


def _incoming_to(organisation_id: int) -> ColumnElement[bool]:
    return and_(
        RelayMessage.organisation_id == organisation_id,
        RelayMessage.direction.in_(_INCOMING),
    )


async def inbox(db: Database, organisation_id: int, *, limit: int = 100) -> list[InboxItem]:
    """The organisation's messages both ways: with volunteers, and with other
    organisations about offers (``volunteer`` then names the other one)."""
    to_org = aliased(Organisation)
    from_org = aliased(Organisation)
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(RelayMessage, Need.title, Person.display_name, to_org.name, from_org.name)
                .outerjoin(Need, Need.id == RelayMessage.need_id)
                .outerjoin(Person, Person.id == RelayMessage.person_id)
                .outerjoin(to_org, to_org.id == RelayMessage.organisation_id)
                .outerjoin(from_org, from_org.id == RelayMessage.from_organisation_id)
                .where(
                    or_(
                        RelayMessage.organisation_id == organisation_id,
                        RelayMessage.from_organisation_id == organisation_id,
                    )
                )
                .order_by(RelayMessage.created_at.desc(), RelayMessage.id.desc())
                .limit(limit)
            )
        ).all()
    items: list[InboxItem] = []
    for m, title, name, to_name, from_name in rows:
        incoming = m.organisation_id == organisation_id and m.direction in _INCOMING
        if m.direction == RelayDirection.BETWEEN_ORGS:
            name = from_name if incoming else to_name
        items.append(
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
                m.kind,
                m.reply_to_id,
                m.offer_id,
                incoming=incoming,
            )
        )
    return items


async def mark_read(db: Database, organisation_id: int, now: datetime) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(RelayMessage)
            .where(_incoming_to(organisation_id), RelayMessage.read_at.is_(None))
            .values(read_at=now)
        )


async def unread_count(db: Database, organisation_id: int) -> int:
    from sqlalchemy import func

    async with db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(RelayMessage)
                .where(_incoming_to(organisation_id), RelayMessage.read_at.is_(None))
            )
            or 0
        )

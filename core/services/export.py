"""DSGVO Art. 15/20: everything stored about a person, as plain JSON values:
the person, identities, profile, engagements, memberships, reminders,
conversation states, web chat transcripts, relayed messages, offers, needs
they posted, a linked web account (without its password hash), the audit
events that name them, hours per date and issued certificates, and when
their private calendar link was made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from core.db import Database
from core.models import (
    Account,
    AuditEvent,
    CalendarLink,
    ChatEmail,
    ConversationState,
    Engagement,
    Identity,
    Membership,
    Need,
    Offer,
    Person,
    RelayMessage,
    Reminder,
    Tenant,
    VolunteerProfile,
    WebChatLine,
)
from core.services.feedback import feedback_of


def _plain(row: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in skip:
            continue
        value = getattr(row, column.key)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif hasattr(value, "value"):  # enums
            value = value.value
        out[column.key] = value
    return out


async def export_person(db: Database, person_id: int) -> dict[str, Any]:
    async with db.sessions() as session:
        person = await session.get(Person, person_id)
        if person is None:
            return {}
        identities = (
            await session.scalars(select(Identity).where(Identity.person_id == person_id))
        ).all()
        profile = await session.get(VolunteerProfile, person_id)
        engagements = (
            await session.execute(
                select(Engagement, Need.title)
                .join(Need, Need.id == Engagement.need_id)
                .where(Engagement.person_id == person_id)
            )
        ).all()
        memberships = (
            await session.scalars(select(Membership).where(Membership.person_id == person_id))
        ).all()
        reminders = (
            await session.scalars(select(Reminder).where(Reminder.person_id == person_id))
        ).all()
        keys = [i.key for i in identities]
        slug = await session.scalar(select(Tenant.slug).where(Tenant.id == person.tenant_id))
        states = (
            await session.scalars(
                select(ConversationState).where(
                    ConversationState.identity.in_(keys), ConversationState.tenant_slug == slug
                )
            )
        ).all()
        lines = (
            await session.scalars(
                select(WebChatLine)
                .where(WebChatLine.identity.in_(keys), WebChatLine.tenant_slug == slug)
                .order_by(WebChatLine.id)
            )
        ).all()
        relayed = (
            await session.scalars(
                select(RelayMessage)
                .where(RelayMessage.person_id == person_id)
                .order_by(RelayMessage.id)
            )
        ).all()
        offers = (
            await session.scalars(
                select(Offer).where(Offer.person_id == person_id).order_by(Offer.id)
            )
        ).all()
        posted = (
            await session.scalars(
                select(Need).where(Need.created_by_person_id == person_id).order_by(Need.id)
            )
        ).all()
        linked = (
            await session.scalars(select(Account).where(Account.person_id == person_id))
        ).all()
        chat_mails = (
            await session.scalars(select(ChatEmail).where(ChatEmail.person_id == person_id))
        ).all()
        feedback = await feedback_of(session, person_id)
        calendar_links = (
            await session.scalars(select(CalendarLink).where(CalendarLink.person_id == person_id))
        ).all()
        named = f"person:{person_id}"
        audited = (
            await session.scalars(
                select(AuditEvent)
                .where(or_(AuditEvent.actor == named, AuditEvent.subject == named))
                .order_by(AuditEvent.id)
            )
        ).all()
    return {
        "person": _plain(person),
        "identities": [_plain(i) for i in identities],
        "profile": _plain(profile) if profile else None,
        "engagements": [{**_plain(e), "need_title": title} for e, title in engagements],
        "memberships": [_plain(m) for m in memberships],
        "reminders": [_plain(r) for r in reminders],
        "conversations": [_plain(s) for s in states],
        "web_chat": [
            {
                **_plain(line, skip=("attachments",)),
                "attachments": [a.get("filename") for a in line.attachments or []],
            }
            for line in lines
        ],
        "relay_messages": [_plain(m) for m in relayed],
        "offers": [_plain(o) for o in offers],
        "needs_posted": [_plain(n) for n in posted],
        "accounts": [_plain(a, skip=("password_hash",)) for a in linked],
        "audit_events": [_plain(e) for e in audited],
        "chat_email": [_plain(c, skip=("confirm_hash", "stop_token")) for c in chat_mails],
        "feedback": feedback,
        # The private calendar link: when it was made, never its token (kept hashed).
        "calendar_link": [_plain(c, skip=("token_hash",)) for c in calendar_links],
        **await _hours_of(db, person_id),
    }


async def _hours_of(db: Database, person_id: int) -> dict[str, Any]:
    """Hours per date and issued certificates (issue 14.5)."""
    from core.models import HoursCertificate, HoursEntry

    def dated(row: Any) -> dict[str, Any]:
        plain = _plain(row)
        return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in plain.items()}

    async with db.sessions() as session:
        entries = (
            await session.scalars(
                select(HoursEntry)
                .join(Engagement, Engagement.id == HoursEntry.engagement_id)
                .where(Engagement.person_id == person_id)
                .order_by(HoursEntry.day, HoursEntry.id)
            )
        ).all()
        certificates = (
            await session.scalars(
                select(HoursCertificate)
                .where(HoursCertificate.person_id == person_id)
                .order_by(HoursCertificate.id)
            )
        ).all()
    return {
        "hours": [dated(e) for e in entries],
        "certificates": [dated(c) for c in certificates],
    }

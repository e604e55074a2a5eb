"""People and their channel identities. A person exists only with consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from core.db import Database
from core.errors import ConsentRequired
from core.models import (
    ConversationState,
    Engagement,
    Identity,
    Membership,
    Person,
    RelayMessage,
    Reminder,
    Tenant,
    WebChatLine,
)
from core.services.audit import record


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: int
    tenant_id: int
    language: str
    display_name: str | None
    consent_version: str | None


async def person_for_identity(db: Database, identity: str) -> PersonRef | None:
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Person)
                .join(Identity, Identity.person_id == Person.id)
                .where(Identity.key == identity)
            )
        ).scalar_one_or_none()
    return _ref(row) if row else None


def _ref(p: Person) -> PersonRef:
    return PersonRef(p.id, p.tenant_id, p.language, p.display_name, p.consent_version)


async def register_with_consent(
    db: Database,
    *,
    tenant_slug: str,
    identity: str,
    consent_version: str,
    language: str,
    now: datetime,
    display_name: str | None = None,
) -> PersonRef:
    """Create the person and identity when they consent (or renew the consent)."""
    if not consent_version:
        raise ConsentRequired()
    async with db.transaction() as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == tenant_slug))
        assert tenant_id is not None, f"tenant {tenant_slug} not synced"
        existing = (
            await session.execute(
                select(Person)
                .join(Identity, Identity.person_id == Person.id)
                .where(Identity.key == identity)
            )
        ).scalar_one_or_none()
        if existing is not None:
            existing.consent_version, existing.consented_at = consent_version, now
            existing.language, existing.last_active_at = language, now
            return _ref(existing)
        person = Person(
            tenant_id=tenant_id,
            language=language,
            display_name=display_name,
            consent_version=consent_version,
            consented_at=now,
            created_at=now,
            last_active_at=now,
        )
        session.add(person)
        await session.flush()
        session.add(
            Identity(
                key=identity,
                channel=identity.split(":", 1)[0],
                person_id=person.id,
                tenant_id=tenant_id,
                created_at=now,
            )
        )
        record(
            session,
            tenant_id=tenant_id,
            actor=f"person:{person.id}",
            action="consent",
            subject=f"person:{person.id}",
            at=now,
            data={"version": consent_version},
        )
        return _ref(person)


async def set_language(db: Database, person_id: int, language: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Person).where(Person.id == person_id).values(language=language)
        )


async def touch(db: Database, person_id: int, now: datetime) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Person).where(Person.id == person_id).values(last_active_at=now)
        )


async def mark_unreachable(db: Database, identity: str, now: datetime) -> None:
    """The platform says this identity cannot be reached (blocked the bot)."""
    async with db.transaction() as session:
        await session.execute(
            update(Identity).where(Identity.key == identity).values(unreachable_at=now)
        )


async def mark_reachable(db: Database, identity: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Identity)
            .where(Identity.key == identity, Identity.unreachable_at.is_not(None))
            .values(unreachable_at=None)
        )


async def identities_of(db: Database, person_id: int) -> list[tuple[str, bool]]:
    """(identity, reachable) of a person, oldest first."""
    async with db.sessions() as session:
        rows = await session.execute(
            select(Identity.key, Identity.unreachable_at)
            .where(Identity.person_id == person_id)
            .order_by(Identity.id)
        )
        return [(key, unreachable is None) for key, unreachable in rows.all()]


async def delete_person(db: Database, person_id: int, now: datetime) -> None:
    """DSGVO erasure: the person, identities, profile, memberships, pending
    reminders, conversation states, web chat transcripts and relayed messages
    go; their engagements stay as anonymous counts for the organisation
    (person unlinked, still-open places freed, the waitlist moved up)."""
    from core.services.signup import release_places_of  # a verb of signup, used here

    async with db.transaction() as session:
        tenant_id = await session.scalar(select(Person.tenant_id).where(Person.id == person_id))
        if tenant_id is None:
            return
        keys = list(
            await session.scalars(select(Identity.key).where(Identity.person_id == person_id))
        )
        await release_places_of(session, person_id, now)
        await session.execute(delete(Reminder).where(Reminder.person_id == person_id))
        await session.execute(
            update(Engagement).where(Engagement.person_id == person_id).values(person_id=None)
        )
        await session.execute(delete(RelayMessage).where(RelayMessage.person_id == person_id))
        await session.execute(delete(WebChatLine).where(WebChatLine.identity.in_(keys)))
        await session.execute(delete(ConversationState).where(ConversationState.identity.in_(keys)))
        await session.execute(delete(Membership).where(Membership.person_id == person_id))
        await session.execute(delete(Identity).where(Identity.person_id == person_id))
        await session.execute(delete(Person).where(Person.id == person_id))
        record(
            session,
            tenant_id=tenant_id,
            actor="system",
            action="person_deleted",
            subject="person",
            at=now,
        )

"""People and their channel identities. A person exists only with consent.

People are per tenant (each municipality is its own controller): an identity
key such as ``telegram:<id>`` is looked up together with the tenant, and the
same key in another tenant is another person. Identities are never linked
across tenants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import ConsentRequired
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
    RelayDirection,
    RelayMessage,
    Reminder,
    ReminderStatus,
    Tenant,
    VolunteerProfile,
    WebChatLine,
)
from core.reminders import kinds
from core.services.audit import audit_row, record
from core.services.privacy import PersonalFiles, Traces, erase_files


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: int
    tenant_id: int
    language: str
    display_name: str | None
    consent_version: str | None


async def person_for_identity(db: Database, identity: str, tenant_slug: str) -> PersonRef | None:
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Person)
                .join(Identity, Identity.person_id == Person.id)
                .join(Tenant, Tenant.id == Identity.tenant_id)
                .where(Identity.key == identity, Tenant.slug == tenant_slug)
            )
        ).scalar_one_or_none()
    return _ref(row) if row else None


def _ref(p: Person) -> PersonRef:
    return PersonRef(p.id, p.tenant_id, p.language, p.display_name, p.consent_version)


# The tenant and, when the identity has one, its person: one statement.
_TENANT_AND_PERSON = (
    select(Tenant.id, Person.id, Person.tenant_id, Person.display_name)
    .select_from(Tenant)
    .outerjoin(
        Identity, (Identity.key == bindparam("identity")) & (Identity.tenant_id == Tenant.id)
    )
    .outerjoin(Person, Person.id == Identity.person_id)
    .where(Tenant.slug == bindparam("slug"))
)
_RENEW = (
    update(Person)
    .where(Person.id == bindparam("p_id"))
    .values(
        consent_version=bindparam("p_version"),
        consented_at=bindparam("p_now", type_=Person.consented_at.type),
        language=bindparam("p_language"),
        last_active_at=bindparam("p_now", type_=Person.last_active_at.type),
    )
)


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
    # Core statements in one transaction: this runs in the first minute of
    # every conversation.
    async with db.engine.begin() as conn:
        found = (
            await conn.execute(_TENANT_AND_PERSON, {"identity": identity, "slug": tenant_slug})
        ).first()
        assert found is not None, f"tenant {tenant_slug} not synced"
        tenant_id, person_id, person_tenant, name = found
        if person_id is not None:
            await conn.execute(
                _RENEW,
                {"p_id": person_id, "p_version": consent_version, "p_now": now,
                 "p_language": language},
            )  # fmt: skip
            return PersonRef(person_id, person_tenant, language, name, consent_version)
        person_id = (
            await conn.execute(
                insert(Person),
                {
                    "tenant_id": tenant_id,
                    "language": language,
                    "display_name": display_name,
                    "consent_version": consent_version,
                    "consented_at": now,
                    "created_at": now,
                    "last_active_at": now,
                },
            )
        ).inserted_primary_key[0]
        await conn.execute(
            insert(Identity),
            {
                "key": identity,
                "channel": identity.split(":", 1)[0],
                "person_id": person_id,
                "tenant_id": tenant_id,
                "created_at": now,
            },
        )
        await conn.execute(
            insert(AuditEvent),
            audit_row(
                tenant_id=tenant_id,
                actor=f"person:{person_id}",
                action="consent",
                subject=f"person:{person_id}",
                at=now,
                data={"version": consent_version},
            ),
        )
    return PersonRef(person_id, tenant_id, language, display_name, consent_version)


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


def _tenant_id(slug: str) -> Any:
    return select(Tenant.id).where(Tenant.slug == slug).scalar_subquery()


async def mark_unreachable(db: Database, identity: str, tenant_slug: str, now: datetime) -> None:
    """The platform says this identity cannot be reached by this tenant's bot
    (blocked it)."""
    async with db.transaction() as session:
        await session.execute(
            update(Identity)
            .where(Identity.key == identity, Identity.tenant_id == _tenant_id(tenant_slug))
            .values(unreachable_at=now)
        )


async def mark_reachable(db: Database, identity: str, tenant_slug: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Identity)
            .where(
                Identity.key == identity,
                Identity.tenant_id == _tenant_id(tenant_slug),
                Identity.unreachable_at.is_not(None),
            )
            .values(unreachable_at=None)
        )


async def tenant_of_person(db: Database, person_id: int) -> str | None:
    """The slug of the tenant the person belongs to."""
    async with db.sessions() as session:
        return await session.scalar(
            select(Tenant.slug)
            .join(Person, Person.tenant_id == Tenant.id)
            .where(Person.id == person_id)
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


async def _drop_member_notices(session: AsyncSession, person_id: int) -> None:
    """Pending ``relay_to_member`` rows about this person's messages (their
    dedupe key is ``relay_to_member:<message>:<member>``)."""
    prefix = kinds.RELAY_TO_MEMBER.name
    ids = list(
        await session.scalars(
            select(RelayMessage.id).where(
                RelayMessage.person_id == person_id,
                RelayMessage.direction == RelayDirection.FROM_VOLUNTEER,
            )
        )
    )
    for start in range(0, len(ids), 200):
        keys = [Reminder.dedupe_key.like(f"{prefix}:{i}:%") for i in ids[start : start + 200]]
        await session.execute(
            delete(Reminder).where(
                Reminder.kind == kinds.RELAY_TO_MEMBER.name,
                Reminder.status == ReminderStatus.PENDING,
                or_(*keys),
            )
        )


async def delete_person(
    db: Database, person_id: int, now: datetime, files: PersonalFiles | None = None
) -> None:
    """DSGVO erasure: the person, identities, profile, memberships, a linked
    web account, the private calendar link, offers, pending reminders, conversation states, web chat
    transcripts and relayed messages go; feedback they sent is anonymised; audit events keep what happened but
    no longer say to whom; needs they posted stay the organisation's, without
    them. Their engagements stay as anonymous counts for the organisation
    (person unlinked, still-open places freed, the waitlist moved up). With
    ``files``, the Matrix store entries and outbox mails about them go too."""
    from core.services.feedback import anonymise_feedback_of
    from core.services.signup import release_places_of  # a verb of signup, used here

    async with db.transaction() as session:
        found = (
            await session.execute(
                select(Person.tenant_id, Tenant.slug, Person.display_name, Person.email,
                       Person.phone)
                .join(Tenant, Tenant.id == Person.tenant_id)
                .where(Person.id == person_id)
            )
        ).first()  # fmt: skip
        if found is None:
            return
        tenant_id, slug, name, mail, phone = found
        keys = list(
            await session.scalars(select(Identity.key).where(Identity.person_id == person_id))
        )
        written = (
            await session.scalars(
                select(RelayMessage.body).where(
                    RelayMessage.person_id == person_id,
                    RelayMessage.direction == RelayDirection.FROM_VOLUNTEER,
                )
            )
        ).all()
        chat_mail = await session.scalar(
            select(ChatEmail.address).where(ChatEmail.person_id == person_id)
        )
        await session.execute(delete(ChatEmail).where(ChatEmail.person_id == person_id))
        # The private calendar link: its feed would show nothing, and the row is theirs.
        await session.execute(delete(CalendarLink).where(CalendarLink.person_id == person_id))
        await release_places_of(session, person_id, now)
        await session.execute(delete(Reminder).where(Reminder.person_id == person_id))
        await session.execute(
            update(Engagement).where(Engagement.person_id == person_id).values(person_id=None)
        )
        # Their questions, replies and passed-on contacts not yet shown to an
        # organisation's members go with the messages (issue 14).
        await _drop_member_notices(session, person_id)
        await session.execute(delete(RelayMessage).where(RelayMessage.person_id == person_id))
        await anonymise_feedback_of(session, person_id, now)  # the count stays, not the text
        await session.execute(
            delete(WebChatLine).where(
                WebChatLine.identity.in_(keys), WebChatLine.tenant_slug == slug
            )
        )
        await session.execute(
            delete(ConversationState).where(
                ConversationState.identity.in_(keys), ConversationState.tenant_slug == slug
            )
        )
        await session.execute(delete(Membership).where(Membership.person_id == person_id))
        await session.execute(delete(Offer).where(Offer.person_id == person_id))
        await session.execute(
            update(Need)
            .where(Need.created_by_person_id == person_id)
            .values(created_by_person_id=None)
        )
        await session.execute(delete(Account).where(Account.person_id == person_id))
        named = f"person:{person_id}"
        for column in (AuditEvent.actor, AuditEvent.subject):
            await session.execute(
                update(AuditEvent).where(column == named).values({column.key: "person"})
            )
        await session.execute(
            delete(VolunteerProfile).where(VolunteerProfile.person_id == person_id)
        )
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
    if files is not None:
        await erase_files(
            files,
            Traces(
                slug,
                tuple(keys),
                writings=tuple((body, name) for body in written),
                contacts=tuple(c for c in (mail, phone, chat_mail) if c),
            ),
        )

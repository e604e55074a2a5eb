"""Retention (DSGVO): people inactive for the tenant's ``retention_months``
are deleted; ``WARNING_BEFORE`` earlier they are told and can keep their data
by writing to the bot (any message counts as activity).

Besides people, housekeeping purges:
* conversation states and web chat transcripts of identities that never
  consented (every visit of the web chat makes both), ``UNCONSENTED_KEEP``
  after their last message;
* organisation accounts unused for their tenant's retention period (editors'
  accounts excepted), organisations left without any member and unused as
  long, and relayed messages older than it;
* rate-limit hits older than ``RATE_LIMIT_KEEP`` (longer than any window);
* web-chat e-mail addresses never confirmed, once their link expired
  (``core.services.chat_email``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.db import Database
from core.models import (
    Account,
    AuditEvent,
    ConversationState,
    Identity,
    Membership,
    Need,
    Organisation,
    Person,
    RateLimitHit,
    RelayMessage,
    Role,
    Tenant,
    WebChatLine,
)
from core.reminders import kinds
from core.reminders.planning import add_reminder
from core.services.people import delete_person
from core.services.privacy import PersonalFiles

WARNING_BEFORE = timedelta(days=14)
MONTH = timedelta(days=30)
UNCONSENTED_KEEP = timedelta(days=7)
RATE_LIMIT_KEEP = timedelta(days=1)


def deadline(last_active_at: datetime, months: int) -> datetime:
    return last_active_at + months * MONTH


async def warn_inactive(db: Database, now: datetime) -> int:
    """A warning to everyone whose deletion is due within ``WARNING_BEFORE``
    (once per period of inactivity); returns how many were planned."""
    planned = 0
    async with db.transaction() as session:
        tenants = (await session.execute(select(Tenant.id, Tenant.retention_months))).all()
        for tenant_id, months in tenants:
            cutoff = now - months * MONTH + WARNING_BEFORE
            rows = (
                await session.execute(
                    select(Person.id, Person.last_active_at).where(
                        Person.tenant_id == tenant_id, Person.last_active_at <= cutoff
                    )
                )
            ).all()
            for person_id, active in rows:
                delete_on = deadline(active, months)
                await add_reminder(
                    session,
                    kind=kinds.RETENTION_WARNING.name,
                    tenant_id=tenant_id,
                    due_at=now,
                    now=now,
                    person_id=person_id,
                    dedupe_key=f"retention:{person_id}:{active.strftime('%Y%m%d%H%M')}",
                    data={"delete_on": delete_on.isoformat()},
                )
                planned += 1
    return planned


async def erase_inactive(db: Database, now: datetime, files: PersonalFiles | None = None) -> int:
    """Delete everyone inactive beyond their tenant's retention period."""
    async with db.sessions() as session:
        tenants = (await session.execute(select(Tenant.id, Tenant.retention_months))).all()
        doomed = [
            person_id
            for tenant_id, months in tenants
            for person_id in (
                await session.scalars(
                    select(Person.id).where(
                        Person.tenant_id == tenant_id,
                        Person.last_active_at <= now - months * MONTH,
                    )
                )
            ).all()
        ]
    for person_id in doomed:
        await delete_person(db, person_id, now, files)
    return len(doomed)


def _has_person(key: object, slug: object) -> object:
    """An identity of a (consented) person with this key in this tenant."""
    return (
        select(Identity.id)
        .join(Tenant, Tenant.id == Identity.tenant_id)
        .where(Identity.key == key, Tenant.slug == slug)
        .exists()
    )


async def purge_unconsented(db: Database, now: datetime) -> int:
    """States and web chat lines of identities without a person, quiet for
    ``UNCONSENTED_KEEP``; returns how many rows went."""
    cutoff = now - UNCONSENTED_KEEP
    async with db.transaction() as session:
        states = await session.execute(
            delete(ConversationState).where(
                ConversationState.updated_at <= cutoff,
                ~_has_person(ConversationState.identity, ConversationState.tenant_slug),
            )
        )
        recent = aliased(WebChatLine)
        lines = await session.execute(
            delete(WebChatLine).where(
                ~_has_person(WebChatLine.identity, WebChatLine.tenant_slug),
                ~select(recent.id)
                .where(
                    recent.identity == WebChatLine.identity,
                    recent.tenant_slug == WebChatLine.tenant_slug,
                    recent.created_at > cutoff,
                )
                .exists(),
            )
        )
    return int(states.rowcount or 0) + int(lines.rowcount or 0)


async def purge_rate_limits(db: Database, now: datetime) -> int:
    async with db.transaction() as session:
        result = await session.execute(
            delete(RateLimitHit).where(RateLimitHit.at < now - RATE_LIMIT_KEEP)
        )
    return int(result.rowcount or 0)


async def purge_organisations(db: Database, now: datetime) -> int:
    """Unused organisation accounts, organisations nobody is left to run, and
    old relayed messages, each after its tenant's retention period; returns
    how many accounts and organisations went."""
    gone = 0
    async with db.transaction() as session:
        months = dict((await session.execute(select(Tenant.id, Tenant.retention_months))).all())
        if not months:
            return 0
        shortest = min(months.values())
        for tenant_id, period in months.items():
            await session.execute(
                delete(RelayMessage).where(
                    RelayMessage.tenant_id == tenant_id,
                    RelayMessage.created_at <= now - period * MONTH,
                )
            )
        staff = aliased(Membership)
        accounts = (
            await session.execute(
                select(
                    Account.id,
                    func.coalesce(Account.last_active_at, Account.created_at),
                    func.min(Membership.tenant_id),
                    func.max(Membership.tenant_id),
                )
                .outerjoin(Membership, Membership.account_id == Account.id)
                .where(
                    ~select(staff.id)
                    .where(
                        staff.account_id == Account.id,
                        staff.organisation_id.is_(None),
                        staff.role.in_((Role.EDITOR, Role.ADMIN)),
                    )
                    .exists()
                )
                .group_by(Account.id, Account.last_active_at, Account.created_at)
            )
        ).all()
        for account_id, active, low, high in accounts:
            period = min(months.get(low, shortest), months.get(high, shortest))
            if _as_utc(active) > now - period * MONTH:
                continue
            await session.execute(delete(Membership).where(Membership.account_id == account_id))
            await session.execute(delete(Account).where(Account.id == account_id))
            await _forget_actor(session, f"account:{account_id}")
            gone += 1
        await session.flush()
        orphans = (
            await session.execute(
                select(Organisation.id, Organisation.tenant_id, Organisation.created_at).where(
                    ~exists().where(Membership.organisation_id == Organisation.id)
                )
            )
        ).all()
        for org_id, tenant_id, created in orphans:
            cutoff = now - months.get(tenant_id, shortest) * MONTH
            busy = await session.scalar(
                select(func.count())
                .select_from(Need)
                .where(Need.organisation_id == org_id, Need.updated_at > cutoff)
            )
            if busy or _as_utc(created) > cutoff:
                continue
            await session.execute(delete(Organisation).where(Organisation.id == org_id))
            gone += 1
    return gone


async def _forget_actor(session: AsyncSession, named: str) -> None:
    """Audit events keep what happened, not who: ``account:3`` becomes ``account``."""
    for column in (AuditEvent.actor, AuditEvent.subject):
        await session.execute(
            update(AuditEvent).where(column == named).values({column.key: named.split(":")[0]})
        )


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

"""Retention (DSGVO): people inactive for the tenant's ``retention_months``
are deleted; ``WARNING_BEFORE`` earlier they are told and can keep their data
by writing to the bot (any message counts as activity)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.db import Database
from core.models import Person, Tenant
from core.reminders import kinds
from core.reminders.planning import add_reminder
from core.services.people import delete_person

WARNING_BEFORE = timedelta(days=14)
MONTH = timedelta(days=30)


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


async def erase_inactive(db: Database, now: datetime) -> int:
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
        await delete_person(db, person_id, now)
    return len(doomed)

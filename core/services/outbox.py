"""What the service will send on its own, and when (``ehrenamt reminders
list``): the pending rows of the outbox, as plain values with ids only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.db import Database
from core.models import Reminder, ReminderStatus, Tenant


@dataclass(frozen=True, slots=True)
class PendingReminder:
    id: int
    kind: str
    tenant_slug: str
    due_at: datetime
    person_id: int | None
    organisation_id: int | None
    need_id: int | None


async def pending_reminders(
    db: Database, now: datetime, *, due_only: bool = False
) -> list[PendingReminder]:
    """Pending rows, soonest first (``due_only``: those due at ``now``)."""
    q = (
        select(
            Reminder.id,
            Reminder.kind,
            Tenant.slug,
            Reminder.due_at,
            Reminder.person_id,
            Reminder.organisation_id,
            Reminder.need_id,
        )
        .join(Tenant, Tenant.id == Reminder.tenant_id)
        .where(Reminder.status == ReminderStatus.PENDING)
        .order_by(Reminder.due_at, Reminder.id)
    )
    if due_only:
        q = q.where(Reminder.due_at <= now)
    async with db.sessions() as session:
        rows = (await session.execute(q)).all()
    return [PendingReminder(*row) for row in rows]


__all__ = ["PendingReminder", "pending_reminders"]

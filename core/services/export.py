"""DSGVO Art. 15/20: everything stored about a person, as plain JSON values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.db import Database
from core.models import (
    ConversationState,
    Engagement,
    Identity,
    Membership,
    Need,
    Person,
    Reminder,
    Tenant,
    VolunteerProfile,
)


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
        states = (
            await session.scalars(
                select(ConversationState).where(
                    ConversationState.identity.in_(keys),
                    ConversationState.tenant_slug
                    == select(Tenant.slug).where(Tenant.id == person.tenant_id).scalar_subquery(),
                )
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
    }

"""A person's private calendar subscription (issue 14.6).

``/t/<tenant>/me/calendar/<token>.ics`` carries all the person's
engagements: what lies ahead, what was done, and (a while) what they left
or the organisation cancelled, as ``STATUS:CANCELLED`` so a subscribed
calendar drops it. Each entry has the need's UID (``core.calendar.need_uid``,
the same as the file the chat hands out) and the person's SEQUENCE, UNTIL
and EXDATEs (``timeline.person_ics_facts``).

The token is random; only its SHA-256 is kept, so the link can be shown
only when it is made. One link per person: making a new one ("Kalender
abonnieren", or the web chat page) replaces the old, which stops working at
once. Erasure deletes it with the person (``people.delete_person``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, or_, select

from core.calendar import IcsFacts
from core.db import Database
from core.models import (
    ACTIVE_STATUSES,
    CalendarLink,
    Engagement,
    EngagementStatus,
    Identity,
    Need,
    NeedStatus,
    Person,
    Tenant,
)
from core.services.timeline import CANCELLED_IN_FEEDS, ics_sequence, person_ics_facts

__all__ = [
    "PersonFeed",
    "feed_of",
    "has_link",
    "make_link",
    "person_of",
    "person_of_identity",
    "remove_link",
]

TOKEN_BYTES = 24  # 32 characters in the link


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def make_link(db: Database, person_id: int, now: datetime) -> str:
    """A new token for the person's calendar; the one before stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    async with db.transaction() as session:
        tenant_id = await session.scalar(select(Person.tenant_id).where(Person.id == person_id))
        if tenant_id is None:
            raise LookupError(person_id)
        await session.execute(delete(CalendarLink).where(CalendarLink.person_id == person_id))
        session.add(
            CalendarLink(
                person_id=person_id, tenant_id=tenant_id, token_hash=_hash(token), created_at=now
            )
        )
    return token


async def has_link(db: Database, person_id: int) -> bool:
    async with db.sessions() as session:
        found = await session.scalar(
            select(CalendarLink.id).where(CalendarLink.person_id == person_id)
        )
    return found is not None


async def remove_link(db: Database, person_id: int) -> None:
    async with db.transaction() as session:
        await session.execute(delete(CalendarLink).where(CalendarLink.person_id == person_id))


async def person_of_identity(db: Database, identity: str, tenant_slug: str) -> int | None:
    """The person (who gave consent) behind a chat identity, e.g. the web
    chat's ``web:<id>``: who may make or delete their link there."""
    async with db.sessions() as session:
        return await session.scalar(
            select(Person.id)
            .join(Identity, Identity.person_id == Person.id)
            .join(Tenant, Tenant.id == Identity.tenant_id)
            .where(
                Identity.key == identity,
                Tenant.slug == tenant_slug,
                Person.consent_version.is_not(None),
            )
        )


async def person_of(db: Database, tenant_slug: str, token: str) -> int | None:
    """The person whose link this is, in this municipality; None for an
    unknown, renewed or another municipality's token."""
    if not token or len(token) > 100:
        return None
    async with db.sessions() as session:
        return await session.scalar(
            select(CalendarLink.person_id)
            .join(Tenant, Tenant.id == CalendarLink.tenant_id)
            .where(CalendarLink.token_hash == _hash(token), Tenant.slug == tenant_slug)
        )


@dataclass(frozen=True, slots=True)
class PersonFeed:
    """The needs of a person's engagements and each one's calendar facts."""

    need_ids: tuple[int, ...]
    facts: dict[int, IcsFacts]
    timezone: str


async def feed_of(db: Database, person_id: int, now: datetime) -> PersonFeed:
    """All the person's engagements: active and done ones as they are (a
    place on the waitlist only once it is a place); withdrawn, declined or
    cancelled ones as ``STATUS:CANCELLED`` for ``CANCELLED_IN_FEEDS`` after
    it happened (a higher SEQUENCE)."""
    gone = now - CANCELLED_IN_FEEDS
    async with db.sessions() as session:
        timezone = (
            await session.scalar(
                select(Tenant.timezone)
                .join(Person, Person.tenant_id == Tenant.id)
                .where(Person.id == person_id)
            )
        ) or "Europe/Berlin"
        rows = (
            await session.execute(
                select(
                    Engagement.id,
                    Engagement.status,
                    Engagement.updated_at,
                    Engagement.waitlisted,
                    Need.id,
                    Need.status,
                )
                .join(Need, Need.id == Engagement.need_id)
                .where(
                    Engagement.person_id == person_id,
                    or_(
                        Engagement.status.in_((*ACTIVE_STATUSES, EngagementStatus.DONE)),
                        Engagement.updated_at > gone,
                    ),
                )
                .order_by(Engagement.id)
            )
        ).all()
    ids: list[int] = []
    facts: dict[int, IcsFacts] = {}
    for engagement_id, status, updated, waitlisted, need_id, need_status in rows:
        if waitlisted and status in ACTIVE_STATUSES:
            continue  # no date of theirs yet (the chat sends no file either)
        found = await person_ics_facts(db, need_id, engagement_id)
        if found is None:
            continue
        left = status not in (*ACTIVE_STATUSES, EngagementStatus.DONE)
        if left or need_status == NeedStatus.CANCELLED:
            found = replace(
                found, cancelled=True, sequence=max(found.sequence, ics_sequence(updated))
            )
        ids.append(need_id)
        facts[need_id] = found
    return PersonFeed(tuple(ids), facts, timezone)

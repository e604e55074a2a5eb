"""Feedback (Rückmeldung) by message: kept for the tenant's editors.

Only a person who consented (a ``Person`` row exists only after consent) has
feedback kept; it is theirs: it goes into their data export, and erasure
anonymises it (the text is emptied, the person unlinked). After the tenant's
retention period the text is anonymised too. The anonymised row stays, so
the statistics still count how much feedback came in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import InvalidValue
from core.models import Feedback, Person, Tenant

MAX_LENGTH = 2000  # characters kept of one feedback
LIST_LIMIT = 200
MONTH = timedelta(days=30)  # as core.services.retention


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    id: int
    body: str  # "" once anonymised
    channel: str
    language: str
    created_at: datetime
    anonymised: bool


async def keep_feedback(
    db: Database, *, person_id: int, channel: str, language: str, body: str, now: datetime
) -> int:
    """Store a consented person's feedback; returns its id. An empty text is
    ``InvalidValue(field="feedback")``; a long one is cut at ``MAX_LENGTH``."""
    text = body.strip()
    if not text:
        raise InvalidValue(field="feedback")
    async with db.transaction() as session:
        tenant_id = await session.scalar(select(Person.tenant_id).where(Person.id == person_id))
        if tenant_id is None:
            raise InvalidValue(field="person")
        row = Feedback(
            tenant_id=tenant_id,
            person_id=person_id,
            channel=channel[:20],
            language=language[:5],
            body=text[:MAX_LENGTH],
            created_at=now,
        )
        session.add(row)
        await session.flush()
        return row.id


async def list_feedback(
    db: Database, tenant_id: int, *, limit: int = LIST_LIMIT
) -> list[FeedbackItem]:
    """The tenant's feedback, newest first."""
    async with db.sessions() as session:
        rows = (
            await session.scalars(
                select(Feedback)
                .where(Feedback.tenant_id == tenant_id)
                .order_by(Feedback.created_at.desc(), Feedback.id.desc())
                .limit(limit)
            )
        ).all()
    return [
        FeedbackItem(r.id, r.body, r.channel, r.language, r.created_at, r.anonymised_at is not None)
        for r in rows
    ]


async def feedback_times(db: Database, tenant_id: int, since: datetime) -> list[datetime]:
    """When each feedback of the tenant since ``since`` came (anonymised ones too)."""
    async with db.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(Feedback.created_at).where(
                        Feedback.tenant_id == tenant_id, Feedback.created_at >= since
                    )
                )
            ).all()
        )


async def anonymise_feedback_of(session: AsyncSession, person_id: int, now: datetime) -> None:
    """Erasure (DSGVO Art. 17), inside the erasure's transaction: the text
    goes, the person is unlinked, the count stays."""
    await session.execute(
        update(Feedback)
        .where(Feedback.person_id == person_id)
        .values(body="", person_id=None, anonymised_at=now)
    )


async def feedback_of(session: AsyncSession, person_id: int) -> list[dict[str, object]]:
    """A person's feedback for their data export (Art. 15/20)."""
    rows = (
        await session.scalars(
            select(Feedback).where(Feedback.person_id == person_id).order_by(Feedback.id)
        )
    ).all()
    return [
        {"id": r.id, "body": r.body, "channel": r.channel, "created_at": r.created_at.isoformat()}
        for r in rows
    ]


async def purge_feedback(db: Database, now: datetime) -> int:
    """Anonymise feedback older than its tenant's retention period; returns
    how many rows were anonymised."""
    done = 0
    async with db.transaction() as session:
        tenants = (await session.execute(select(Tenant.id, Tenant.retention_months))).all()
        for tenant_id, months in tenants:
            result = await session.execute(
                update(Feedback)
                .where(
                    Feedback.tenant_id == tenant_id,
                    Feedback.anonymised_at.is_(None),
                    Feedback.created_at <= now - months * MONTH,
                )
                .values(body="", person_id=None, anonymised_at=now)
            )
            done += int(result.rowcount or 0)
    return done

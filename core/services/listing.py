"""The public listing of a tenant's needs for calendar feeds: published,
visible and not over, optionally of one category or organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import false, or_, select

from core.db import Database
from core.models import Need, NeedStatus

FEED_LIMIT = 500


async def public_need_ids(
    db: Database,
    tenant_id: int,
    now: datetime,
    *,
    category: str | None = None,
    organisation_id: int | None = None,
    limit: int = FEED_LIMIT,
) -> list[int]:
    q = (
        select(Need.id)
        .where(
            Need.tenant_id == tenant_id,
            Need.status.in_((NeedStatus.PUBLISHED, NeedStatus.FILLED)),
            Need.published_at.is_not(None),
            Need.hidden == false(),
            or_(Need.ends_at.is_(None), Need.ends_at > now),
            or_(Need.valid_until.is_(None), Need.valid_until > now),
        )
        .order_by(Need.starts_at.is_(None), Need.starts_at, Need.id)
        .limit(limit)
    )
    if category is not None:
        q = q.where(Need.category == category)
    if organisation_id is not None:
        q = q.where(Need.organisation_id == organisation_id)
    async with db.sessions() as session:
        return [int(i) for i in (await session.scalars(q)).all()]


async def is_public(db: Database, need_id: int, now: datetime, *, over_too: bool = False) -> bool:
    """Whether a need shows on the public pages (published or filled, not
    hidden, not over); ``over_too``: also once its (last) date passed (its
    page then says "Termin vorbei")."""
    q = select(Need.id).where(
        Need.id == need_id,
        Need.status.in_((NeedStatus.PUBLISHED, NeedStatus.FILLED)),
        Need.published_at.is_not(None),
        Need.hidden == false(),
    )
    if not over_too:
        q = q.where(
            or_(Need.ends_at.is_(None), Need.ends_at > now),
            or_(Need.valid_until.is_(None), Need.valid_until > now),
        )
    async with db.sessions() as session:
        found = await session.scalar(q)
    return found is not None

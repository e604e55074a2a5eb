"""What a volunteer tells about their own engagement after the date (the
follow-up's hours button). Ids and plain values in and out."""

from __future__ import annotations

from datetime import datetime

from core.db import Database
from core.errors import UnknownEngagement
from core.models import Engagement


async def record_hours(
    db: Database, person_id: int, engagement_id: int, hours: float, now: datetime
) -> int:
    """Store the hours a person helped on their engagement; returns the need's
    id. ``UnknownEngagement`` when it is not theirs."""
    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None or engagement.person_id != person_id:
            raise UnknownEngagement(engagement_id=engagement_id)
        engagement.hours, engagement.updated_at = float(hours), now
        return engagement.need_id


__all__ = ["record_hours"]

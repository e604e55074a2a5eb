"""A need's calendar file as a chat attachment: ``core.calendar.need_ics``
(one event, or a weekly need's series; one UID; SEQUENCE, UNTIL and STATUS
from ``ics_facts``), so each file a person gets replaces the entry they
imported before."""

from __future__ import annotations

from datetime import datetime

from core.calendar import need_ics
from core.db import Database
from core.services.needs import NeedDetail
from core.services.timeline import ics_facts, person_ics_facts
from dialogue.messages import Attachment

__all__ = ["need_calendar"]


async def need_calendar(
    db: Database,
    need: NeedDetail,
    *,
    tz_name: str,
    stamp: datetime,
    engagement_id: int | None = None,
) -> tuple[Attachment, ...]:
    """The need's ``.ics`` as an attachment, or none for a need without a date.
    ``engagement_id``: that person's file (the dates they skipped left out)."""
    if engagement_id is not None:
        facts = await person_ics_facts(db, need.id, engagement_id)
    else:
        facts = (await ics_facts(db, [need.id])).get(need.id)
    ics = need_ics(need, tz_name=tz_name, stamp=stamp, facts=facts)
    if ics is None:
        return ()
    return (Attachment(f"ehrenamt-{need.id}.ics", "text/calendar", ics),)

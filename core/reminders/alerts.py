"""Urgent alerts in waves ("Wer kann?") and the answers to reminder buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import AlreadySignedUp, NeedNotOpen, UnknownEngagement
from core.fanout import rank_volunteers
from core.matching import NeedView
from core.models import Engagement, Need, NeedStatus, Reminder
from core.reminders import kinds
from core.reminders.planning import add_reminder

WAVE_SIZE = 10  # people asked per wave
WAVE_INTERVAL = timedelta(minutes=20)  # time for answers before the next wave
MAX_WAVES = 5


def _view(need: Need) -> NeedView:
    return NeedView(
        need.id,
        need.tenant_id,
        need.category,
        tuple(need.qualifications),
        need.remote,
        need.lat,
        need.lon,
        need.cell_mask,
        need.starts_at,
        need.urgent,
        need.published_at,
    )


async def run_alert_wave(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
    """Ask the next best eligible people; plan the next wave while the need
    is still open. ``data.ask`` is the kind of question (urgent or a freed place)."""
    need = await session.get(Need, reminder.need_id)
    if need is None or need.status != NeedStatus.PUBLISHED:
        return
    ask = reminder.data.get("ask", kinds.URGENT_ALERT.name)
    asked = set(
        (
            await session.scalars(
                select(Reminder.person_id).where(
                    Reminder.need_id == need.id,
                    Reminder.kind.in_((kinds.URGENT_ALERT.name, kinds.PLACE_OFFER.name)),
                    Reminder.person_id.is_not(None),
                )
            )
        ).all()
    )
    engaged = set(
        (
            await session.scalars(select(Engagement.person_id).where(Engagement.need_id == need.id))
        ).all()
    )
    candidates = await rank_volunteers(
        session, _view(need), now, limit=WAVE_SIZE, exclude=asked | engaged
    )
    for candidate in candidates:
        await add_reminder(
            session,
            kind=ask,
            tenant_id=need.tenant_id,
            due_at=now,
            now=now,
            person_id=candidate.person_id,
            need_id=need.id,
            dedupe_key=f"{ask}:{need.id}:{candidate.person_id}",
        )
    wave = int(reminder.data.get("wave", 1))
    if candidates and wave < MAX_WAVES:
        await add_reminder(
            session,
            kind=kinds.ALERT_WAVE.name,
            tenant_id=need.tenant_id,
            due_at=now + WAVE_INTERVAL,
            now=now,
            need_id=need.id,
            dedupe_key=f"alert_wave:{need.id}:{reminder.data.get('round', 0)}:{wave + 1}",
            data={"wave": wave + 1, "ask": ask, "round": reminder.data.get("round", 0)},
        )


@dataclass(frozen=True, slots=True)
class AlertAnswer:
    outcome: str  # signed_up | already_filled | declined | already_signed_up
    engagement_id: int | None = None


async def answer_alert(
    db: Database, person_id: int, need_id: int, yes: bool, now: datetime
) -> AlertAnswer:
    """ "Ja, ich kann" signs up while a place is free; after that: "schon besetzt"."""
    from core.services.signup import sign_up

    if not yes:
        return AlertAnswer("declined")
    async with db.sessions() as session:
        need = await session.get(Need, need_id)
        if need is None or need.status != NeedStatus.PUBLISHED:
            return AlertAnswer("already_filled")
    try:
        result = await sign_up(db, person_id, need_id, now, allow_waitlist=False)
    except NeedNotOpen:
        return AlertAnswer("already_filled")
    except AlreadySignedUp:
        return AlertAnswer("already_signed_up")
    return AlertAnswer("signed_up", result.engagement_id)


@dataclass(frozen=True, slots=True)
class AttendanceAnswer:
    outcome: str  # confirmed | freed
    moved_up_person_id: int | None = None


async def answer_attendance(
    db: Database, person_id: int, engagement_id: int, coming: bool, now: datetime
) -> AttendanceAnswer:
    """ "✅ Ich komme" confirms; "❌ Ich kann nicht" frees the place: the first
    on the waitlist gets it, or else the best available people are asked."""
    from core.services.signup import withdraw

    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None or engagement.person_id != person_id:
            raise UnknownEngagement(engagement_id=engagement_id)
        if coming:
            engagement.updated_at = now
            return AttendanceAnswer("confirmed")
    result = await withdraw(db, person_id, engagement_id, now, offer_freed_place=True)
    return AttendanceAnswer("freed", result.moved_up_person_id)

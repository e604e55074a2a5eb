"""Urgent alerts in waves ("Wer kann?") and the answers to reminder buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import AlreadySignedUp, NeedNotOpen, UnknownEngagement
from core.fanout import Candidate, rank_volunteers
from core.matching import NeedView
from core.models import Engagement, Need, NeedStatus, Person, Reminder
from core.reminders import kinds
from core.reminders.planning import add_reminder
from core.services.needs import may_see_tenant, publicly_listed

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
    if need is None or need.status != NeedStatus.PUBLISHED or not publicly_listed(need):
        return
    if need.recurrence is None and need.starts_at is not None and need.starts_at <= now:
        return  # begun: nobody can still come in time (a weekly need asks for its next date)
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
    candidates = await _candidates(session, need, now, exclude=asked | engaged)
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


async def _candidates(
    session: AsyncSession, need: Need, now: datetime, *, exclude: set[int | None]
) -> list[Candidate]:
    """The best eligible people of the need's municipality and of those
    that show neighbours' needs (people elsewhere are skipped, not asked)."""
    skipped: set[int | None] = set()
    for _ in range(5):
        found = await rank_volunteers(
            session, _view(need), now, limit=WAVE_SIZE, exclude=exclude | skipped
        )
        tenants = dict(
            (
                await session.execute(
                    select(Person.id, Person.tenant_id).where(
                        Person.id.in_([c.person_id for c in found])
                    )
                )
            ).all()
        )
        allowed = {
            t for t in set(tenants.values()) if await may_see_tenant(session, t, need.tenant_id)
        }
        kept = [c for c in found if tenants.get(c.person_id) in allowed]
        if len(kept) == len(found):
            return kept
        skipped |= {c.person_id for c in found if c not in kept}
    return kept


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
    outcome: str  # confirmed | freed | skipped (one date of a weekly engagement)
    moved_up_person_id: int | None = None
    skipped_start: datetime | None = None
    need_title: str = ""
    need_id: int = 0


async def answer_attendance(
    db: Database, person_id: int, engagement_id: int, coming: bool, now: datetime
) -> AttendanceAnswer:
    """ "✅ Ich komme" confirms. "❌ Ich kann nicht" to a weekly engagement
    skips that one date (the person stays in the series); to a one-off one it
    frees the place: the first on the waitlist gets it, or else the best
    available people are asked."""
    from core.services.signup import skip_date, withdraw

    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None or engagement.person_id != person_id:
            raise UnknownEngagement(engagement_id=engagement_id)
        if coming:
            engagement.updated_at = now
            return AttendanceAnswer("confirmed")
    skipped = await skip_date(db, person_id, engagement_id, now)
    if skipped is not None:
        async with db.sessions() as session:
            title = await session.scalar(select(Need.title).where(Need.id == skipped.need_id))
        return AttendanceAnswer(
            "skipped",
            skipped_start=skipped.starts_at,
            need_title=title or "",
            need_id=skipped.need_id,
        )
    result = await withdraw(
        db, person_id, engagement_id, now, offer_freed_place=True, notice="cant_come"
    )
    return AttendanceAnswer("freed", result.moved_up_person_id)

"""Periodic planning the scheduler leader runs: weekly digests and expiry."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.db import Database
from core.models import ACTIVE_STATUSES, Engagement, Need, NeedStatus, Tenant, VolunteerProfile
from core.reminders import kinds
from core.reminders.planning import add_reminder, plan_engagement
from core.services.chat_email import purge_unconfirmed as purge_unconfirmed_chat_emails
from core.services.feedback import purge_feedback
from core.services.needs import expire_needs
from core.services.org_notices import send_daily_digests
from core.services.privacy import PersonalFiles
from core.services.retention import (
    erase_inactive,
    purge_organisations,
    purge_rate_limits,
    purge_unconsented,
    warn_inactive,
)
from core.services.timeline import finish_past_engagements


def next_digest_at(now: datetime, tz: ZoneInfo, weekday: int, hour: int) -> datetime:
    """The next time (UTC) it is ``weekday`` (0 = Monday) at ``hour`` locally."""
    local = now.astimezone(tz)
    days = (weekday - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=days), time(hour), tz)
    if candidate <= local:
        candidate = datetime.combine(candidate.date() + timedelta(days=7), time(hour), tz)
    return candidate.astimezone(now.tzinfo)


async def plan_digests(db: Database, now: datetime) -> None:
    """One digest row per subscriber for their next digest time (idempotent)."""
    async with db.transaction() as session:
        zones = dict((await session.execute(select(Tenant.id, Tenant.timezone))).all())
        rows = (
            await session.execute(
                select(
                    VolunteerProfile.person_id,
                    VolunteerProfile.tenant_id,
                    VolunteerProfile.digest_weekday,
                    VolunteerProfile.digest_hour,
                ).where(VolunteerProfile.digest.is_(True))
            )
        ).all()
        for person_id, tenant_id, weekday, hour in rows:
            due = next_digest_at(
                now, ZoneInfo(zones.get(tenant_id, "Europe/Berlin")), weekday, hour
            )
            await add_reminder(
                session,
                kind=kinds.DIGEST.name,
                tenant_id=tenant_id,
                due_at=due,
                now=now,
                person_id=person_id,
                dedupe_key=f"digest:{person_id}:{due.date().isoformat()}",
                data={"since": (due - timedelta(days=7)).isoformat()},
            )


async def plan_recurring(db: Database, now: datetime) -> None:
    """People signed up to a weekly need get the reminders of its next date
    (planning is idempotent per date, so this may run as often as it likes)."""
    async with db.transaction() as session:
        zones = dict((await session.execute(select(Tenant.id, Tenant.timezone))).all())
        rows = (
            await session.execute(
                select(Engagement.id, Engagement.person_id, Need)
                .join(Need, Need.id == Engagement.need_id)
                .where(
                    Engagement.status.in_(ACTIVE_STATUSES),
                    Engagement.waitlisted.is_(False),
                    Engagement.person_id.is_not(None),
                    Need.recurrence.is_not(None),
                    Need.status.in_((NeedStatus.PUBLISHED, NeedStatus.FILLED)),
                )
            )
        ).all()
        for engagement_id, person_id, need in rows:
            tz = ZoneInfo(zones.get(need.tenant_id, "Europe/Berlin"))
            await plan_engagement(
                session, engagement_id=engagement_id, person_id=person_id, need=need, now=now, tz=tz
            )


async def run_housekeeping(db: Database, now: datetime, files: PersonalFiles | None = None) -> None:
    await expire_needs(db, now)
    await finish_past_engagements(db, now)  # dates that passed are done (issue 14.6)
    await plan_digests(db, now)
    await plan_recurring(db, now)
    await warn_inactive(db, now)
    await erase_inactive(db, now, files)
    await purge_unconsented(db, now)
    await purge_organisations(db, now)
    await purge_rate_limits(db, now)
    await purge_unconfirmed_chat_emails(db, now)
    await purge_feedback(db, now)
    await send_daily_digests(db, now)  # issue 14: organisations' members without chat

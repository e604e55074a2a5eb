"""Engagements over time (issue 14.6): what lies ahead and what is done, and
what calendar files need to follow a need that changed or was cancelled.

* A one-off engagement is done once its date has passed; a weekly one once
  its series ended (``valid_until``). ``finish_past_engagements`` writes that
  (the scheduler's housekeeping); the listing reads the same rule from the
  dates, so it is right between two runs.
* "Meine Termine" lists weekly engagements by their next date.
* Calendar entries carry the series' end (``RRULE ...;UNTIL=``) and a
  ``SEQUENCE`` that grows with every change of the need (its ``updated_at``
  in seconds), so a changed or cancelled need replaces the entry people
  already imported (same ``UID``, ``STATUS:CANCELLED``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from core.availability import DAYS
from core.calendar import IcsFacts
from core.db import Database
from core.models import (
    ACTIVE_STATUSES,
    Engagement,
    EngagementStatus,
    HoursEntry,
    HoursStatus,
    Need,
    NeedStatus,
    Organisation,
    SkippedDate,
    Tenant,
)
from core.reminders.planning import skipped_days
from core.schedule import Weekly, local_range

OPEN = (NeedStatus.PUBLISHED, NeedStatus.FILLED)
PAST_SHOWN = timedelta(days=60)  # "Meine Termine" shows what was done lately
SEQUENCE_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CANCELLED_IN_FEEDS = timedelta(days=30)
SKIP_LOOKAHEAD = 8  # dates of a weekly series looked at for one still to skip


def ics_sequence(updated_at: datetime | None) -> int:
    """A SEQUENCE that grows with every write to the need (RFC 5545 asks
    only that a revision's number is higher than the one before)."""
    if updated_at is None:
        return 0
    return max(0, int((updated_at - SEQUENCE_EPOCH).total_seconds()))


async def ics_facts(db: Database, need_ids: list[int]) -> dict[int, IcsFacts]:
    """Sequence, series end and cancellation of needs, for their calendar entries."""
    if not need_ids:
        return {}
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(
                    Need.id, Need.updated_at, Need.valid_until, Need.status,
                    Need.starts_at, Need.published_at, Need.created_at,
                ).where(Need.id.in_(need_ids))
            )
        ).all()  # fmt: skip
    return {
        nid: IcsFacts(
            ics_sequence(updated),
            until,
            status == NeedStatus.CANCELLED,
            starts or published or created,  # as ``series_begins``
        )
        for nid, updated, until, status, starts, published, created in rows
    }


async def person_ics_facts(db: Database, need_id: int, engagement_id: int) -> IcsFacts | None:
    """``ics_facts`` of one person's file: the dates of the weekly series they
    skipped (EXDATE; ``skipped_date``, a skip holds for its day at the hour
    the series has now), and a SEQUENCE that grows with the need's changes
    and with their own (``engagement.updated_at``), not with other people's."""
    facts = (await ics_facts(db, [need_id])).get(need_id)
    if facts is None:
        return None
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Engagement.updated_at, Need.recurrence, Tenant.timezone)
                .join(Need, Need.id == Engagement.need_id)
                .join(Tenant, Tenant.id == Need.tenant_id)
                .where(Engagement.id == engagement_id, Engagement.need_id == need_id)
            )
        ).first()
        if row is None:
            return facts
        updated, recurrence, tz_name = row
        tz = ZoneInfo(tz_name)
        days = await skipped_days(session, engagement_id, tz) if recurrence else set()
    skipped: list[datetime] = []
    if recurrence:
        weekly = Weekly.from_dict(recurrence)
        for day in days:
            if DAYS[day.weekday()] in weekly.days:  # a day the series (still) has
                skipped.append(local_range(day, weekly.start, weekly.end, tz)[0])
    return replace(
        facts,
        sequence=max(facts.sequence, ics_sequence(updated)),
        skipped=tuple(sorted(skipped)),
    )


async def recently_cancelled_ids(
    db: Database, tenant_id: int, now: datetime, *, category: str | None = None,
    organisation_id: int | None = None,
) -> list[int]:  # fmt: skip
    """Published needs cancelled lately: feeds keep them a while as
    ``STATUS:CANCELLED`` so subscribed calendars drop the entry."""
    q = select(Need.id).where(
        Need.tenant_id == tenant_id,
        Need.status == NeedStatus.CANCELLED,
        Need.published_at.is_not(None),
        Need.hidden.is_(False),
        Need.updated_at > now - CANCELLED_IN_FEEDS,
    )
    if category is not None:
        q = q.where(Need.category == category)
    if organisation_id is not None:
        q = q.where(Need.organisation_id == organisation_id)
    async with db.sessions() as session:
        return [int(i) for i in (await session.scalars(q.order_by(Need.id))).all()]


def previous_start(weekly: Weekly, before: datetime, tz: ZoneInfo) -> datetime | None:
    """The last start of a weekly series before ``before`` (UTC)."""
    local_day = before.astimezone(tz).date()
    for offset in range(0, 8):
        day = local_day - timedelta(days=offset)
        if ("mo", "di", "mi", "do", "fr", "sa", "so")[day.weekday()] not in weekly.days:
            continue
        start = datetime.combine(day, weekly.start, tz).astimezone(UTC)
        if start < before:
            return start
    return None


def series_begins(need: Need) -> datetime:
    """When a need's dates begin: its start, or else when it was published
    (a weekly series posted on a Saturday has no date on the Tuesday before)."""
    return need.starts_at or need.published_at or need.created_at


def last_begun(need: Need, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The start of the need's latest date that has begun by ``now``: a
    one-off need's date, a weekly series' latest date since it began (and
    before its end); ``None`` while none has."""
    if need.recurrence is None:
        return need.starts_at if need.starts_at is not None and need.starts_at <= now else None
    horizon = now if need.valid_until is None else min(now, need.valid_until)
    start = previous_start(
        Weekly.from_dict(need.recurrence), horizon + timedelta(microseconds=1), tz
    )
    if start is None or start < series_begins(need):
        return None
    return start


@dataclass(frozen=True, slots=True)
class EngagementItem:
    id: int
    need_id: int
    title: str
    organisation: str
    waitlisted: bool
    weekly: bool
    next_start: datetime | None  # ahead: the next date (weekly: the next one)
    next_end: datetime | None
    last_day: date | None  # done: the date it took place on (one line per date)
    until: datetime | None  # a weekly series' end
    hours: float  # logged and confirmed hours (a past weekly line: of its date)
    pending_day: date | None  # a passed date without hours yet (to log them)
    next_skipped: bool = False  # the person skipped the next date (``signup.skip_date``)
    # The first date ahead a weekly volunteer could still skip: not begun and
    # not skipped yet (a skipped or running date is never offered again).
    skippable_start: datetime | None = None


@dataclass(frozen=True, slots=True)
class Timeline:
    ahead: tuple[EngagementItem, ...]
    past: tuple[EngagementItem, ...]


async def timeline_of(db: Database, person_id: int, now: datetime) -> Timeline:
    """A person's engagements: ahead (by next date) and lately done."""
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Engagement, Need, Organisation.name, Tenant.timezone)
                .join(Need, Need.id == Engagement.need_id)
                .join(Organisation, Organisation.id == Need.organisation_id)
                .join(Tenant, Tenant.id == Need.tenant_id)
                .where(
                    Engagement.person_id == person_id,
                    Engagement.status.in_((*ACTIVE_STATUSES, EngagementStatus.DONE)),
                )
            )
        ).all()
        logged: dict[int, dict[date, float]] = {}
        skipped: dict[int, list[datetime]] = {}
        if rows:
            entries = await session.execute(
                select(HoursEntry.engagement_id, HoursEntry.day, HoursEntry.hours).where(
                    HoursEntry.engagement_id.in_([r[0].id for r in rows]),
                    HoursEntry.status != HoursStatus.REJECTED,
                )
            )
            for engagement_id, day, hours in entries.all():
                logged.setdefault(engagement_id, {})[day] = float(hours)
            # The weekly dates the person said they could not come to
            # (``signup.skip_date``); a skip holds for its day.
            for engagement_id, starts_at in (
                await session.execute(
                    select(SkippedDate.engagement_id, SkippedDate.starts_at).where(
                        SkippedDate.engagement_id.in_([r[0].id for r in rows])
                    )
                )
            ).all():
                skipped.setdefault(engagement_id, []).append(starts_at)
    ahead: list[EngagementItem] = []
    past: list[EngagementItem] = []
    for engagement, need, org_name, tz_name in rows:
        tz = ZoneInfo(tz_name)
        days_logged = logged.get(engagement.id, {})
        days_skipped = {start.astimezone(tz).date() for start in skipped.get(engagement.id, ())}
        weekly = Weekly.from_dict(need.recurrence) if need.recurrence else None
        next_start = next_end = None
        last_start: datetime | None = None
        # A cancelled need's dates after its cancellation never took place.
        cancelled_at = need.updated_at if need.status == NeedStatus.CANCELLED else None
        if weekly is not None:
            horizon = now if need.valid_until is None else min(now, need.valid_until)
            if cancelled_at is not None:
                horizon = min(horizon, cancelled_at)
            found = weekly.occurrences(now - timedelta(hours=24), tz, limit=2)
            for start in found:
                end = datetime.combine(start.astimezone(tz).date(), weekly.end, tz).astimezone(UTC)
                if end > now and (need.valid_until is None or start < need.valid_until):
                    next_start, next_end = start, end
                    break
            last_start = previous_start(weekly, horizon, tz)
            if last_start is not None:
                last_end = datetime.combine(
                    last_start.astimezone(tz).date(), weekly.end, tz
                ).astimezone(UTC)
                if last_end > now or last_start < engagement.created_at - timedelta(days=1):
                    last_start = None  # still running, or before they signed up
        elif need.starts_at is not None:
            if need.ends_at is not None and need.ends_at > now:
                next_start, next_end = need.starts_at, need.ends_at
            elif cancelled_at is None or need.starts_at < cancelled_at:
                last_start = need.starts_at
        is_ahead = (
            next_start is not None and engagement.status in ACTIVE_STATUSES and need.status in OPEN
        )
        if (
            weekly is not None
            and last_start is not None
            and cancelled_at is None
            and last_start.astimezone(tz).date() in days_skipped
            and last_start.astimezone(tz).date() not in days_logged
        ):
            last_start = None  # a date they skipped: nothing to list or log
        last_day = last_start.astimezone(tz).date() if last_start is not None else None
        next_skipped = (
            weekly is not None
            and next_start is not None
            and next_start.astimezone(tz).date() in days_skipped
        )
        skippable = None
        if weekly is not None and next_start is not None:
            for start in weekly.occurrences(now, tz, limit=SKIP_LOOKAHEAD):
                if need.valid_until is not None and start >= need.valid_until:
                    break
                if start >= series_begins(need) and start.astimezone(tz).date() not in days_skipped:
                    skippable = start
                    break
        item = EngagementItem(
            id=engagement.id,
            need_id=need.id,
            title=need.title,
            organisation=org_name,
            waitlisted=engagement.waitlisted,
            weekly=weekly is not None,
            next_start=next_start if is_ahead else None,
            next_end=next_end if is_ahead else None,
            last_day=last_day,
            until=need.valid_until,
            hours=float(engagement.hours or 0.0),
            pending_day=(
                last_day
                if last_day is not None
                and last_day not in days_logged
                and not engagement.waitlisted
                else None
            ),
            next_skipped=next_skipped and is_ahead,
            skippable_start=skippable if is_ahead and not engagement.waitlisted else None,
        )
        if is_ahead:
            ahead.append(item)
        # A passed date is done (a weekly series' last one too, while the
        # next lies ahead): listed without withdrawing, each date on its own
        # line with its own hours (a weekly series: the dates with hours and
        # the latest one; a one-off need: its date).
        if engagement.waitlisted:
            continue
        shown_days = {d for d in days_logged if d > (now - PAST_SHOWN).astimezone(tz).date()}
        if weekly is None:
            shown_days = set()  # hours of a one-off need belong to its date
        if last_start is not None and last_start > now - PAST_SHOWN:
            shown_days.add(last_day)  # type: ignore[arg-type]
        for day in shown_days:
            past.append(
                replace(
                    item,
                    next_start=None,
                    next_end=None,
                    last_day=day,
                    hours=days_logged.get(day, 0.0) if weekly is not None else item.hours,
                    pending_day=item.pending_day if day == last_day else None,
                )
            )
    ahead.sort(key=lambda i: (i.next_start or now, i.id))
    past.sort(key=lambda i: (i.last_day or date.min, i.id), reverse=True)
    return Timeline(tuple(ahead), tuple(past))


async def finish_past_engagements(db: Database, now: datetime) -> int:
    """Sign-ups whose date (one-off) or series (weekly) is over become done;
    waitlisted ones that never got a place are withdrawn. Returns how many."""
    async with db.transaction() as session:
        over = (
            select(Need.id)
            .where(
                (Need.ends_at.is_not(None) & (Need.ends_at <= now))  # a one-off date
                | (Need.valid_until.is_not(None) & (Need.valid_until <= now))  # a series
            )
            .scalar_subquery()
        )
        done = await session.execute(
            update(Engagement)
            .where(
                Engagement.status.in_(ACTIVE_STATUSES),
                Engagement.waitlisted.is_(False),
                Engagement.need_id.in_(over),
            )
            .values(status=EngagementStatus.DONE, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        gone = await session.execute(
            update(Engagement)
            .where(
                Engagement.status.in_(ACTIVE_STATUSES),
                Engagement.waitlisted.is_(True),
                Engagement.need_id.in_(over),
            )
            .values(status=EngagementStatus.WITHDRAWN, waitlisted=False, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(done.rowcount or 0) + int(gone.rowcount or 0)  # type: ignore[attr-defined]

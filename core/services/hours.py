"""Hours a volunteer gave, per engagement and date (issue 14.5).

A date's hours are one ``HoursEntry``: a weekly engagement collects one row
per date, never one number overwritten each week. The volunteer logs them
(the follow-up's buttons or typed: "2,5 Stunden", "von 9 bis 12"), the
organisation confirms or rejects them (web or chat); only confirmed hours go
on a certificate (``core.services.certificate``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.availability import DAYS
from core.db import Database
from core.durations import find_duration
from core.errors import DomainError, NotAllowed, UnknownEngagement
from core.models import (
    ACTIVE_STATUSES,
    Engagement,
    EngagementStatus,
    HoursEntry,
    HoursStatus,
    Need,
    NeedStatus,
    Organisation,
    Person,
    Reminder,
    ReminderStatus,
    Tenant,
)
from core.reminders import kinds
from core.reminders.planning import add_reminder
from core.schedule import Weekly
from core.services.audit import record

MAX_HOURS = 24.0
# How long after the follow-up a bare "2,5 Stunden" still answers it.
FOLLOW_UP_ANSWER_WINDOW = timedelta(days=3)


class InvalidHours(DomainError):
    key = "hours.invalid"


class FutureDay(DomainError):
    key = "hours.future"


class CancelledDay(DomainError):
    """The organisation cancelled the need before this date: it did not take place."""

    key = "hours.cancelled"


class BeforeSignUp(DomainError):
    """A date before the person signed up for the need."""

    key = "hours.before_signup"


class NoDateThatDay(DomainError):
    """The need has no date on that day (a weekday its series does not have,
    before the series began, another day than a one-off need's)."""

    key = "hours.no_date_that_day"


class SeriesEnded(DomainError):
    key = "hours.series_ended"


def date_problem(
    need: Need, engagement: Engagement, day: date, today: date, tz: ZoneInfo
) -> DomainError | None:
    """Why hours cannot be logged for ``day`` of this engagement, or None."""
    if day > today:
        return FutureDay()
    if cancelled_before(need, day, tz):
        return CancelledDay()
    if need.recurrence:
        weekly = Weekly.from_dict(need.recurrence)
        if DAYS[day.weekday()] not in weekly.days:
            return NoDateThatDay()
        start = datetime.combine(day, weekly.start, tz)
        if need.valid_until is not None and start >= need.valid_until:
            return SeriesEnded()
        begins = need.starts_at or need.published_at or need.created_at
        if begins is not None and day < begins.astimezone(tz).date():
            return NoDateThatDay()
        if day < engagement.created_at.astimezone(tz).date():
            return BeforeSignUp()
    elif need.starts_at is not None:
        first = need.starts_at.astimezone(tz).date()
        last = (need.ends_at or need.starts_at).astimezone(tz).date()
        if not first <= day <= last:
            return NoDateThatDay()
    return None


def cancelled_before(need: Need, day: date, tz: ZoneInfo) -> bool:
    """Whether ``day``'s date of a cancelled need lay after its cancellation
    (``updated_at`` of a cancelled need is when it was cancelled)."""
    if need.status != NeedStatus.CANCELLED:
        return False
    if need.recurrence:
        start = datetime.combine(day, Weekly.from_dict(need.recurrence).start, tz)
    elif need.starts_at is not None:
        start = need.starts_at
    else:
        return True
    return start >= need.updated_at


# -- reading typed hours --------------------------------------------------------

# Words that may stand around hours in a short answer ("ca. 3 Stunden").
_FILLER = {
    "ca", "circa", "etwa", "ungefähr", "ungefaehr", "rund", "knapp", "gut", "es", "waren",
    "war", "ich", "habe", "hab", "geholfen", "insgesamt", "heute", "uhr", "about", "around",
    "approx", "approximately", "roughly", "it", "was", "i", "helped", "for", "in", "total",
    "today", "and", "und", "also", "so", "von", "from", "bis", "to",
    # around a day named ("war gestern 3 Stunden da", "worked 2 hours on Monday")
    "da", "dort", "dabei", "gewesen", "gearbeitet", "mitgeholfen", "am", "bin", "there",
    "on", "the", "worked", "spent", "been", "ve",
}  # fmt: skip


def _quarter(value: float) -> float | None:
    value = round(value * 4) / 4
    return value if 0 < value <= MAX_HOURS else None


def parse_hours(text: str, *, strict: bool = False) -> float | None:
    """Hours in a typed answer: "2,5 Stunden", "2.5 hours", "3 Std.", "eine
    halbe Stunde", "90 Minuten" (-> 1.5), "von 9 bis 12" (-> 3.0), rounded to
    quarter hours.
    ``strict``: only when the text says nothing else (a message out of the
    blue must be an answer to the follow-up, not a sentence about times)."""
    said = _hours_said(text, strict=strict)
    return None if said is None else _quarter(said)


def hours_out_of_range(text: str, *, strict: bool = False) -> bool:
    """Whether the text gives hours, but none one can log for a day ("30
    Stunden"): answered with the range, not "not understood"."""
    said = _hours_said(text, strict=strict)
    return said is not None and _quarter(said) is None


def _hours_said(text: str, *, strict: bool) -> float | None:
    cleaned = text.strip()
    found = find_duration(cleaned)
    if found is None or found.hours is None:
        return None
    span = (found.start, found.end)
    if strict:
        rest = cleaned[: span[0]] + " " + cleaned[span[1] :]
        words = re.findall(r"[^\W_]+", rest.lower())
        if any(w not in _FILLER for w in words):
            return None
    return found.hours


# -- logging ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedHours:
    entry_id: int
    engagement_id: int
    day: date
    hours: float
    # logged (new date) | corrected (same date, new value, not yet confirmed)
    # | same (nothing changed) | confirmed (already confirmed: left as it was)
    # | differs (another value for a logged date: nothing changed, ask first)
    outcome: str
    title: str
    need_id: int
    total: float  # this engagement's hours over all its dates (not rejected)
    offered: float | None = None  # differs: the new value, not stored


async def _tz_of_need(session: AsyncSession, need: Need) -> ZoneInfo:
    name = await session.scalar(select(Tenant.timezone).where(Tenant.id == need.tenant_id))
    return ZoneInfo(name or "Europe/Berlin")


async def _engagement_total(session: AsyncSession, engagement_id: int) -> float:
    return float(
        await session.scalar(
            select(func.coalesce(func.sum(HoursEntry.hours), 0.0)).where(
                HoursEntry.engagement_id == engagement_id,
                HoursEntry.status != HoursStatus.REJECTED,
            )
        )
        or 0.0
    )


async def _request_waiting(session: AsyncSession, entry_id: int) -> bool:
    """Whether the organisation's request to confirm an entry is not sent yet."""
    found = await session.scalar(
        select(Reminder.id)
        .where(
            Reminder.kind == kinds.HOURS_LOGGED.name,
            Reminder.status == ReminderStatus.PENDING,
            Reminder.dedupe_key.startswith(f"hours_logged:{entry_id}:", autoescape=True),
        )
        .limit(1)
    )
    return found is not None


async def log_hours(
    db: Database,
    *,
    person_id: int,
    engagement_id: int,
    day: date,
    hours: float,
    source: str,
    now: datetime,
    replace: bool = False,
) -> LoggedHours:
    """Record a date's hours for the person's engagement: a new row per date.
    Another value for a date already logged changes nothing (``differs``)
    unless ``replace`` (the person chose to): never overwritten silently;
    confirmed hours stay as they are. Refused with a named error for a date
    the engagement has no hours for (``date_problem``)."""
    value = _quarter(hours)
    if value is None:
        raise InvalidHours()
    async with db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if (
            engagement is None
            or engagement.person_id != person_id
            or engagement.status == EngagementStatus.DECLINED
        ):
            raise UnknownEngagement(engagement_id=engagement_id)
        need = await session.get(Need, engagement.need_id)
        assert need is not None
        tz = await _tz_of_need(session, need)
        problem = date_problem(need, engagement, day, now.astimezone(tz).date(), tz)
        if problem is not None:
            raise problem
        entry = await session.scalar(
            select(HoursEntry).where(
                HoursEntry.engagement_id == engagement_id, HoursEntry.day == day
            )
        )
        if entry is None:
            entry = HoursEntry(
                engagement_id=engagement_id,
                day=day,
                hours=value,
                status=HoursStatus.LOGGED,
                source=source,
                logged_at=now,
            )
            session.add(entry)
            outcome = "logged"
        elif entry.status == HoursStatus.CONFIRMED:
            outcome = "confirmed"
        elif entry.hours == value and entry.status == HoursStatus.LOGGED:
            outcome = "same"
        elif not replace:
            total = await _engagement_total(session, engagement_id)
            return LoggedHours(
                entry.id, engagement_id, entry.day, entry.hours, "differs", need.title,
                need.id, total, offered=value,
            )  # fmt: skip
        else:
            entry.hours, entry.status, entry.source = value, HoursStatus.LOGGED, source
            entry.logged_at, entry.decided_at, entry.decided_by = now, None, None
            outcome = "corrected"
        await session.flush()
        total = await _engagement_total(session, engagement_id)
        engagement.hours, engagement.updated_at = total, now
        if outcome in ("logged", "corrected"):
            # The organisation's chat-linked members are asked to confirm, once
            # per date: a request not sent yet shows the corrected value when it
            # goes out (it reads the entry then), so a correction adds none.
            if outcome == "logged" or not await _request_waiting(session, entry.id):
                await add_reminder(
                    session,
                    kind=kinds.HOURS_LOGGED.name,
                    tenant_id=need.tenant_id,
                    due_at=now,
                    now=now,
                    organisation_id=need.organisation_id,
                    dedupe_key=f"hours_logged:{entry.id}:{entry.hours}:{now.isoformat()}",
                    data={"entry": entry.id},
                )
            record(
                session,
                tenant_id=need.tenant_id,
                actor=f"person:{person_id}",
                action="hours_logged",
                subject=f"engagement:{engagement_id}",
                at=now,
                data={"day": day.isoformat(), "hours": value},
            )
        return LoggedHours(
            entry.id,
            engagement_id,
            entry.day,
            entry.hours,
            outcome,
            need.title,
            need.id,
            total,
        )


async def follow_up_day(db: Database, engagement_id: int, now: datetime) -> date:
    """The date the latest follow-up of an engagement asked about (buttons
    from before hours were kept per date carry none); else today."""
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Reminder.data, Tenant.timezone)
                .join(Tenant, Tenant.id == Reminder.tenant_id)
                .where(
                    Reminder.engagement_id == engagement_id,
                    Reminder.kind == kinds.FOLLOW_UP.name,
                    Reminder.status == ReminderStatus.SENT,
                )
                .order_by(Reminder.due_at.desc())
                .limit(1)
            )
        ).first()
        tz_name = await session.scalar(
            select(Tenant.timezone)
            .join(Need, Need.tenant_id == Tenant.id)
            .join(Engagement, Engagement.need_id == Need.id)
            .where(Engagement.id == engagement_id)
        )
    if row is not None and row[0].get("starts_at"):
        return datetime.fromisoformat(row[0]["starts_at"]).astimezone(ZoneInfo(row[1])).date()
    return now.astimezone(ZoneInfo(tz_name or "Europe/Berlin")).date()


async def open_follow_up(db: Database, person_id: int, now: datetime) -> tuple[int, date] | None:
    """The latest follow-up the person got lately whose date has no hours
    yet: what a bare "2,5 Stunden" answers."""
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Reminder.engagement_id, Reminder.data, Tenant.timezone)
                .join(Tenant, Tenant.id == Reminder.tenant_id)
                .where(
                    Reminder.person_id == person_id,
                    Reminder.kind == kinds.FOLLOW_UP.name,
                    Reminder.status == ReminderStatus.SENT,
                    Reminder.sent_at > now - FOLLOW_UP_ANSWER_WINDOW,
                    Reminder.engagement_id.is_not(None),
                )
                .order_by(Reminder.sent_at.desc(), Reminder.id.desc())
                .limit(5)
            )
        ).all()
        for engagement_id, data, tz_name in rows:
            starts = data.get("starts_at")
            if not starts:
                continue
            day = datetime.fromisoformat(starts).astimezone(ZoneInfo(tz_name)).date()
            taken = await session.scalar(
                select(HoursEntry.id).where(
                    HoursEntry.engagement_id == engagement_id, HoursEntry.day == day
                )
            )
            if taken is None:
                return int(engagement_id), day
    return None


# -- the organisation's side ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HoursLine:
    id: int
    engagement_id: int
    need_id: int
    organisation_id: int
    title: str
    volunteer: str | None  # the name the volunteer lets organisations see
    day: date
    hours: float
    status: HoursStatus


_LINE = (
    select(
        HoursEntry.id,
        HoursEntry.engagement_id,
        Need.id,
        Need.organisation_id,
        Need.title,
        Person.display_name,
        HoursEntry.day,
        HoursEntry.hours,
        HoursEntry.status,
    )
    .join(Engagement, Engagement.id == HoursEntry.engagement_id)
    .join(Need, Need.id == Engagement.need_id)
    .outerjoin(Person, Person.id == Engagement.person_id)
)


async def hours_line(db: Database, entry_id: int) -> HoursLine | None:
    async with db.sessions() as session:
        row = (await session.execute(_LINE.where(HoursEntry.id == entry_id))).first()
    return HoursLine(*row) if row is not None else None


async def hours_for_organisation(
    db: Database, organisation_id: int, *, limit: int = 200
) -> list[HoursLine]:
    """Logged hours waiting for the organisation first, then the decided ones."""
    async with db.sessions() as session:
        rows = (
            await session.execute(
                _LINE.where(Need.organisation_id == organisation_id)
                .order_by(
                    (HoursEntry.status != HoursStatus.LOGGED),
                    HoursEntry.day.desc(),
                    HoursEntry.id.desc(),
                )
                .limit(limit)
            )
        ).all()
    return [HoursLine(*row) for row in rows]


async def hours_waiting(
    db: Database, organisation_ids: set[int], *, need_id: int | None = None, limit: int = 50
) -> list[HoursLine]:
    """Logged hours the organisations have not decided yet, oldest date first
    (of one need, if given): what a member who missed the notice confirms."""
    if not organisation_ids:
        return []
    query = _LINE.where(
        Need.organisation_id.in_(organisation_ids), HoursEntry.status == HoursStatus.LOGGED
    )
    if need_id is not None:
        query = query.where(Need.id == need_id)
    async with db.sessions() as session:
        rows = (
            await session.execute(query.order_by(HoursEntry.day, HoursEntry.id).limit(limit))
        ).all()
    return [HoursLine(*row) for row in rows]


async def decide_hours(
    db: Database,
    *,
    entry_id: int,
    organisation_ids: set[int],
    confirm: bool,
    actor: str,
    now: datetime,
) -> HoursLine:
    """The organisation confirms (or rejects) a date's hours. ``NotAllowed``
    unless the entry is one of ``organisation_ids``' needs."""
    async with db.transaction() as session:
        entry = await session.get(HoursEntry, entry_id)
        if entry is None:
            raise NotAllowed()
        engagement = await session.get(Engagement, entry.engagement_id)
        assert engagement is not None
        need = await session.get(Need, engagement.need_id)
        assert need is not None
        if need.organisation_id not in organisation_ids:
            raise NotAllowed()
        entry.status = HoursStatus.CONFIRMED if confirm else HoursStatus.REJECTED
        entry.decided_at, entry.decided_by = now, actor
        await session.flush()
        engagement.hours = await _engagement_total(session, engagement.id)
        record(
            session,
            tenant_id=need.tenant_id,
            actor=actor,
            action="hours_confirmed" if confirm else "hours_rejected",
            subject=f"engagement:{engagement.id}",
            at=now,
            data={"day": entry.day.isoformat(), "hours": entry.hours},
        )
    line = await hours_line(db, entry_id)
    assert line is not None
    return line


# -- the volunteer's summary ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HoursItem:
    """One activity on a certificate: an organisation's need, its period and
    the confirmed hours."""

    organisation: str
    activity: str
    first_day: date
    last_day: date
    dates: int
    hours: float


@dataclass(frozen=True, slots=True)
class HoursSummary:
    items: tuple[HoursItem, ...]  # confirmed hours only
    confirmed: float
    pending: float  # logged, waiting for the organisation


async def hours_summary(db: Database, person_id: int) -> HoursSummary:
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(
                    Organisation.name,
                    Need.title,
                    Need.id,
                    HoursEntry.day,
                    HoursEntry.hours,
                    HoursEntry.status,
                )
                .join(Engagement, Engagement.id == HoursEntry.engagement_id)
                .join(Need, Need.id == Engagement.need_id)
                .join(Organisation, Organisation.id == Need.organisation_id)
                .where(Engagement.person_id == person_id)
                .order_by(Organisation.name, Need.title, Need.id, HoursEntry.day)
            )
        ).all()
    grouped: dict[int, list[tuple[str, str, date, float]]] = {}
    pending = 0.0
    for org, title, need_id, day, hours, status in rows:
        if status == HoursStatus.LOGGED:
            pending += hours
        elif status == HoursStatus.CONFIRMED:
            grouped.setdefault(need_id, []).append((org, title, day, hours))
    items = tuple(
        HoursItem(
            organisation=entries[0][0],
            activity=entries[0][1],
            first_day=min(e[2] for e in entries),
            last_day=max(e[2] for e in entries),
            dates=len(entries),
            hours=sum(e[3] for e in entries),
        )
        for entries in grouped.values()
    )
    return HoursSummary(items, sum(i.hours for i in items), pending)


# -- hours typed with no question open ----------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenDate:
    """An engagement's date hours may be logged for."""

    engagement_id: int
    title: str
    day: date


async def dates_for_hours(
    db: Database, person_id: int, now: datetime, day: date | None = None
) -> tuple[list[OpenDate], DomainError | None]:
    """Where typed hours belong. Without ``day``: the passed dates that have
    no hours yet (one per engagement, as "Meine Termine" offers them). With
    ``day``: the person's engagements that had a date that day; when none
    had, why (a future day, or the one engagement's ``date_problem``)."""
    if day is None:
        from core.services.timeline import timeline_of

        timeline = await timeline_of(db, person_id, now)
        seen: dict[tuple[int, date], OpenDate] = {}
        for item in timeline.past:
            if item.pending_day is not None:
                seen[(item.id, item.pending_day)] = OpenDate(item.id, item.title, item.pending_day)
        return sorted(seen.values(), key=lambda d: (d.day, d.engagement_id)), None
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Engagement, Need, Tenant.timezone)
                .join(Need, Need.id == Engagement.need_id)
                .join(Tenant, Tenant.id == Need.tenant_id)
                .where(
                    Engagement.person_id == person_id,
                    Engagement.status.in_((*ACTIVE_STATUSES, EngagementStatus.DONE)),
                    Engagement.waitlisted.is_(False),
                )
                .order_by(Engagement.id)
            )
        ).all()
    found: list[OpenDate] = []
    problems: list[DomainError] = []
    for engagement, need, tz_name in rows:
        tz = ZoneInfo(tz_name)
        problem = date_problem(need, engagement, day, now.astimezone(tz).date(), tz)
        if problem is None:
            found.append(OpenDate(engagement.id, need.title, day))
        else:
            problems.append(problem)
    if found or not problems:
        return found, None
    if any(isinstance(p, FutureDay) for p in problems):
        return [], FutureDay()
    return [], problems[0] if len(problems) == 1 else NoDateThatDay()

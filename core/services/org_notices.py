"""Organisations hear about their volunteers (issue 14, part 2).

A sign-up, a withdrawal, a "can't come" or a no-show on one of an
organisation's needs writes one ``OrgNotice`` row in the caller's
transaction. The web inbox lists those rows; each chat-linked member gets
an ``org_notice`` reminder (the outbox: quiet hours apply, delivered once,
worded at delivery); members who only have a web account get the day's
notices in one e-mail (``enqueue_digests``, run daily by the scheduler).

The volunteer appears under the name they chose for organisations
(``Person.display_name``, asked once at their first sign-up); read at
display time, so an erased person disappears from every notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.models import (
    Account,
    Engagement,
    Identity,
    Membership,
    Need,
    OrgNotice,
    Person,
    Tenant,
)
from core.reminders import kinds
from core.reminders.planning import add_reminder
from core.services import mail_queue

SIGNED_UP = "signed_up"
WITHDRAWN = "withdrawn"
CANT_COME = "cant_come"
NO_SHOW = "no_show"
SKIPS_DATE = "skips_date"  # a weekly volunteer misses one date and stays
# A volunteer withdrew because the need's new time or place no longer fits
# them (the ``unfit`` choice under the change notice, issue 14.6).
LEFT_AFTER_CHANGE = "left_after_change"
NOTICE_KINDS = (SIGNED_UP, WITHDRAWN, CANT_COME, NO_SHOW, SKIPS_DATE, LEFT_AFTER_CHANGE)
# A first sign-up's notice waits this long for the name the volunteer is
# asked next (without an answer it says "Eine freiwillige Person").
NAME_GRACE = timedelta(minutes=5)
DIGEST_MAIL = "org_digest"
DIGEST_ITEMS = 20  # needs named in one digest mail; the inbox has the rest
DIGEST_HOUR = 18  # local time: the day's news goes out in the evening


@dataclass(frozen=True, slots=True)
class NoticeView:
    id: int
    kind: str
    organisation_id: int
    need_id: int
    need_title: str
    volunteer: str  # the name they chose for organisations; "" when not known
    waitlisted: bool
    created_at: datetime
    read: bool
    starts_at: datetime | None = None  # the date it is about (``OrgNotice.starts_at``)


async def record_notice(
    session: AsyncSession,
    *,
    kind: str,
    need: Need,
    engagement_id: int | None,
    now: datetime,
    waitlisted: bool = False,
    exclude_person_id: int | None = None,
    data: dict[str, str] | None = None,
    starts_at: datetime | None = None,
) -> int:
    """Write the notice and an ``org_notice`` reminder for each chat-linked
    member of the need's organisation (not the volunteer themselves, nor
    ``exclude_person_id``: the member who caused it)."""
    assert kind in NOTICE_KINDS
    notice = OrgNotice(
        tenant_id=need.tenant_id,
        organisation_id=need.organisation_id,
        need_id=need.id,
        engagement_id=engagement_id,
        kind=kind,
        waitlisted=waitlisted,
        created_at=now,
        starts_at=starts_at,
    )
    session.add(notice)
    await session.flush()
    volunteer, due_at = None, now
    if engagement_id is not None:
        volunteer = await session.scalar(
            select(Engagement.person_id).where(Engagement.id == engagement_id)
        )
    if kind == SIGNED_UP and volunteer is not None:
        named = (
            await session.execute(
                select(Person.display_name, Person.name_asked_at).where(Person.id == volunteer)
            )
        ).one_or_none()
        if named is not None and named[0] is None and named[1] is None:
            # A first sign-up: the volunteer is asked next for the name the
            # organisation sees; the notice, worded at delivery, waits for it.
            due_at = now + NAME_GRACE
    # No need/engagement ids on the rows: a withdrawal is news even though
    # the engagement is no longer active.
    await tell_members(
        session,
        need.organisation_id,
        kind=kinds.ORG_NOTICE.name,
        tenant_id=need.tenant_id,
        now=now,
        due_at=due_at,
        key=f"org_notice:{notice.id}",
        data={"notice": notice.id, **(data or {})},
        skip=(volunteer, exclude_person_id),
    )
    return int(notice.id)


async def tell_members(
    session: AsyncSession,
    organisation_id: int,
    *,
    kind: str,
    tenant_id: int,
    now: datetime,
    key: str,
    data: dict[str, Any],
    due_at: datetime | None = None,
    skip: Sequence[int | None] = (),
) -> None:
    """One outbox row of ``kind`` for each chat-linked member of the
    organisation but those in ``skip``; dedupe key ``<key>:<member>``."""
    for member in await chat_members(session, organisation_id):
        if member in skip:
            continue
        await add_reminder(
            session,
            kind=kind,
            tenant_id=tenant_id,
            due_at=due_at or now,
            now=now,
            person_id=member,
            dedupe_key=f"{key}:{member}",
            data=data,
        )


async def chat_members(session: AsyncSession, organisation_id: int) -> list[int]:
    """Members of the organisation with a chat the bot can reach."""
    has_chat = exists().where(
        Identity.person_id == Membership.person_id, Identity.unreachable_at.is_(None)
    )
    rows = await session.scalars(
        select(Membership.person_id)
        .where(
            Membership.organisation_id == organisation_id,
            Membership.person_id.is_not(None),
            has_chat,
        )
        .distinct()
        .order_by(Membership.person_id)
    )
    return [int(p) for p in rows.all() if p is not None]


_VIEW = (
    select(
        OrgNotice.id,
        OrgNotice.kind,
        OrgNotice.organisation_id,
        OrgNotice.need_id,
        Need.title,
        Person.display_name,
        OrgNotice.waitlisted,
        OrgNotice.created_at,
        OrgNotice.read_at,
        OrgNotice.starts_at,
    )
    .join(Need, Need.id == OrgNotice.need_id)
    .outerjoin(Engagement, Engagement.id == OrgNotice.engagement_id)
    .outerjoin(Person, Person.id == Engagement.person_id)
)


def _view(row: tuple) -> NoticeView:  # type: ignore[type-arg]
    nid, kind, org_id, need_id, title, name, waitlisted, created, read, starts_at = row
    return NoticeView(
        nid,
        kind,
        org_id,
        need_id,
        title,
        name or "",
        bool(waitlisted),
        created,
        read is not None,
        starts_at,
    )


async def notice(db: Database, notice_id: int) -> NoticeView | None:
    async with db.sessions() as session:
        row = (await session.execute(_VIEW.where(OrgNotice.id == notice_id))).one_or_none()
    return _view(tuple(row)) if row is not None else None


async def notices_of(db: Database, organisation_id: int, *, limit: int = 50) -> list[NoticeView]:
    """The organisation's notices, newest first (the web inbox)."""
    async with db.sessions() as session:
        rows = (
            await session.execute(
                _VIEW.where(OrgNotice.organisation_id == organisation_id)
                .order_by(OrgNotice.created_at.desc(), OrgNotice.id.desc())
                .limit(limit)
            )
        ).all()
    return [_view(tuple(r)) for r in rows]


async def mark_read(db: Database, organisation_id: int, now: datetime) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(OrgNotice)
            .where(OrgNotice.organisation_id == organisation_id, OrgNotice.read_at.is_(None))
            .values(read_at=now)
        )


async def enqueue_digests(
    db: Database, now: datetime, *, tenant_id: int | None = None, before: datetime | None = None
) -> int:
    """One e-mail per web member without a chat, listing the notices of their
    organisation not mailed yet and made ``before`` (default: now); older
    than two days they are only in the inbox. Returns how many mails were
    queued. Notices are marked mailed even where every member has a chat."""
    queued = 0
    until = before or now
    query = _VIEW.add_columns(OrgNotice.tenant_id).where(
        OrgNotice.mailed_at.is_(None),
        OrgNotice.created_at > until - timedelta(days=2),
        OrgNotice.created_at <= until,
    )
    if tenant_id is not None:
        query = query.where(OrgNotice.tenant_id == tenant_id)
    async with db.transaction() as session:
        rows = (
            await session.execute(
                query.order_by(OrgNotice.organisation_id, OrgNotice.created_at, OrgNotice.id)
            )
        ).all()
        by_org: dict[int, list[tuple[NoticeView, int]]] = {}
        for row in rows:
            view = _view(tuple(row[:-1]))
            by_org.setdefault(view.organisation_id, []).append((view, int(row[-1])))
        for org_id, items in by_org.items():
            tenant_id = items[0][1]
            slug = await session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))
            counts = {k: sum(1 for v, _ in items if v.kind == k) for k in NOTICE_KINDS}
            counts[CANT_COME] += counts.pop(SKIPS_DATE)  # the mail counts both as "can't come"
            counts[WITHDRAWN] += counts.pop(LEFT_AFTER_CHANGE)  # a withdrawal all the same
            titles = list(dict.fromkeys(v.need_title for v, _ in items))[:DIGEST_ITEMS]
            for account_id, email in await _members_without_chat(session, org_id):
                mail_queue.enqueue(
                    session,
                    tenant_id=tenant_id,
                    kind=DIGEST_MAIL,
                    to=email,
                    data={
                        **counts,
                        "count": len(items),
                        "needs": ", ".join(titles),
                        "path": f"/t/{slug}/org/inbox",
                    },
                    now=now,
                    organisation_id=org_id,
                    account_id=account_id,
                )
                queued += 1
        ids = [row[0] for row in rows]
        if ids:
            await session.execute(
                update(OrgNotice).where(OrgNotice.id.in_(ids)).values(mailed_at=now)
            )
    return queued


def digest_cutoff(now: datetime, tz: ZoneInfo, hour: int = DIGEST_HOUR) -> datetime:
    """The latest ``hour`` o'clock (local) at or before ``now``, in UTC."""
    local = now.astimezone(tz)
    cutoff = datetime.combine(local.date(), time(hour), tz)
    if cutoff > local:
        cutoff -= timedelta(days=1)
    return cutoff.astimezone(now.tzinfo)


async def send_daily_digests(db: Database, now: datetime) -> int:
    """The scheduler's housekeeping (every few minutes): each tenant's digest
    covers what happened until its last ``DIGEST_HOUR`` o'clock, so however
    often this runs, a member gets at most one mail a day."""
    async with db.sessions() as session:
        zones = (await session.execute(select(Tenant.id, Tenant.timezone))).all()
    queued = 0
    for tenant_id, zone in zones:
        cutoff = digest_cutoff(now, ZoneInfo(zone or "Europe/Berlin"))
        queued += await enqueue_digests(db, now, tenant_id=int(tenant_id), before=cutoff)
    return queued


async def _members_without_chat(
    session: AsyncSession, organisation_id: int
) -> list[tuple[int, str]]:
    """(account id, e-mail) of web members whose account has no reachable chat."""
    return [(m.account_id, m.email) for m in await members_without_chat(session, organisation_id)]


@dataclass(frozen=True, slots=True)
class MailMember:
    """A web member of an organisation whom the bot cannot reach in a chat."""

    account_id: int
    email: str
    person_id: int | None  # a chat once linked, now unreachable
    language: str  # their chat's language; "" = the tenant's default


async def members_without_chat(session: AsyncSession, organisation_id: int) -> list[MailMember]:
    """The organisation's web members whose account has no reachable chat:
    what reaches their chat-linked colleagues reaches them by e-mail."""
    has_chat = exists().where(
        Identity.person_id == Account.person_id, Identity.unreachable_at.is_(None)
    )
    rows = await session.execute(
        select(Account.id, Account.email, Account.person_id, Person.language)
        .join(Membership, Membership.account_id == Account.id)
        .outerjoin(Person, Person.id == Account.person_id)
        .where(
            Membership.organisation_id == organisation_id,
            Account.email_verified_at.is_not(None) | Account.password_hash.is_not(None),
            ~has_chat,
        )
        .distinct()
        .order_by(Account.id)
    )
    return [MailMember(int(a), str(e), p, lang or "") for a, e, p, lang in rows.all()]

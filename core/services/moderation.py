"""The Redaktion's work for one tenant: the review queue, organisations to
verify, hiding abusive content, the tenant's own bot texts. Every verb
checks the tenant (``NotAllowed`` for another tenant's content) and lands in
the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from core.db import Database
from core.errors import DatePassed, InvalidValue, NotAllowed, UnknownNeed
from core.models import AuditEvent, Need, NeedStatus, Offer, Organisation, TextOverride
from core.models.need import awaits_review
from core.placeholders import plain_placeholders
from core.schedule import date_passed
from core.services.audit import record
from core.services.needs import (
    REVIEW_FIELDS,
    NeedRef,
    cancel_alerts,
    differing,
    moderate,
    pending_or_current,
)

MAX_REASON = 1000
MAX_TEXT_OVERRIDE = 4000


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: int
    title: str
    description: str
    category: str
    organisation: str
    organisation_verified: bool
    place_label: str | None
    remote: bool
    starts_at: datetime | None
    created_at: datetime
    # Its (last) date is over: it cannot be approved, only rejected.
    past: bool = False
    # A change of a published need (which stays public as it was meanwhile):
    # the fields above show the changed version, ``changed`` names what differs
    # (``needs.REVIEW_FIELDS``), ``previous_*`` the public version.
    changed: tuple[str, ...] = ()
    previous_title: str | None = None
    previous_starts_at: datetime | None = None
    previous_place_label: str | None = None

    @property
    def is_change(self) -> bool:
        return bool(self.changed)


@dataclass(frozen=True, slots=True)
class OrgRow:
    id: int
    name: str
    kind: str
    contact_name: str | None
    email: str | None
    verified: bool
    created_at: datetime
    suspended: bool = False


@dataclass(frozen=True, slots=True)
class ContentRow:
    kind: str  # need | offer
    id: int
    title: str
    organisation: str
    status: str
    hidden: bool


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    subject: str
    data: dict[str, Any]


def _past(need: Need, now: datetime) -> bool:
    """Whether the version under review is over: its (last) date passed."""
    v = pending_or_current(need)
    return date_passed(
        ends_at=v["ends_at"], recurrence=v["recurrence"], valid_until=v["valid_until"], now=now
    )


async def queue(db: Database, tenant_id: int, *, now: datetime | None = None) -> list[QueueItem]:
    """The needs awaiting review, oldest first; with ``now``, those whose
    date has passed are marked ``past``."""
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Need, Organisation.name, Organisation.verified)
                .join(Organisation, Organisation.id == Need.organisation_id)
                .where(Need.tenant_id == tenant_id, awaits_review())
                .order_by(Need.created_at, Need.id)
            )
        ).all()
        items = []
        for n, org, verified in rows:
            v = pending_or_current(n)
            change = n.pending_change is not None and n.status != NeedStatus.PENDING_REVIEW
            items.append(
                QueueItem(
                    n.id,
                    v["title"],
                    v["description"],
                    v["category"],
                    org,
                    verified,
                    v["place_label"],
                    v["remote"],
                    v["starts_at"],
                    n.created_at,
                    changed=tuple(differing(n, n.pending_change, REVIEW_FIELDS)) if change else (),
                    previous_title=n.title if change else None,
                    previous_starts_at=n.starts_at if change else None,
                    previous_place_label=n.place_label if change else None,
                    past=now is not None and _past(n, now),
                )
            )
    return items


async def _need_tenant(db: Database, need_id: int, now: datetime) -> tuple[int, bool]:
    """The need's tenant and whether its version under review is over."""
    async with db.sessions() as session:
        need = await session.get(Need, need_id)
        if need is None:
            raise UnknownNeed(need_id=need_id)
        return need.tenant_id, _past(need, now)


async def review(
    db: Database,
    tenant_id: int,
    need_id: int,
    *,
    approve: bool,
    reason: str | None,
    actor: str,
    now: datetime,
) -> NeedRef:
    """Approve a need, or reject it with a reason the organisation sees.
    A need whose (last) date has passed is not approved (``DatePassed``):
    published, it would only show "Termin vorbei"; it can be rejected."""
    need_tenant, past = await _need_tenant(db, need_id, now)
    if need_tenant != tenant_id:
        raise NotAllowed()
    if approve and past:
        raise DatePassed()
    reason = (reason or "").strip()
    if not approve and (not reason or len(reason) > MAX_REASON):
        raise InvalidValue(field="reason")
    return await moderate(db, need_id, approve=approve, reason=reason or None, actor=actor, now=now)


async def organisations(db: Database, tenant_id: int) -> list[OrgRow]:
    async with db.sessions() as session:
        rows = (
            await session.scalars(
                select(Organisation)
                .where(Organisation.tenant_id == tenant_id)
                .order_by(Organisation.verified, Organisation.created_at.desc(), Organisation.name)
            )
        ).all()
    return [
        OrgRow(
            o.id,
            o.name,
            o.kind.value,
            o.contact_name,
            o.email,
            o.verified,
            o.created_at,
            o.suspended_at is not None,
        )
        for o in rows
    ]


async def set_verified(
    db: Database,
    tenant_id: int,
    organisation_id: int,
    verified: bool,
    *,
    actor: str,
    now: datetime,
) -> None:
    async with db.transaction() as session:
        org = await session.get(Organisation, organisation_id)
        if org is None or org.tenant_id != tenant_id:
            raise NotAllowed()
        org.verified = verified
        record(
            session,
            tenant_id=tenant_id,
            actor=actor,
            action="organisation_verified" if verified else "organisation_unverified",
            subject=f"organisation:{org.id}",
            at=now,
        )


async def set_suspended(
    db: Database,
    tenant_id: int,
    organisation_id: int,
    suspended: bool,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Suspend an organisation (it cannot post, and its members cannot log in
    to post; what it already published stays as it is) or reactivate it."""
    async with db.transaction() as session:
        org = await session.get(Organisation, organisation_id)
        if org is None or org.tenant_id != tenant_id:
            raise NotAllowed()
        if (org.suspended_at is not None) == suspended:
            return
        org.suspended_at = now if suspended else None
        record(
            session,
            tenant_id=tenant_id,
            actor=actor,
            action="organisation_suspended" if suspended else "organisation_reactivated",
            subject=f"organisation:{org.id}",
            at=now,
        )


async def content(db: Database, tenant_id: int, *, limit: int = 200) -> list[ContentRow]:
    """Needs and offers of the tenant, newest first, for hiding and showing."""
    async with db.sessions() as session:
        needs = (
            await session.execute(
                select(Need.id, Need.title, Organisation.name, Need.status, Need.hidden)
                .join(Organisation, Organisation.id == Need.organisation_id)
                .where(Need.tenant_id == tenant_id)
                .order_by(Need.created_at.desc(), Need.id.desc())
                .limit(limit)
            )
        ).all()
        offers = (
            await session.execute(
                select(Offer.id, Offer.title, Organisation.name, Offer.active)
                .outerjoin(Organisation, Organisation.id == Offer.organisation_id)
                .where(Offer.tenant_id == tenant_id)
                .order_by(Offer.created_at.desc(), Offer.id.desc())
                .limit(limit)
            )
        ).all()
    rows = [ContentRow("need", i, t, o, s.value, h) for i, t, o, s, h in needs]
    rows += [
        ContentRow("offer", i, t, o or "", "active" if a else "inactive", not a)
        for i, t, o, a in offers
    ]
    return rows


async def set_hidden(
    db: Database,
    tenant_id: int,
    kind: str,
    item_id: int,
    hidden: bool,
    *,
    actor: str,
    now: datetime,
    reason: str = "",
) -> None:
    """Hide a need (still listed for its organisation, not for volunteers) or
    deactivate an offer; or show it again."""
    async with db.transaction() as session:
        item: Need | Offer | None
        if kind == "need":
            item = await session.get(Need, item_id)
        elif kind == "offer":
            item = await session.get(Offer, item_id)
        else:
            raise InvalidValue(field="kind")
        if item is None or item.tenant_id != tenant_id:
            raise NotAllowed()
        if isinstance(item, Need):
            item.hidden, item.updated_at = hidden, now
            if hidden:
                await cancel_alerts(session, item.id)  # nobody is asked about it
        else:
            item.active = not hidden
        record(
            session,
            tenant_id=tenant_id,
            actor=actor,
            action="content_hidden" if hidden else "content_shown",
            subject=f"{kind}:{item_id}",
            at=now,
            data={"reason": reason.strip()[:MAX_REASON]} if reason.strip() else {},
        )


# -- the tenant's texts ----------------------------------------------------------


async def text_overrides(db: Database, tenant_id: int, language: str) -> dict[str, str]:
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(TextOverride.key, TextOverride.value).where(
                    TextOverride.tenant_id == tenant_id, TextOverride.language == language
                )
            )
        ).all()
    return {k: v for k, v in rows}


async def edited_texts(db: Database, tenant_id: int) -> dict[str, dict[str, str]]:
    """Every text the tenant's editors changed: language -> key -> wording."""
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(TextOverride.language, TextOverride.key, TextOverride.value).where(
                    TextOverride.tenant_id == tenant_id
                )
            )
        ).all()
    edited: dict[str, dict[str, str]] = {}
    for lang, key, value in rows:
        edited.setdefault(lang, {})[key] = value
    return edited


async def set_text(
    db: Database,
    tenant_id: int,
    language: str,
    key: str,
    value: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Store the tenant's wording of a text; an empty value goes back to the
    default. Placeholders must be bare names (``InvalidValue`` otherwise)."""
    value = value.strip()
    if not plain_placeholders(value) or len(value) > MAX_TEXT_OVERRIDE:
        raise InvalidValue(field="value")
    async with db.transaction() as session:
        row = await session.scalar(
            select(TextOverride).where(
                TextOverride.tenant_id == tenant_id,
                TextOverride.language == language,
                TextOverride.key == key,
            )
        )
        if not value:
            if row is not None:
                await session.execute(delete(TextOverride).where(TextOverride.id == row.id))
        elif row is None:
            session.add(
                TextOverride(
                    tenant_id=tenant_id,
                    language=language,
                    key=key,
                    value=value,
                    updated_at=now,
                    updated_by=actor,
                )
            )
        else:
            row.value, row.updated_at, row.updated_by = value, now, actor
        record(
            session,
            tenant_id=tenant_id,
            actor=actor,
            action="text_reset" if not value else "text_edited",
            subject=f"text:{language}:{key}"[:60],
            at=now,
        )


async def audit_log(db: Database, tenant_id: int, *, limit: int = 200) -> list[AuditRow]:
    async with db.sessions() as session:
        rows = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.tenant_id == tenant_id)
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .limit(limit)
            )
        ).all()
    return [AuditRow(r.at, r.actor, r.action, r.subject, dict(r.data or {})) for r in rows]

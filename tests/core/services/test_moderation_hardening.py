"""Issue 11, finding 1: moderation cannot be bypassed. In a moderated tenant
an edit of a published need waits for review beside the approved version
(which alone stays public), an expired need that never
passed review stays unpublished, and nothing is public without an editor's
``published_at``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from core.db import Database
from core.models import Need, NeedStatus, Reminder, ReminderStatus, Tenant
from core.services.listing import is_public, public_need_ids
from core.services.needs import expire_needs, moderate, need_details, post_need
from core.services.organisations import extend_need, update_need

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def _post(db: Database, org: int, data: Any, taxonomy: Any, places: Any) -> int:
    ref = await post_need(
        db, organisation_id=org, data=data, taxonomy=taxonomy, places=places,
        now=NOW, tz=BERLIN, actor="org",
    )  # fmt: skip
    return ref.id


async def _edit(db: Database, org: int, need_id: int, data: Any, taxonomy: Any, places: Any,
                now: datetime = NOW) -> NeedStatus:  # fmt: skip
    """The status, or ``PENDING_REVIEW`` while the change waits for an editor."""
    edit = await update_need(
        db, org, need_id, data, taxonomy=taxonomy, places=places, now=now, tz=BERLIN, actor="org"
    )
    return NeedStatus.PENDING_REVIEW if edit.awaits_review else edit.status


async def _row(db: Database, need_id: int) -> Need:
    async with db.sessions() as session:
        need = await session.get(Need, need_id)
    assert need is not None
    return need


async def _visible(db: Database, tenant_id: int, need_id: int, now: datetime = NOW) -> bool:
    listed = need_id in await public_need_ids(db, tenant_id, now)
    open_cards = need_id in await need_details(db, [need_id], open_at=now)
    public = await is_public(db, need_id, now)
    assert listed == open_cards == public
    return public


async def test_editing_a_published_need_in_a_moderated_tenant_waits_for_review(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    world = await world_factory(db, moderation=True)
    need_id = await _post(db, world.org, need_input(urgent=True), taxonomy, places)
    await moderate(db, need_id, approve=True, reason=None, actor="editor", now=NOW)
    assert await _visible(db, world.aachen, need_id)

    status = await _edit(
        db, world.org, need_id, need_input(title="Jetzt mit Link: evil.example"), taxonomy, places
    )

    assert status == NeedStatus.PENDING_REVIEW
    row = await _row(db, need_id)
    # The unreviewed text is not public; the approved version stays.
    assert row.published_at == NOW and row.title == "Hausaufgabenhilfe"
    assert row.pending_change and row.pending_change["title"] == "Jetzt mit Link: evil.example"
    assert await _visible(db, world.aachen, need_id)
    async with db.sessions() as session:
        pending_alerts = (
            await session.scalars(
                select(Reminder.kind).where(
                    Reminder.need_id == need_id, Reminder.status == ReminderStatus.PENDING
                )
            )
        ).all()
    # Alerts go on about the approved text; the unreviewed one alerts nobody.
    assert "alert_wave" in pending_alerts
    assert (await _row(db, need_id)).title == "Hausaufgabenhilfe"


async def test_a_time_correction_skips_review_only_when_the_tenant_allows_it(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    world = await world_factory(db, moderation=True)
    first = need_input()
    later = replace(
        first,
        starts_at=first.starts_at + timedelta(hours=1),
        ends_at=first.ends_at + timedelta(hours=1),
        helpers_wanted=3,
    )
    need_id = await _post(db, world.org, first, taxonomy, places)
    await moderate(db, need_id, approve=True, reason=None, actor="editor", now=NOW)
    # The safe default: even a correction goes back to review.
    assert await _edit(db, world.org, need_id, later, taxonomy, places) == (
        NeedStatus.PENDING_REVIEW
    )
    await moderate(db, need_id, approve=True, reason=None, actor="editor", now=NOW)
    async with db.transaction() as session:
        await session.execute(
            update(Tenant).where(Tenant.id == world.aachen).values(corrections_without_review=True)
        )
    assert await _edit(db, world.org, need_id, first, taxonomy, places) == NeedStatus.PUBLISHED
    assert await _visible(db, world.aachen, need_id)
    # ... but a new title still needs an editor.
    changed = replace(first, title="Neuer Titel")
    assert await _edit(db, world.org, need_id, changed, taxonomy, places) == (
        NeedStatus.PENDING_REVIEW
    )
    assert (await _row(db, need_id)).title == first.title  # public as approved


async def test_a_pending_need_never_expires_into_a_publishable_state(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    """post -> expire -> edit dates: still no editor has seen it."""
    world = await world_factory(db, moderation=True)
    need_id = await _post(db, world.org, need_input(in_days=1), taxonomy, places)
    later = NOW + timedelta(days=3)
    await expire_needs(db, later)
    moved = need_input(in_days=6)
    status = await _edit(db, world.org, need_id, moved, taxonomy, places, now=later)
    assert status == NeedStatus.PENDING_REVIEW
    assert (await _row(db, need_id)).published_at is None
    assert not await _visible(db, world.aachen, need_id, later)


async def test_extending_an_expired_weekly_need_never_approved_does_not_publish_it(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    from datetime import time

    from core.schedule import Weekly

    world = await world_factory(db, moderation=True)
    weekly = need_input(
        starts_at=None, ends_at=None, weekly=Weekly(("sa",), time(9), time(11)),
        valid_until=NOW + timedelta(days=2),
    )  # fmt: skip
    need_id = await _post(db, world.org, weekly, taxonomy, places)
    later = NOW + timedelta(days=3)
    await expire_needs(db, later)
    await extend_need(db, world.org, need_id, now=later, actor="org")
    row = await _row(db, need_id)
    assert row.status == NeedStatus.PENDING_REVIEW and row.published_at is None
    assert not await _visible(db, world.aachen, need_id, later)


async def test_editing_an_expired_approved_need_goes_back_to_review(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    world = await world_factory(db, moderation=True)
    need_id = await _post(db, world.org, need_input(in_days=1), taxonomy, places)
    await moderate(db, need_id, approve=True, reason=None, actor="editor", now=NOW)
    later = NOW + timedelta(days=3)
    await expire_needs(db, later)
    status = await _edit(
        db, world.org, need_id, need_input(in_days=6, title="Anderer Text"), taxonomy, places,
        now=later,
    )  # fmt: skip
    assert status == NeedStatus.PENDING_REVIEW
    assert not await _visible(db, world.aachen, need_id, later)


async def test_an_unmoderated_tenant_publishes_edits_at_once(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    world = await world_factory(db, moderation=False)
    need_id = await _post(db, world.org, need_input(in_days=1), taxonomy, places)
    later = NOW + timedelta(days=3)
    await expire_needs(db, later)
    status = await _edit(db, world.org, need_id, need_input(in_days=6), taxonomy, places, later)
    assert status == NeedStatus.PUBLISHED
    assert (await _row(db, need_id)).published_at == later
    assert await _visible(db, world.aachen, need_id, later)


async def test_a_published_row_without_published_at_is_never_public(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    world = await world_factory(db, moderation=True)
    need_id = await _post(db, world.org, need_input(), taxonomy, places)
    async with db.transaction() as session:
        await session.execute(
            update(Need).where(Need.id == need_id).values(status=NeedStatus.PUBLISHED)
        )
    assert not await _visible(db, world.aachen, need_id)

"""Issue 14.1: a need switched to urgent after it was posted is treated like a
new urgent need. Its alert waves start once it is public; a verified
organisation's goes out at once, an unverified one's waits for the editors
(moderation rules apply), and nobody is asked twice for one need."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from core.db import Database
from core.models import AuditEvent, NeedStatus, Organisation, Reminder
from core.services.needs import moderate, post_need
from core.services.organisations import update_need
from tests.core.conftest import BERLIN, NOW


async def _waves(db: Database, need_id: int) -> list[str]:
    async with db.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(Reminder.dedupe_key).where(
                        Reminder.need_id == need_id, Reminder.kind == "alert_wave"
                    )
                )
            ).all()
        )


async def _posted(db: Database, org: int, data: Any, taxonomy: Any, places: Any) -> int:
    ref = await post_need(
        db, organisation_id=org, data=data, taxonomy=taxonomy, places=places,
        now=NOW, tz=BERLIN, actor="org",
    )  # fmt: skip
    if ref.status == NeedStatus.PENDING_REVIEW:
        await moderate(db, ref.id, approve=True, reason=None, actor="editor", now=NOW)
    return ref.id


async def _edit(db: Database, org: int, need_id: int, data: Any, taxonomy: Any, places: Any
                ) -> NeedStatus:  # fmt: skip
    """The status, or ``PENDING_REVIEW`` while the change waits for an editor."""
    edit = await update_need(
        db, org, need_id, data, taxonomy=taxonomy, places=places,
        now=NOW + timedelta(hours=1), tz=BERLIN, actor="org",
    )  # fmt: skip
    return NeedStatus.PENDING_REVIEW if edit.awaits_review else edit.status


async def _verify(db: Database, org: int) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Organisation).where(Organisation.id == org).values(verified=True)
        )


async def test_switching_to_urgent_starts_the_alert_waves_once(
    db: Database, world_factory: Callable[..., Awaitable[Any]], need_input: Any,
    taxonomy: Any, places: Any,
) -> None:  # fmt: skip
    world = await world_factory(db)  # no moderation
    data = need_input()
    need_id = await _posted(db, world.org, data, taxonomy, places)
    assert await _waves(db, need_id) == []

    urgent = replace(data, urgent=True)
    assert await _edit(db, world.org, need_id, urgent, taxonomy, places) == NeedStatus.PUBLISHED
    assert await _waves(db, need_id) == [f"alert_wave:{need_id}:1"]
    # Saved again (or off and on again): nobody is asked twice.
    await _edit(db, world.org, need_id, replace(urgent, helpers_wanted=4), taxonomy, places)
    await _edit(db, world.org, need_id, data, taxonomy, places)
    await _edit(db, world.org, need_id, urgent, taxonomy, places)
    assert await _waves(db, need_id) == [f"alert_wave:{need_id}:1"]


async def test_a_verified_organisation_skips_review_as_for_a_new_urgent_need(
    db: Database, world_factory: Callable[..., Awaitable[Any]], need_input: Any,
    taxonomy: Any, places: Any,
) -> None:  # fmt: skip
    world = await world_factory(db, moderation=True)
    await _verify(db, world.org)
    data = need_input()
    need_id = await _posted(db, world.org, data, taxonomy, places)

    status = await _edit(db, world.org, need_id, replace(data, urgent=True), taxonomy, places)

    assert status == NeedStatus.PUBLISHED
    assert await _waves(db, need_id) == [f"alert_wave:{need_id}:1"]
    async with db.sessions() as session:
        edited = await session.scalar(
            select(AuditEvent.data).where(AuditEvent.action == "need_edited")
        )
    assert edited == {"verified_urgent": True}


async def test_an_unverified_organisations_switch_waits_for_the_editors(
    db: Database, world_factory: Callable[..., Awaitable[Any]], need_input: Any,
    taxonomy: Any, places: Any,
) -> None:  # fmt: skip
    world = await world_factory(db, moderation=True)
    data = need_input()
    need_id = await _posted(db, world.org, data, taxonomy, places)

    status = await _edit(db, world.org, need_id, replace(data, urgent=True), taxonomy, places)

    assert status == NeedStatus.PENDING_REVIEW
    assert await _waves(db, need_id) == []  # the unreviewed need alerts nobody
    await moderate(db, need_id, approve=True, reason=None, actor="editor", now=NOW)
    assert await _waves(db, need_id) == [f"alert_wave:{need_id}:1"]


async def test_a_rejected_need_made_urgent_still_waits_for_the_editors(
    db: Database, world_factory: Callable[..., Awaitable[Any]], need_input: Any,
    taxonomy: Any, places: Any,
) -> None:  # fmt: skip
    world = await world_factory(db, moderation=True)
    await _verify(db, world.org)
    data = need_input()
    ref = await post_need(
        db, organisation_id=world.org, data=data, taxonomy=taxonomy, places=places,
        now=NOW, tz=BERLIN, actor="org",
    )  # fmt: skip
    await moderate(db, ref.id, approve=False, reason="Werbung", actor="editor", now=NOW)

    status = await _edit(db, world.org, ref.id, replace(data, urgent=True), taxonomy, places)

    assert status == NeedStatus.PENDING_REVIEW
    assert await _waves(db, ref.id) == []

"""A change of a published need that waits for review never hides the need:
the approved version stays public and the sign-ups stay; the change is stored
beside it and shown to editors as a change. Approving applies it, tells the
people signed up once (an outbox row naming what changed), moves their
reminders and raises the calendar SEQUENCE. The same service serves the web
form and the chat (``organisations.update_need``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from core.db import Database
from core.errors import InvalidValue
from core.models import Engagement, Need, NeedStatus, Organisation, Reminder, ReminderStatus
from core.services import moderation
from core.services.listing import is_public
from core.services.needs import moderate, own_need, post_need
from core.services.organisations import NeedEdit, need_for_edit, update_need
from core.services.signup import sign_up
from core.services.timeline import ics_sequence

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


async def _published_with_signup(db: Database, world: Any, data: Any, taxonomy: Any, places: Any):  # type: ignore[no-untyped-def]
    ref = await post_need(
        db, organisation_id=world.org, data=data, taxonomy=taxonomy, places=places,
        now=NOW, tz=BERLIN, actor="org",
    )  # fmt: skip
    if ref.status == NeedStatus.PENDING_REVIEW:
        await moderate(db, ref.id, approve=True, reason=None, actor="editor", now=NOW)
    await sign_up(db, world.people[0], ref.id, NOW)
    return ref.id


async def _edit(
    db: Database, world: Any, need_id: int, data: Any, taxonomy: Any, places: Any
) -> NeedEdit:
    return await update_need(
        db, world.org, need_id, data, taxonomy=taxonomy, places=places, now=LATER, tz=BERLIN,
        actor="org",
    )  # fmt: skip


async def _rows(db: Database, need_id: int) -> tuple[Need, list[Reminder]]:
    async with db.sessions() as session:
        need = await session.get(Need, need_id)
        reminders = list(
            (await session.scalars(select(Reminder).where(Reminder.need_id == need_id))).all()
        )
    assert need is not None
    return need, reminders


def _pending(reminders: list[Reminder], kind: str) -> list[Reminder]:
    return [r for r in reminders if r.kind == kind and r.status == ReminderStatus.PENDING]


def _moved(first: Any) -> Any:
    """The QA case: the same day, 17:30-19:30 instead of 09:00-11:00."""
    start = first.starts_at.replace(hour=17, minute=30)
    return replace(first, starts_at=start, ends_at=start + timedelta(hours=2))


async def test_a_change_waiting_for_review_keeps_the_published_need_and_its_signups(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    world = await world_factory(db, moderation=True)
    first = need_input(helpers_wanted=3)
    need_id = await _published_with_signup(db, world, first, taxonomy, places)
    _, before = await _rows(db, need_id)

    edit = await _edit(db, world, need_id, _moved(first), taxonomy, places)

    assert edit == NeedEdit(NeedStatus.PUBLISHED, awaits_review=True)
    need, reminders = await _rows(db, need_id)
    assert need.status == NeedStatus.PUBLISHED and need.published_at == NOW
    assert need.starts_at == first.starts_at  # the public version is the approved one
    assert need.pending_change is not None
    assert await is_public(db, need_id, LATER)
    async with db.sessions() as session:
        engagement = await session.scalar(select(Engagement).where(Engagement.need_id == need_id))
    assert engagement is not None and engagement.status.value in ("interested", "accepted")
    # Nobody hears anything yet; the reminders keep the approved time.
    assert not _pending(reminders, "need_changed")
    assert {r.due_at for r in _pending(reminders, "before_24h")} == {
        r.due_at for r in _pending(before, "before_24h")
    }
    # Editors see it as a change, with what differs and the public version.
    [item] = await moderation.queue(db, world.aachen)
    assert item.id == need_id and item.changed == ("time",)
    assert item.starts_at == _moved(first).starts_at and item.previous_starts_at == first.starts_at
    # The organisation's form and the chat's form edit the latest version.
    assert (await need_for_edit(db, world.org, need_id)).starts_at == _moved(first).starts_at
    assert (await own_need(db, world.org, need_id)).starts_at == _moved(first).starts_at


async def test_approving_the_change_applies_it_and_tells_each_signup_once(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    world = await world_factory(db, moderation=True)
    first = need_input(helpers_wanted=3)
    need_id = await _published_with_signup(db, world, first, taxonomy, places)
    old_sequence = ics_sequence((await _rows(db, need_id))[0].updated_at)
    await _edit(db, world, need_id, _moved(first), taxonomy, places)

    approved_at = LATER + timedelta(minutes=5)
    await moderate(db, need_id, approve=True, reason=None, actor="editor", now=approved_at)

    need, reminders = await _rows(db, need_id)
    new_start = _moved(first).starts_at
    assert need.status == NeedStatus.PUBLISHED and need.pending_change is None
    assert need.starts_at == new_start and need.published_at == NOW
    [told] = _pending(reminders, "need_changed")
    assert told.person_id == world.people[0] and told.data == {"fields": ["time"]}
    [before_24h] = _pending(reminders, "before_24h")
    assert before_24h.due_at == new_start - timedelta(hours=24)
    assert ics_sequence(need.updated_at) > old_sequence
    assert await moderation.queue(db, world.aachen) == []
    # Approving again changes nothing and tells nobody twice.
    with pytest.raises(InvalidValue):  # the need no longer waits
        await moderate(db, need_id, approve=True, reason=None, actor="editor", now=approved_at)
    assert len(_pending((await _rows(db, need_id))[1], "need_changed")) == 1


async def test_rejecting_a_change_keeps_the_approved_version(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    world = await world_factory(db, moderation=True)
    first = need_input(helpers_wanted=3)
    need_id = await _published_with_signup(db, world, first, taxonomy, places)
    await _edit(db, world, need_id, replace(first, title="Ganz anders"), taxonomy, places)

    await moderation.review(
        db, world.aachen, need_id, approve=False, reason="Bitte ohne Link", actor="editor",
        now=LATER,
    )  # fmt: skip

    need, reminders = await _rows(db, need_id)
    assert need.title == first.title and need.pending_change is None
    assert need.status == NeedStatus.PUBLISHED and await is_public(db, need_id, LATER)
    assert need.rejection_reason == "Bitte ohne Link"
    assert not _pending(reminders, "need_changed")


async def test_a_verified_organisations_urgent_change_applies_at_once_with_notices(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    """As when posting: an urgent need of a verified organisation needs no review."""
    world = await world_factory(db, moderation=True)
    async with db.transaction() as session:
        await session.execute(
            update(Organisation).where(Organisation.id == world.org).values(verified=True)
        )
    first = need_input(urgent=True, helpers_wanted=3)
    need_id = await _published_with_signup(db, world, first, taxonomy, places)

    edit = await _edit(db, world, need_id, _moved(first), taxonomy, places)

    assert edit == NeedEdit(NeedStatus.PUBLISHED, awaits_review=False)
    need, reminders = await _rows(db, need_id)
    assert need.starts_at == _moved(first).starts_at and need.pending_change is None
    assert len(_pending(reminders, "need_changed")) == 1


async def test_a_correction_without_review_tells_the_signups_too(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
) -> None:
    from core.models import Tenant

    world = await world_factory(db, moderation=True)
    async with db.transaction() as session:
        await session.execute(
            update(Tenant).where(Tenant.id == world.aachen).values(corrections_without_review=True)
        )
    first = need_input(helpers_wanted=3)
    need_id = await _published_with_signup(db, world, first, taxonomy, places)

    edit = await _edit(db, world, need_id, _moved(first), taxonomy, places)

    assert not edit.awaits_review
    need, reminders = await _rows(db, need_id)
    assert need.starts_at == _moved(first).starts_at
    [told] = _pending(reminders, "need_changed")
    assert told.data == {"fields": ["time"]}
    # Only the helpers count: nothing a volunteer needs to hear.
    await _edit(db, world, need_id, replace(_moved(first), helpers_wanted=4), taxonomy, places)
    assert len(_pending((await _rows(db, need_id))[1], "need_changed")) == 1

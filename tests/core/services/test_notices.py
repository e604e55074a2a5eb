"""The organisation's decisions reach volunteers only through the outbox:
one row per person and notice, rendered at delivery. And the services the
web and the flows use hand out plain values, never ORM rows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.db import Database
from core.errors import UnknownEngagement
from core.models.base import Base
from core.services.engagements import record_hours
from core.services.organisations import NeedForEdit, need_for_edit
from core.services.outbox import pending_reminders
from core.services.signup import decide, engagements_of, sign_up
from tests.core.services.test_signup_service import a_need

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
NOTICES = ("signup_accepted", "signup_declined", "moved_up", "need_cancelled")


async def _notices(db: Database) -> list[tuple[str, int | None]]:
    return sorted(
        (r.kind, r.person_id) for r in await pending_reminders(db, NOW) if r.kind in NOTICES
    )


async def test_decisions_write_one_notice_per_person(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any
) -> None:
    need = await a_need(db, world, need_input, taxonomy, places, 2)
    p = world.people
    got = [await sign_up(db, p[i], need, NOW + timedelta(minutes=i)) for i in range(3)]
    await decide(db, world.org, got[1].engagement_id, accept=True, actor="org", now=NOW)
    await decide(db, world.org, got[0].engagement_id, accept=False, actor="org", now=NOW)
    assert await _notices(db) == sorted(
        [("signup_accepted", p[1]), ("signup_declined", p[0]), ("moved_up", p[2])]
    )


async def test_need_for_edit_is_a_plain_value(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any
) -> None:
    need = await a_need(db, world, need_input, taxonomy, places, 2)
    found = await need_for_edit(db, world.org, need)
    assert isinstance(found, NeedForEdit) and not isinstance(found, Base)
    assert dataclasses.is_dataclass(found) and found.id == need and found.helpers_wanted == 2


async def test_hours_are_recorded_only_on_ones_own_engagement(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any
) -> None:
    need = await a_need(db, world, need_input, taxonomy, places, 2)
    got = await sign_up(db, world.people[0], need, NOW)
    with pytest.raises(UnknownEngagement):
        await record_hours(db, world.people[1], got.engagement_id, 3, NOW)
    assert await record_hours(db, world.people[0], got.engagement_id, 3, NOW) == need
    assert [e.id for e in await engagements_of(db, world.people[0])] == [got.engagement_id]

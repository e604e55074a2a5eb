"""Issue 11, finding 7: daily caps. An organisation posts at most
MAX_NEEDS_PER_DAY needs in any 24 hours; a volunteer sends at most
MAX_REPLIES_PER_DAY replies to organisations. Over the cap nothing is written
and the person gets a friendly answer (the texts exist in de and en)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.errors import TooManyNeeds, TooManyReplies
from core.models import RelayDirection, RelayMessage
from core.services.needs import MAX_NEEDS_PER_DAY, post_need
from core.services.relay import MAX_REPLIES_PER_DAY, record_reply
from dialogue.texts import catalogue

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def test_an_organisation_posts_at_most_its_daily_number_of_needs(
    db: Database,
    world: Any,
    need_input: Any,
    taxonomy: Any,
    places: Any,
    counts: Callable[[], Awaitable[tuple[int, int]]],
) -> None:
    async def post(now: datetime) -> Any:
        return await post_need(
            db, organisation_id=world.org, data=need_input(in_days=5), taxonomy=taxonomy,
            places=places, now=now, tz=BERLIN, actor="org",
        )  # fmt: skip

    for i in range(MAX_NEEDS_PER_DAY):
        await post(NOW + timedelta(minutes=i))
    with pytest.raises(TooManyNeeds):
        await post(NOW + timedelta(hours=1))
    assert (await counts())[0] == MAX_NEEDS_PER_DAY
    await post(NOW + timedelta(days=1, minutes=1))  # a day later: fine again


async def test_a_volunteer_sends_at_most_the_daily_number_of_replies(
    db: Database, world: Any
) -> None:
    person = world.people[0]
    async with db.transaction() as session:
        session.add(
            RelayMessage(
                tenant_id=world.aachen, organisation_id=world.org, person_id=person,
                direction=RelayDirection.TO_VOLUNTEER, body="Hallo!", delivered=True,
                created_at=NOW,
            )
        )  # fmt: skip
    for i in range(MAX_REPLIES_PER_DAY):
        assert await record_reply(db, person, f"Antwort {i}", now=NOW) == world.org
    with pytest.raises(TooManyReplies):
        await record_reply(db, person, "noch eine", now=NOW + timedelta(hours=1))
    async with db.sessions() as session:
        sent = await session.scalar(
            select(func.count())
            .select_from(RelayMessage)
            .where(RelayMessage.direction == RelayDirection.FROM_VOLUNTEER)
        )
    assert sent == MAX_REPLIES_PER_DAY
    assert await record_reply(db, person, "morgen", now=NOW + timedelta(days=1, minutes=1))


def test_the_caps_have_friendly_texts_in_german_and_english() -> None:
    for lang in ("de", "en"):
        for key in ("error.too_many_needs", "error.too_many_replies"):
            assert key in catalogue(lang), (lang, key)

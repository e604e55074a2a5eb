"""Capacity and waitlist: filled at the wanted number, waitlist positions,
withdraw and decline move the first up, the last place goes to exactly one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.db import Database
from core.errors import AlreadySignedUp, NeedNotOpen, NotAllowed, UnknownEngagement, UnknownNeed
from core.models import EngagementStatus, NeedStatus
from core.services.needs import cancel_need, need_detail, post_need
from core.services.signup import decide, engagements_of, sign_up, withdraw

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def a_need(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any, helpers: int
) -> int:
    ref = await post_need(
        db,
        organisation_id=world.org,
        data=need_input(helpers_wanted=helpers),
        taxonomy=taxonomy,
        places=places,
        now=NOW,
        tz=BERLIN,
        actor="test",
    )
    return ref.id


@pytest.fixture
async def need2(db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any) -> int:
    return await a_need(db, world, need_input, taxonomy, places, 2)


async def test_need_is_filled_at_the_wanted_number_then_waitlists(
    db: Database, world: Any, need2: int
) -> None:
    p = world.people
    first = await sign_up(db, p[0], need2, NOW)
    assert (first.waitlisted, first.waitlist_position, first.need_filled) == (False, None, False)
    assert (await need_detail(db, need2)).status == NeedStatus.PUBLISHED
    second = await sign_up(db, p[1], need2, NOW + timedelta(minutes=1))
    assert (second.waitlisted, second.need_filled) == (False, True)
    detail = await need_detail(db, need2)
    assert detail.status == NeedStatus.FILLED and detail.places_left == 0
    third = await sign_up(db, p[2], need2, NOW + timedelta(minutes=2))
    fourth = await sign_up(db, p[3], need2, NOW + timedelta(minutes=3))
    assert (third.waitlisted, third.waitlist_position) == (True, 1)
    assert (fourth.waitlisted, fourth.waitlist_position) == (True, 2)
    assert (await need_detail(db, need2)).helpers_taken == 2


async def test_signing_up_twice_is_refused(db: Database, world: Any, need2: int) -> None:
    await sign_up(db, world.people[0], need2, NOW)
    with pytest.raises(AlreadySignedUp):
        await sign_up(db, world.people[0], need2, NOW)
    assert len(await engagements_of(db, world.people[0])) == 1


async def test_withdraw_moves_the_first_waitlisted_up(db: Database, world: Any, need2: int) -> None:
    p = world.people
    got = [await sign_up(db, p[i], need2, NOW + timedelta(minutes=i)) for i in range(4)]
    result = await withdraw(db, p[0], got[0].engagement_id, NOW + timedelta(hours=1))
    assert (result.moved_up_person_id, result.moved_up_engagement_id) == (
        p[2],
        got[2].engagement_id,
    )
    detail = await need_detail(db, need2)
    assert detail.status == NeedStatus.FILLED and detail.helpers_taken == 2
    mine = await engagements_of(db, p[2])
    assert [(e.need_id, e.waitlisted) for e in mine] == [(need2, False)]
    assert (await engagements_of(db, p[3]))[0].waitlisted
    assert await engagements_of(db, p[0]) == []
    # The one still waiting is now first in line.
    fifth = await sign_up(db, p[4], need2, NOW + timedelta(hours=2))
    assert fifth.waitlist_position == 2


async def test_withdraw_without_waitlist_reopens_the_need(
    db: Database, world: Any, need2: int
) -> None:
    p = world.people
    a = await sign_up(db, p[0], need2, NOW)
    await sign_up(db, p[1], need2, NOW)
    assert (await need_detail(db, need2)).status == NeedStatus.FILLED
    result = await withdraw(db, p[0], a.engagement_id, NOW)
    assert result.moved_up_person_id is None
    detail = await need_detail(db, need2)
    assert detail.status == NeedStatus.PUBLISHED and detail.places_left == 1
    again = await sign_up(db, p[0], need2, NOW + timedelta(minutes=5))  # a renewed sign-up
    assert not again.waitlisted and again.need_filled


async def test_withdrawing_from_the_waitlist_moves_nobody(
    db: Database, world: Any, need2: int
) -> None:
    p = world.people
    got = [await sign_up(db, p[i], need2, NOW + timedelta(minutes=i)) for i in range(3)]
    result = await withdraw(db, p[2], got[2].engagement_id, NOW)
    assert result.moved_up_person_id is None
    assert (await need_detail(db, need2)).status == NeedStatus.FILLED


async def test_only_the_person_may_withdraw(db: Database, world: Any, need2: int) -> None:
    got = await sign_up(db, world.people[0], need2, NOW)
    with pytest.raises(UnknownEngagement):
        await withdraw(db, world.people[1], got.engagement_id, NOW)


async def test_decline_by_the_organisation_moves_the_waitlist_up(
    db: Database, world: Any, need2: int
) -> None:
    p = world.people
    got = [await sign_up(db, p[i], need2, NOW + timedelta(minutes=i)) for i in range(3)]
    assert (
        await decide(db, world.org, got[1].engagement_id, accept=True, actor="org", now=NOW) is None
    )
    declined = await decide(db, world.org, got[0].engagement_id, accept=False, actor="org", now=NOW)
    assert declined is not None and declined.moved_up_person_id == p[2]
    assert [e.status for e in await engagements_of(db, p[1])] == [EngagementStatus.ACCEPTED]
    assert await engagements_of(db, p[0]) == []
    declined_rows = await engagements_of(db, p[0], active_only=False)
    assert [e.status for e in declined_rows] == [EngagementStatus.DECLINED]
    assert (await need_detail(db, need2)).status == NeedStatus.FILLED


async def test_decline_without_waitlist_reopens_the_need(
    db: Database, world: Any, need2: int
) -> None:
    p = world.people
    got = [await sign_up(db, p[i], need2, NOW) for i in range(2)]
    result = await decide(db, world.org, got[0].engagement_id, accept=False, actor="org", now=NOW)
    assert result is not None and result.moved_up_person_id is None
    assert (await need_detail(db, need2)).status == NeedStatus.PUBLISHED


async def test_another_organisation_may_not_decide(db: Database, world: Any, need2: int) -> None:
    got = await sign_up(db, world.people[0], need2, NOW)
    with pytest.raises(NotAllowed):
        await decide(db, world.stolberg_org, got.engagement_id, accept=False, actor="x", now=NOW)


async def test_closed_or_unknown_needs_take_no_signups(
    db: Database, world: Any, need2: int
) -> None:
    await cancel_need(db, need2, actor="org", now=NOW)
    with pytest.raises(NeedNotOpen):
        await sign_up(db, world.people[0], need2, NOW)
    with pytest.raises(UnknownNeed):
        await sign_up(db, world.people[0], need2 + 999, NOW)
    assert await engagements_of(db, world.people[0], active_only=False) == []


async def test_past_need_takes_no_signups(db: Database, world: Any, need2: int) -> None:
    with pytest.raises(NeedNotOpen):
        await sign_up(db, world.people[0], need2, NOW + timedelta(days=30))


@pytest.mark.parametrize("rounds", [3])
async def test_concurrent_signups_for_the_last_place_give_it_to_exactly_one(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any, rounds: int
) -> None:
    for _ in range(rounds):
        need_id = await a_need(db, world, need_input, taxonomy, places, 2)
        await sign_up(db, world.people[0], need_id, NOW)
        racers = world.people[1:]
        results = await asyncio.gather(*(sign_up(db, p, need_id, NOW) for p in racers))
        winners = [r for r in results if not r.waitlisted]
        assert len(winners) == 1, results
        assert sorted(r.waitlist_position for r in results if r.waitlisted) == list(
            range(1, len(racers))
        )
        detail = await need_detail(db, need_id)
        assert detail.helpers_taken == 2 and detail.status == NeedStatus.FILLED

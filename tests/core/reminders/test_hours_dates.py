"""Which dates hours belong to and which date is skipped (issues 14.5, 14.6),
in core, on SQLite and PostgreSQL: refusals change nothing, a skipped date
leaves the person's calendar file (EXDATE) with a higher SEQUENCE."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from core.calendar import need_ics
from core.errors import DomainError
from core.models import HoursEntry, Need, OrgNotice
from core.schedule import Weekly
from core.services.hours import (
    BeforeSignUp,
    FutureDay,
    NoDateThatDay,
    SeriesEnded,
    dates_for_hours,
    log_hours,
)
from core.services.needs import need_detail
from core.services.signup import DatePassed, NoDateToSkip, dates_to_skip, sign_up, skip_date
from core.services.timeline import person_ics_facts
from tests.core.reminders.conftest import BERLIN, World


async def tafel_since_8_december(world: World) -> tuple[int, int, int]:
    """Heinrich signs up on Tuesday 8 Dec for Wednesdays 15–17 Uhr, which
    began on 2 Dec and end after 16 Dec. (Heinrich, need, engagement)."""
    heinrich = await world.person("heinrich")
    need = await world.need(title="Tafel", weekly=Weekly(("mi",), time(15), time(17)))
    world.clock.set(datetime(2026, 12, 8, 10, tzinfo=BERLIN))
    engagement = (await sign_up(world.db, heinrich, need, world.now())).engagement_id
    async with world.db.transaction() as session:
        row = await session.get(Need, need)
        assert row is not None
        row.valid_until = datetime(2026, 12, 17, tzinfo=BERLIN)
    return heinrich, need, engagement


@pytest.mark.parametrize(
    ("day", "error"),
    [
        (date(2026, 12, 2), BeforeSignUp),
        (date(2026, 12, 15), NoDateThatDay),  # a Tuesday
        (date(2026, 12, 23), SeriesEnded),
        (date(2026, 12, 30), FutureDay),
    ],
)
async def test_hours_for_a_date_the_engagement_has_none_for_are_refused(
    world: World, day: date, error: type[DomainError]
) -> None:
    heinrich, _, engagement = await tafel_since_8_december(world)
    world.clock.set(datetime(2026, 12, 24, 10, tzinfo=BERLIN))
    with pytest.raises(error):
        await log_hours(
            world.db, person_id=heinrich, engagement_id=engagement, day=day, hours=2,
            source="typed", now=world.now(),
        )  # fmt: skip
    found, problem = await dates_for_hours(world.db, heinrich, world.now(), day)
    assert found == [] and isinstance(problem, error)
    async with world.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(HoursEntry)) == 0


async def test_the_open_dates_are_the_passed_ones_without_hours(world: World) -> None:
    heinrich, _, engagement = await tafel_since_8_december(world)
    world.clock.set(datetime(2026, 12, 10, 10, tzinfo=BERLIN))
    found, problem = await dates_for_hours(world.db, heinrich, world.now())
    assert problem is None
    assert [(d.engagement_id, d.day) for d in found] == [(engagement, date(2026, 12, 9))]
    found, _ = await dates_for_hours(world.db, heinrich, world.now(), date(2026, 12, 9))
    assert [d.day for d in found] == [date(2026, 12, 9)]


async def test_skipping_a_chosen_date_is_told_once_and_leaves_the_calendar(
    world: World,
) -> None:
    heinrich, need, engagement = await tafel_since_8_december(world)
    detail = await need_detail(world.db, need)
    before = await person_ics_facts(world.db, need, engagement)
    assert before is not None and before.skipped == ()

    with pytest.raises(NoDateToSkip):
        await skip_date(world.db, heinrich, engagement, world.now(), date(2026, 12, 10))
    with pytest.raises(NoDateToSkip):  # after the series' end
        await skip_date(world.db, heinrich, engagement, world.now(), date(2026, 12, 23))
    with pytest.raises(DatePassed):
        await skip_date(world.db, heinrich, engagement, world.now(), date(2026, 12, 2))
    found, problem = await dates_to_skip(world.db, heinrich, date(2026, 12, 16), world.now())
    assert [d.engagement_id for d in found] == [engagement] and problem is None

    world.clock.set(datetime(2026, 12, 8, 11, tzinfo=BERLIN))
    for _ in range(2):
        skipped = await skip_date(world.db, heinrich, engagement, world.now(), date(2026, 12, 16))
        assert skipped is not None and skipped.starts_at == datetime(
            2026, 12, 16, 15, tzinfo=BERLIN
        )
    async with world.db.sessions() as session:
        told = await session.scalar(
            select(func.count()).select_from(OrgNotice).where(OrgNotice.kind == "skips_date")
        )
    assert told == 1

    after = await person_ics_facts(world.db, need, engagement)
    assert after is not None
    assert after.skipped == (datetime(2026, 12, 16, 15, tzinfo=BERLIN),)
    assert after.sequence > before.sequence
    ics = need_ics(detail, tz_name="Europe/Berlin", stamp=world.now(), facts=after)
    assert ics is not None and b"EXDATE;TZID=Europe/Berlin:20261216T150000\r\n" in ics

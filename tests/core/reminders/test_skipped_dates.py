"""A skipped date of a weekly engagement is a fact of its own (issue 14.6),
on SQLite and PostgreSQL: every later calendar file of that person keeps its
EXDATE, only that person's SEQUENCE rises, and a need whose time moves (and
moves back) does not bring the skipped date's reminders back."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from core.models import Need, Reminder, ReminderStatus
from core.reminders.housekeeping import plan_recurring
from core.schedule import Weekly
from core.services.needs import apply_change
from core.services.signup import sign_up, skip_date, withdraw
from core.services.timeline import ics_facts, person_ics_facts
from tests.core.reminders.conftest import BERLIN, World
from tests.core.reminders.test_hours_dates import tafel_since_8_december


async def _move(world: World, need_id: int, start: int, end: int) -> None:
    """The organisation moves the Wednesdays to another hour."""
    async with world.db.transaction() as session:
        need = await session.get(Need, need_id)
        assert need is not None
        weekly = Weekly(("mi",), time(start), time(end))
        await apply_change(session, need, {"recurrence": weekly.to_dict()}, world.now())


async def _pending_on(world: World, engagement: int, stamp: str) -> list[str]:
    async with world.db.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(Reminder.kind).where(
                        Reminder.engagement_id == engagement,
                        Reminder.dedupe_key.like(f"%:{engagement}:{stamp}"),
                        Reminder.status == ReminderStatus.PENDING,
                    )
                )
            ).all()
        )


async def test_a_skip_raises_only_the_sequence_of_that_persons_file(world: World) -> None:
    heinrich, need, engagement = await tafel_since_8_december(world)
    luisa = await world.person("luisa")
    hers = (await sign_up(world.db, luisa, need, world.now())).engagement_id
    need_wide = (await ics_facts(world.db, [need]))[need]
    before_his = await person_ics_facts(world.db, need, engagement)
    before_hers = await person_ics_facts(world.db, need, hers)
    assert before_his is not None and before_hers is not None

    world.clock.set(datetime(2026, 12, 8, 11, tzinfo=BERLIN))
    assert await skip_date(world.db, heinrich, engagement, world.now(), date(2026, 12, 16))

    assert (await ics_facts(world.db, [need]))[need].sequence == need_wide.sequence
    assert await person_ics_facts(world.db, need, hers) == before_hers
    his = await person_ics_facts(world.db, need, engagement)
    assert his is not None and his.sequence > before_his.sequence
    assert his.skipped == (datetime(2026, 12, 16, 15, tzinfo=BERLIN),)


async def test_a_skipped_date_stays_out_of_later_files_and_reminders(world: World) -> None:
    """Heinrich skips Wednesday 9 Dec; the Tafel moves the Wednesdays to
    16 Uhr and back to 15 Uhr. His file still leaves 9 Dec out (at the hour
    the series has now), with a SEQUENCE above the need's, and no reminder of
    9 Dec comes back."""
    heinrich, need, engagement = await tafel_since_8_december(world)
    world.clock.set(datetime(2026, 12, 8, 11, tzinfo=BERLIN))
    assert sorted(await _pending_on(world, engagement, "20261209T1400")) == [
        "before_24h", "before_2h", "follow_up",
    ]  # fmt: skip
    assert await skip_date(world.db, heinrich, engagement, world.now(), date(2026, 12, 9))
    assert await _pending_on(world, engagement, "20261209T1400") == []

    world.clock.set(datetime(2026, 12, 8, 12, tzinfo=BERLIN))
    await _move(world, need, 16, 18)
    moved = await person_ics_facts(world.db, need, engagement)
    assert moved is not None
    assert moved.skipped == (datetime(2026, 12, 9, 16, tzinfo=BERLIN),)
    assert await _pending_on(world, engagement, "20261209T1500") == []

    world.clock.set(datetime(2026, 12, 8, 13, tzinfo=BERLIN))
    await _move(world, need, 15, 17)
    assert await _pending_on(world, engagement, "20261209T1400") == []
    back = await person_ics_facts(world.db, need, engagement)
    assert back is not None
    assert back.skipped == (datetime(2026, 12, 9, 15, tzinfo=BERLIN),)
    assert back.sequence >= (await ics_facts(world.db, [need]))[need].sequence > moved.sequence

    # The next date after the skipped one is planned as usual.
    world.clock.set(datetime(2026, 12, 9, 18, tzinfo=BERLIN))
    await plan_recurring(world.db, world.now())
    assert "before_24h" in await _pending_on(world, engagement, "20261216T1400")


async def test_a_renewed_sign_up_starts_without_the_dates_skipped_before(world: World) -> None:
    heinrich, need, engagement = await tafel_since_8_december(world)
    world.clock.set(datetime(2026, 12, 8, 11, tzinfo=BERLIN))
    assert await skip_date(world.db, heinrich, engagement, world.now(), date(2026, 12, 16))
    await withdraw(world.db, heinrich, engagement, world.now())
    again = (await sign_up(world.db, heinrich, need, world.now())).engagement_id
    assert again == engagement
    facts = await person_ics_facts(world.db, need, again)
    assert facts is not None and facts.skipped == ()

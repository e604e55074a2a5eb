"""Issue 14.6: when an organisation moves a need, the people signed up hear of
it once and their reminders follow the new date; moved back, the first
reminders come back; a change of place is news, more helpers are not."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from sqlalchemy import select

from core.models import Reminder, ReminderStatus
from core.schedule import Weekly
from core.services.needs import NeedInput
from core.services.organisations import update_need
from core.services.signup import sign_up
from tests.core.reminders.conftest import BERLIN, BURTSCHEID, World


def weekly_input(weekly: Weekly, **kw: object) -> NeedInput:
    fields: dict[str, object] = {
        "title": "Lesepaten",
        "category": "soziales",
        "lat": BURTSCHEID[0] + 0.01,
        "lon": BURTSCHEID[1],
        "place_label": "Burtscheid",
        "weekly": weekly,
        "helpers_wanted": 1,
    }
    fields.update(kw)
    return NeedInput(**fields)  # type: ignore[arg-type]


async def pending(world: World, need: int, kind: str) -> list[str]:
    async with world.db.sessions() as session:
        rows = await session.scalars(
            select(Reminder.due_at).where(
                Reminder.need_id == need,
                Reminder.kind == kind,
                Reminder.status == ReminderStatus.PENDING,
            )
        )
        return sorted(d.astimezone(BERLIN).strftime("%a %H:%M") for d in rows.all())


async def edit(world: World, need: int, data: NeedInput) -> None:
    world.clock.advance(timedelta(minutes=5))
    await update_need(
        world.db, world.org_id, need, data, taxonomy=world.app.taxonomy,
        places=world.app.places, now=world.now(), tz=BERLIN, actor="test",
    )  # fmt: skip


async def test_a_weekly_need_moved_and_moved_back_keeps_reminders_on_its_dates(
    world: World,
) -> None:
    heinrich = await world.person("heinrich")
    wednesday = Weekly(("mi",), time(15), time(17))
    need = await world.need(title="Lesepaten", weekly=wednesday)
    await sign_up(world.db, heinrich, need, world.now())
    assert await pending(world, need, "before_24h") == ["Tue 15:00"]

    thursday = Weekly(("do",), time(10), time(12))
    await edit(world, need, weekly_input(thursday))
    assert await pending(world, need, "before_24h") == ["Wed 10:00"]
    assert await pending(world, need, "follow_up") == ["Thu 14:00"]

    await edit(world, need, weekly_input(wednesday))  # back as it was
    assert await pending(world, need, "before_24h") == ["Tue 15:00"]
    assert await pending(world, need, "follow_up") == ["Wed 19:00"]

    await edit(world, need, weekly_input(wednesday, helpers_wanted=3))  # no news
    await edit(world, need, weekly_input(wednesday, place_label="Haaren", lat=50.79))  # news
    await world.deliver()
    told = [t for t in world.channel.texts_to("telegram:heinrich") if "Geändert" in t]
    assert len(told) == 3, told  # moved, moved back, new place; once each
    assert "Haaren" in told[-1] and "Mi, 15:00–17:00 Uhr" in told[-1]


async def test_a_series_cut_short_is_news_and_its_later_reminders_go(world: World) -> None:
    heinrich = await world.person("heinrich")
    wednesday = Weekly(("mi",), time(15), time(17))
    need = await world.need(title="Lesepaten", weekly=wednesday)
    await sign_up(world.db, heinrich, need, world.now())
    # Ends before its next date: nothing is left to remind of.
    end = datetime.combine(world.now().astimezone(BERLIN).date(), time(23, 59), BERLIN)
    await edit(world, need, replace(weekly_input(wednesday), valid_until=end))
    assert await pending(world, need, "before_24h") == []
    await world.deliver()
    assert [t for t in world.channel.texts_to("telegram:heinrich") if "Geändert" in t]

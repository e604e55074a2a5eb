"""One date of a weekly engagement, seen from both sides.

Heinrich sorts food at the Stolberg Tafel every Wednesday; Petra is the
Tafel's chat-linked member. When Heinrich cannot come one Wednesday he says
so on the reminder, and only that Wednesday is off: he stays in the series,
Petra hears which date he misses, and nobody else is asked for his place.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select

from core.models import Engagement, EngagementStatus, Reminder, ReminderStatus
from core.reminders.housekeeping import plan_recurring
from dialogue.markup import to_plain
from tests.core.reminders.conftest import BERLIN, World
from tests.dialogue.harness import Conversation
from tests.dialogue.test_hours import WEDNESDAYS, weekly_engagement, world  # noqa: F401


async def test_i_cant_come_to_a_weekly_date_skips_only_that_date(world: World) -> None:  # noqa: F811
    _, _, need, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await plan_recurring(world.db, world.now())
    # Tuesday afternoon: the reminder for Wednesday 2 December comes.
    await world.at(datetime.combine(WEDNESDAYS[0], time(15, 5), BERLIN).replace(day=1))
    reminder = next(
        r
        for _, who, replies in world.channel.sent
        if who == "telegram:heinrich"
        for r in replies
        if f"attend:{engagement}:no" in [b.payload for b in r.buttons]
    )
    assert reminder

    await heinrich.press(f"attend:{engagement}:no", now=world.now())
    assert "Am Mi., 2. Dez., 15:00 setzt du aus" in heinrich.text, heinrich.text
    assert "Tafel: Lebensmittel sortieren" in heinrich.text
    assert "jemand anderen" not in heinrich.text

    async with world.db.sessions() as session:
        status = (await session.get(Engagement, engagement)).status  # type: ignore[union-attr]
        waves = (
            await session.scalars(
                select(Reminder.kind).where(Reminder.need_id == need, Reminder.kind == "alert_wave")
            )
        ).all()
        left = (
            await session.execute(
                select(Reminder.kind, Reminder.dedupe_key).where(
                    Reminder.engagement_id == engagement,
                    Reminder.status == ReminderStatus.PENDING,
                )
            )
        ).all()
    assert status == EngagementStatus.INTERESTED  # still in the series
    assert waves == []  # no place offered: places belong to the whole series
    assert not [k for k, key in left if "20261202" in key]  # 2 h and follow-up of that date gone

    await world.deliver()
    petra = [
        to_plain(r.text)
        for _, who, replies in world.channel.sent
        if who == "telegram:petra"
        for r in replies
    ]
    assert any(
        "heinrich kann am Mi., 2. Dez., 15:00 nicht zu Tafel: Lebensmittel sortieren kommen" in p
        for p in petra
    ), petra
    assert not any("wieder frei" in p for p in petra)

    # Pressed again: the same answer, the organisation is not told twice.
    await heinrich.press(f"attend:{engagement}:no", now=world.now())
    assert "setzt du aus" in heinrich.text
    await world.deliver()
    assert (
        sum(
            "nicht zu Tafel" in to_plain(r.text)
            for _, who, replies in world.channel.sent
            if who == "telegram:petra"
            for r in replies
        )
        == 1
    )

    # "Meine Termine" still lists the series, with the Wednesday after.
    world.clock.set(datetime.combine(WEDNESDAYS[0], time(18), BERLIN))
    await heinrich.send(heinrich._incoming(command="termine", now=world.now()))
    assert "Tafel: Lebensmittel sortieren" in heinrich.text
    assert "nächster Termin Mi., 9. Dez., 15:00" in heinrich.text, heinrich.text
    # The skipped Wednesday is no date he was at: no hours to log for it.
    assert "Vorbei" not in heinrich.text and not any(
        p.startswith("hrs:") for p in heinrich.payloads()
    ), heinrich.text
    # And next week's reminders are planned as usual.
    await plan_recurring(world.db, world.now())
    async with world.db.sessions() as session:
        keys = (
            await session.scalars(
                select(Reminder.dedupe_key).where(
                    Reminder.engagement_id == engagement,
                    Reminder.status == ReminderStatus.PENDING,
                )
            )
        ).all()
    assert any("20261209" in k for k in keys), keys


async def test_a_weekly_need_posted_on_saturday_starts_in_the_calendar_after_that(
    world: World,  # noqa: F811
) -> None:
    from core.schedule import Weekly
    from tests.dialogue.test_hours import ics_event

    await world.person("heinrich")
    world.clock.set(datetime(2026, 12, 5, 10, tzinfo=BERLIN))  # Saturday 5 December
    need = await world.need(
        title="Trainingshelfer U10", weekly=Weekly(("di", "do"), time(17), time(18, 30))
    )
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.press(f"need:{need}:signup", now=world.now())
    event = ics_event(heinrich.last.attachments[0].content)
    # Not Tuesday 1 or Thursday 3 December: the series was not there yet.
    assert event["DTSTART"] == "20261208T170000", event
    assert event["RRULE"].startswith("FREQ=WEEKLY;BYDAY=TU,TH")


async def test_meine_termine_lists_each_past_weekly_date_with_its_own_hours(
    world: World,  # noqa: F811
) -> None:
    from datetime import date

    from core.models import Need
    from core.schedule import Weekly
    from core.services.hours import log_hours
    from core.services.signup import sign_up

    heinrich_id = await world.person("heinrich")
    world.clock.set(datetime(2026, 12, 5, 10, tzinfo=BERLIN))
    need = await world.need(
        title="Trainingshelfer U10", weekly=Weekly(("di", "do"), time(17), time(18, 30))
    )
    async with world.db.transaction() as session:
        row = await session.get(Need, need)
        assert row is not None
        row.valid_until = datetime(2026, 12, 11, tzinfo=BERLIN)  # the series ends on Friday
    engagement = (await sign_up(world.db, heinrich_id, need, world.now())).engagement_id
    world.clock.set(datetime(2026, 12, 12, 10, tzinfo=BERLIN))
    for day, hours in ((date(2026, 12, 8), 2.5), (date(2026, 12, 10), 2)):
        await log_hours(
            world.db, person_id=heinrich_id, engagement_id=engagement, day=day, hours=hours,
            source="typed", now=world.now(),
        )  # fmt: skip

    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.send(heinrich._incoming(command="termine", now=world.now()))
    lines = heinrich.text.split("\n")
    assert lines[0] == "Deine Termine:", heinrich.text  # a header, no blank first line
    assert lines[1:] == [
        "Vorbei:",
        "• Trainingshelfer U10 · 10. Dezember · 2 Std.",
        "• Trainingshelfer U10 · 8. Dezember · 2,5 Std.",
    ], heinrich.text

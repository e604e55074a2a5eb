"""One date of a weekly engagement skipped (issue 14.6).

Heinrich helps every Wednesday (15–17 Uhr) at the Stolberg Tafel. He writes
that he can't come on the 9th, or skips the next date from "Meine Termine".
He stays in the series; the Tafel is told once, that date's reminders go,
and his new calendar file leaves the date out (EXDATE) under the same UID
with a higher SEQUENCE.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.models import ACTIVE_STATUSES, Engagement, Need, OrgNotice, Reminder, ReminderStatus
from core.services.needs import apply_change, cancel_need, need_detail
from core.services.signup import sign_up
from dialogue.calendar import need_calendar
from tests.core.reminders.conftest import BERLIN, World
from tests.dialogue import test_hours
from tests.dialogue.harness import Conversation
from tests.dialogue.test_hours import ics_event, weekly_engagement

world = test_hours.world  # the fixture: Heinrich, Petra and the Stolberg Tafel


async def skips_told(world: World) -> int:
    async with world.db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(OrgNotice).where(OrgNotice.kind == "skips_date")
            )
            or 0
        )


async def reminder_statuses(world: World, engagement: int, stamp: str) -> dict[str, str]:
    async with world.db.sessions() as session:
        rows = await session.execute(
            select(Reminder.kind, Reminder.status).where(
                Reminder.engagement_id == engagement, Reminder.dedupe_key.like(f"%:{stamp}")
            )
        )
        return {kind: ReminderStatus(status).value for kind, status in rows.all()}


async def test_a_date_skipped_by_message_tells_the_organisation_once(world: World) -> None:
    _, _, need, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    before = ics_event(
        (
            await need_calendar(
                world.db, await need_detail(world.db, need), tz_name="Europe/Berlin",
                stamp=world.now(), engagement_id=engagement,
            )
        )[0].content
    )  # fmt: skip
    assert "EXDATE" not in before

    world.clock.advance(timedelta(hours=1))
    await heinrich.say("I can't come on the 9th", now=world.now())
    assert "Am Mi., 9. Dez., 15:00 bei Tafel: Lebensmittel sortieren aussetzen" in heinrich.text
    assert await skips_told(world) == 0  # asked first
    await heinrich.press(f"skip:{engagement}:20261209:yes", now=world.now())
    assert "Am Mi., 9. Dez., 15:00 setzt du bei" in heinrich.text, heinrich.text
    (ics,) = heinrich.last.attachments
    after = ics_event(ics.content)
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after["EXDATE"] == "20261209T150000"
    assert "EXDATE;TZID=Europe/Berlin:20261209T150000" in ics.content.decode()
    assert after["RRULE"].startswith("FREQ=WEEKLY;BYDAY=WE")

    # That date's reminders are cancelled (the 2 Dec ones are not).
    assert set((await reminder_statuses(world, engagement, "20261209T1400")).values()) == {
        "cancelled"
    }
    assert "pending" in (await reminder_statuses(world, engagement, "20261202T1400")).values()
    assert await skips_told(world) == 1

    # Pressed again: told once still.
    await heinrich.press(f"skip:{engagement}:20261209:yes", now=world.now())
    assert await skips_told(world) == 1
    async with world.db.sessions() as session:
        status = (await session.get(Engagement, engagement)).status  # type: ignore[union-attr]
    assert status in ACTIVE_STATUSES  # he stays in the series

    # The reminders of the skipped date never come (housekeeping plans no new ones).
    await world.at(datetime(2026, 12, 8, 16, tzinfo=BERLIN))
    await world.at(datetime(2026, 12, 9, 19, 30, tzinfo=BERLIN))
    assert set((await reminder_statuses(world, engagement, "20261209T1400")).values()) == {
        "cancelled"
    }


async def test_meine_termine_skips_the_next_date_with_confirmation(world: World) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.command("termine")
    assert ("⏭ Nr. 1: diesen Termin absagen", f"skip:{engagement}:20261202") in heinrich.buttons
    await heinrich.press(f"skip:{engagement}:20261202", now=world.now())
    assert "aussetzen?" in heinrich.text and await skips_told(world) == 0
    assert "menu:engagements" in heinrich.payloads()
    await heinrich.say("ja", now=world.now())
    assert "Am Mi., 2. Dez., 15:00 setzt du bei" in heinrich.text, heinrich.text
    assert await skips_told(world) == 1
    assert "EXDATE;TZID=Europe/Berlin:20261202T150000" in (
        heinrich.last.attachments[0].content.decode()
    )
    await heinrich.command("termine")
    assert "nächster Termin Mi., 2. Dez., 15:00–17:00 · ⏭ da setzt du aus" in heinrich.text
    # The skipped date is not offered again; the one after it is.
    assert [p for p in heinrich.payloads() if p.startswith("skip:")] == [
        f"skip:{engagement}:20261209"
    ]


async def test_no_date_that_day_is_explained_and_nothing_changes(world: World) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.say("Donnerstag kann ich nicht", now=world.now())
    assert "keinen Termin, bei dem du aussetzen" in heinrich.text, heinrich.text
    assert not any(p.startswith("skip:") for p in heinrich.payloads())
    await heinrich.press(f"skip:{engagement}:20261201:yes", now=world.now())  # a Tuesday
    assert "keinen Termin" in heinrich.text
    assert await skips_told(world) == 0


def _files_to(world: World, identity: str) -> list[dict[str, str]]:
    return [
        ics_event(a.content)
        for _, who, replies in world.channel.sent
        if who == identity
        for r in replies
        for a in r.attachments
    ]


async def test_the_reminders_cant_come_button_skips_with_a_new_calendar_file(
    world: World,
) -> None:
    """ "❌ Ich kann nicht" under the reminder of a weekly date: the same skip
    as by message (a new file without the date, the Tafel told once)."""
    _, _, need, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    before = ics_event(
        (
            await need_calendar(
                world.db, await need_detail(world.db, need), tz_name="Europe/Berlin",
                stamp=world.now(), engagement_id=engagement,
            )
        )[0].content
    )  # fmt: skip
    world.clock.advance(timedelta(hours=1))
    await heinrich.press(f"attend:{engagement}:no", now=world.now())
    assert "Am Mi., 2. Dez., 15:00 setzt du aus" in heinrich.text, heinrich.text
    assert "Der neue Kalendereintrag lässt den Termin aus" in heinrich.text
    (ics,) = heinrich.last.attachments
    after = ics_event(ics.content)
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after["EXDATE"] == "20261202T150000"
    assert await skips_told(world) == 1
    await heinrich.press(f"attend:{engagement}:no", now=world.now())
    assert await skips_told(world) == 1  # told once


async def test_a_changed_or_cancelled_need_keeps_the_skipped_date_out(world: World) -> None:
    """After the skip the Tafel moves to another place, then cancels: both
    files Heinrich gets leave 2 Dec out, each with a higher SEQUENCE; Luisa's
    files (she signed up too) never had an EXDATE."""
    _, _, need, engagement = await weekly_engagement(world)
    luisa = await world.person("luisa")
    await sign_up(world.db, luisa, need, world.now())
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    world.clock.advance(timedelta(hours=1))
    await heinrich.press(f"skip:{engagement}:20261202:yes", now=world.now())
    skipped = ics_event(heinrich.last.attachments[0].content)

    world.clock.advance(timedelta(hours=1))
    async with world.db.transaction() as session:
        row = await session.get(Need, need)
        assert row is not None
        await apply_change(session, row, {"place_label": "Gemeindehaus"}, world.now())
    await world.deliver()
    world.clock.advance(timedelta(hours=1))
    await cancel_need(world.db, need, actor="test", now=world.now())
    await world.deliver()

    changed, cancelled = _files_to(world, "telegram:heinrich")
    assert changed["UID"] == cancelled["UID"] == skipped["UID"]
    assert changed["EXDATE"] == cancelled["EXDATE"] == "20261202T150000"
    assert "Gemeindehaus" in changed["LOCATION"]
    assert int(skipped["SEQUENCE"]) < int(changed["SEQUENCE"]) < int(cancelled["SEQUENCE"])
    assert cancelled["STATUS"] == "CANCELLED"
    hers = _files_to(world, "telegram:luisa")
    assert len(hers) == 2 and not any("EXDATE" in f for f in hers)

"""Hours per date and the Ehrenamtsnachweis in the chat (issue 14.5).

Heinrich helps every Wednesday at the Stolberg Tafel. After each date the
follow-up asks for his hours; over four weeks he answers with a button, by
typing, by "mehr" and a typed range, and in English. Nothing is overwritten:
four dates, four entries. Petra, the Tafel's chat-linked member, confirms
them from her notice; Heinrich asks for his certificate, gives his name and
gets a PDF whose text says what the verification page shows.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.db import Database
from core.models import (
    Engagement,
    EngagementStatus,
    HoursEntry,
    HoursStatus,
    Membership,
    Need,
    Role,
)
from core.reminders.housekeeping import plan_recurring
from core.schedule import Weekly
from core.services.certificate import certificate_by_code
from core.services.needs import cancel_need
from core.services.signup import sign_up
from core.services.timeline import finish_past_engagements
from dialogue.markup import to_plain
from tests.core.reminders.conftest import BERLIN, World, make_world
from tests.dialogue.conftest import _NLU
from tests.dialogue.harness import Conversation

WEDNESDAYS = [date(2026, 12, 2), date(2026, 12, 9), date(2026, 12, 16), date(2026, 12, 23)]


def after_the_date(day: date) -> datetime:
    """Wednesday 17:00 in Aachen ends the date; the follow-up is due 2 h later."""
    return datetime.combine(day, time(19, 5), BERLIN)


@pytest.fixture
async def world(sqlite_db: Database, clock: FixedClock, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(sqlite_db, clock, tmp_path)
    # The NLU trained once per session (App.extras today; App.nlu once the
    # composition root is typed, helper `compose`).
    store = getattr(w.app, "extras", None)
    if "nlu" in _NLU:
        if store is not None:
            store["nlu"] = _NLU["nlu"]
        else:
            w.app.nlu = _NLU["nlu"]  # type: ignore[attr-defined]
    _ = w.app.engine
    _NLU.setdefault("nlu", store.get("nlu") if store is not None else w.app.nlu)  # type: ignore[attr-defined]
    yield w


async def weekly_engagement(world: World) -> tuple[int, int, int, int]:
    """(Heinrich, Petra, the need, Heinrich's engagement)."""
    heinrich = await world.person("heinrich")
    petra = await world.person("petra")
    async with world.db.transaction() as session:
        session.add(
            Membership(
                tenant_id=world.app.tenant_ids["stolberg"],
                organisation_id=world.org_id,
                person_id=petra,
                role=Role.MEMBER,
                created_at=world.now(),
            )
        )
    need = await world.need(
        title="Tafel: Lebensmittel sortieren", weekly=Weekly(("mi",), time(15), time(17))
    )
    signed = await sign_up(world.db, heinrich, need, world.now())
    return heinrich, petra, need, signed.engagement_id


async def follow_up(world: World, day: date) -> list[tuple[str, str]]:
    """Deliver what is due after the date; the follow-up's buttons to Heinrich."""
    await plan_recurring(world.db, world.now())
    await world.at(after_the_date(day))
    for _, who, replies in reversed(world.channel.sent):
        if who == "telegram:heinrich" and "Wie war's" in replies[0].text:
            # a weekly engagement has many dates: the question names its own
            assert f"am {day.day}. Dezember?" in replies[0].text, replies[0].text
            return [(b.label, b.payload) for b in replies[0].buttons]
    raise AssertionError(world.channel.texts_to("telegram:heinrich"))


async def entries(world: World, engagement_id: int) -> list[tuple[date, float, HoursStatus]]:
    async with world.db.sessions() as session:
        rows = await session.execute(
            select(HoursEntry.day, HoursEntry.hours, HoursEntry.status)
            .where(HoursEntry.engagement_id == engagement_id)
            .order_by(HoursEntry.day)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


def petras_notices(world: World) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (to_plain(r.text), [(b.label, b.payload) for b in r.buttons])
        for _, who, replies in world.channel.sent
        if who == "telegram:petra"
        for r in replies
        if "eingetragen" in r.text
    ]


async def test_a_weekly_engagement_logs_four_dates_none_overwritten(world: World) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")

    # Week 1: a button of the follow-up, which names its date.
    buttons = await follow_up(world, WEDNESDAYS[0])
    assert ("2 Std.", f"hrs:{engagement}:20261202:2") in buttons
    await heinrich.press(f"hrs:{engagement}:20261202:2", now=world.now())
    assert "2 Stunden am 2. Dezember" in heinrich.text, heinrich.text

    # Week 2: typed instead of pressed ("2,5 Stunden" answers the open follow-up).
    await follow_up(world, WEDNESDAYS[1])
    await heinrich.say("2,5 Stunden", now=world.now())
    assert "2,5 Stunden am 9. Dezember" in heinrich.text, heinrich.text
    assert "insgesamt 4,5" in heinrich.text

    # Week 3: "mehr" asks, a typed range answers.
    buttons = await follow_up(world, WEDNESDAYS[2])
    more = next(p for label, p in buttons if p.endswith(":ask"))
    await heinrich.press(more, now=world.now())
    assert "Wie viele Stunden waren es am 16. Dezember" in heinrich.text
    await heinrich.say("von 14 bis 17:30", now=world.now())
    assert "3,5 Stunden am 16. Dezember" in heinrich.text, heinrich.text

    # Week 4: typed in English, a day later.
    await follow_up(world, WEDNESDAYS[3])
    world.clock.advance(timedelta(hours=20))
    await heinrich.say("2.5 hours", now=world.now())
    assert "am 23. Dezember" in heinrich.text, heinrich.text

    assert await entries(world, engagement) == [
        (WEDNESDAYS[0], 2.0, HoursStatus.LOGGED),
        (WEDNESDAYS[1], 2.5, HoursStatus.LOGGED),
        (WEDNESDAYS[2], 3.5, HoursStatus.LOGGED),
        (WEDNESDAYS[3], 2.5, HoursStatus.LOGGED),
    ]
    async with world.db.sessions() as session:
        total = (await session.get(Engagement, engagement)).hours  # type: ignore[union-attr]
    assert total == 10.5

    # A text that is no answer is left to the rest of the bot.
    await heinrich.say("Ich suche was am Samstag von 9 bis 12", now=world.now())
    assert len(await entries(world, engagement)) == 4


async def test_an_old_follow_up_button_logs_its_own_date(world: World) -> None:
    """``hours:<engagement>:<n>`` (follow-ups sent before this change) used to
    overwrite one number each week; now each press keeps its follow-up's date."""
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await follow_up(world, WEDNESDAYS[0])
    await heinrich.press(f"hours:{engagement}:2", now=world.now())
    await follow_up(world, WEDNESDAYS[1])
    await heinrich.press(f"hours:{engagement}:3", now=world.now())
    assert [(d, h) for d, h, _ in await entries(world, engagement)] == [
        (WEDNESDAYS[0], 2.0),
        (WEDNESDAYS[1], 3.0),
    ]


async def test_the_organisation_confirms_in_chat_and_a_certificate_follows(world: World) -> None:
    _, _, need, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    petra = Conversation(world.app, identity="telegram:petra", tenant="aachen")

    await heinrich.say("Mein Nachweis", now=world.now())
    assert "keine bestätigten Stunden" in heinrich.text, heinrich.text

    for day, hours in zip(WEDNESDAYS[:2], (2, 3), strict=True):
        await follow_up(world, day)
        await heinrich.press(f"hrs:{engagement}:{day:%Y%m%d}:{hours}", now=world.now())
    await world.deliver()  # the notices to the organisation's chat-linked members
    notices = petras_notices(world)
    assert len(notices) == 2, notices
    text, buttons = notices[0]
    assert "heinrich hat für Tafel: Lebensmittel sortieren am 2. Dezember 2 Stunden" in text
    confirm = next(p for label, p in buttons if label == "✅ Bestätigen")

    await heinrich.command("nachweis")
    assert "5 Stunden warten auf die Bestätigung" in heinrich.text

    # Someone who is not the organisation's member cannot confirm.
    await heinrich.press(confirm, now=world.now())
    assert "nicht erlaubt" in heinrich.text.lower() or "darf" in heinrich.text, heinrich.text
    await petra.press(confirm, now=world.now())
    assert "Bestätigt: heinrich, 2 Stunden am 2. Dezember" in petra.text, petra.text
    await petra.press(notices[1][1][1][1], now=world.now())  # "Stimmt nicht" for week 2
    assert [s for _, _, s in await entries(world, engagement)] == [
        HoursStatus.CONFIRMED,
        HoursStatus.REJECTED,
    ]
    # A confirmed date stays as confirmed, whatever is pressed later.
    await heinrich.press(f"hrs:{engagement}:20261202:4", now=world.now())
    assert "schon bestätigt" in heinrich.text
    assert (await entries(world, engagement))[0][1] == 2.0

    await heinrich.command("nachweis")
    assert "Welcher Name" in heinrich.text
    await heinrich.say("Heinrich Helfer", now=world.now())
    reply = heinrich.last
    assert reply.attachments and reply.attachments[0].mime_type == "application/pdf"
    pdf_text = "\n".join(
        page.extract_text()
        for page in pypdf.PdfReader(io.BytesIO(reply.attachments[0].content)).pages
    )
    assert "Ehrenamtsnachweis" in pdf_text
    assert "Kupferstadt Stolberg" not in pdf_text  # the person's own municipality issues it
    assert "Stadt Aachen (Demo)" in pdf_text
    assert "Heinrich Helfer" in pdf_text
    assert "Tafel Stolberg (Test)" in pdf_text and "Tafel: Lebensmittel sortieren" in pdf_text
    assert "02.12.2026" in pdf_text
    assert "Insgesamt 2 Stunden" in pdf_text  # the rejected 3 hours are not on it
    code = reply.attachments[0].filename.removeprefix("ehrenamtsnachweis-").removesuffix(".pdf")
    assert f"Prüfcode: {code}" in pdf_text
    assert f"/t/aachen/nachweis/{code}" in heinrich.text

    # Asked again with nothing changed: the same certificate, no name asked.
    await heinrich.command("certificate")
    assert code in heinrich.text and "Welcher Name" not in heinrich.text
    assert need  # the need stays as it was

    # Erasure takes the certificate's check with it: said before, and so done.
    await heinrich.press("data:delete", now=world.now())
    assert "nicht mehr online prüfen" in heinrich.text, heinrich.text
    assert await certificate_by_code(world.app.db, world.app.tenant_ids["aachen"], code) is not None
    await heinrich.press("data:delete:yes", now=world.now())
    assert await certificate_by_code(world.app.db, world.app.tenant_ids["aachen"], code) is None


async def test_meine_termine_lists_the_next_weekly_date_and_past_ones_without_withdrawing(
    world: World,
) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.command("termine")
    assert "wöchentlich, nächster Termin Mi., 2. Dez., 15:00" in heinrich.text, heinrich.text
    assert "Zeit nach Absprache" not in heinrich.text
    assert f"eng:{engagement}:withdraw" in heinrich.payloads()

    world.clock.set(after_the_date(WEDNESDAYS[0]))
    await heinrich.send(heinrich._incoming(command="termine", now=world.now()))
    assert "nächster Termin Mi., 9. Dez., 15:00" in heinrich.text, heinrich.text
    assert "Vorbei:" in heinrich.text and "2. Dezember" in heinrich.text
    log = f"hrs:{engagement}:20261202:ask"
    assert log in heinrich.payloads()
    await heinrich.press(log, now=world.now())
    await heinrich.say("3", now=world.now())
    assert "3 Stunden am 2. Dezember" in heinrich.text


async def test_a_one_off_date_moves_to_done_once_it_passed(world: World) -> None:
    heinrich_id = await world.person("heinrich")
    need = await world.need(title="Flohmarkt aufbauen", starts_in=timedelta(days=2), hours=3)
    signed = await sign_up(world.db, heinrich_id, need, world.now())
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.command("termine")
    assert "Flohmarkt aufbauen" in heinrich.text
    assert f"eng:{signed.engagement_id}:withdraw" in heinrich.payloads()

    world.clock.advance(timedelta(days=3))
    assert await finish_past_engagements(world.db, world.now()) == 1
    async with world.db.sessions() as session:
        status = (await session.get(Engagement, signed.engagement_id)).status  # type: ignore[union-attr]
    assert status == EngagementStatus.DONE
    await heinrich.send(heinrich._incoming(command="termine", now=world.now()))
    assert "Vorbei:" in heinrich.text and "Flohmarkt aufbauen" in heinrich.text, heinrich.text
    assert not any(p.startswith("eng:") for p in heinrich.payloads())
    assert f"hrs:{signed.engagement_id}:" in " ".join(heinrich.payloads())


def ics_event(content: bytes) -> dict[str, str]:
    unfolded = content.decode().replace("\r\n ", "")
    lines = unfolded.split("\r\n")
    start = lines.index("BEGIN:VEVENT")
    return {
        line.partition(":")[0].split(";")[0]: line.partition(":")[2]
        for line in lines[start + 1 : lines.index("END:VEVENT")]
    }


async def test_a_cancelled_need_replaces_the_imported_calendar_entry(world: World) -> None:
    await world.person("heinrich")
    until = datetime(2027, 1, 27, 23, 0, tzinfo=BERLIN)
    need = await world.need(
        title="Lesepaten", weekly=Weekly(("mi",), time(15), time(17)), starts_in=timedelta(0)
    )
    async with world.db.transaction() as session:
        row = await session.get(Need, need)
        assert row is not None
        row.valid_until = until
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.press(f"need:{need}:signup", now=world.now())
    imported = ics_event(heinrich.last.attachments[0].content)
    assert imported["RRULE"] == "FREQ=WEEKLY;BYDAY=WE;UNTIL=20270127T220000Z"

    world.clock.advance(timedelta(hours=1))
    await cancel_need(world.db, need, actor="test", now=world.now())
    await world.deliver()
    (notice,) = [
        r
        for _, who, replies in world.channel.sent
        if who == "telegram:heinrich"
        for r in replies
        if "abgesagt" in r.text
    ]
    cancelled = ics_event(notice.attachments[0].content)
    assert cancelled["UID"] == imported["UID"]
    assert cancelled["STATUS"] == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(imported["SEQUENCE"])


async def test_no_hours_for_a_need_the_organisation_cancelled(world: World) -> None:
    heinrich_id = await world.person("heinrich")
    need = await world.need(title="Flohmarkt aufbauen", starts_in=timedelta(days=2), hours=3)
    signed = await sign_up(world.db, heinrich_id, need, world.now())
    await cancel_need(world.db, need, actor="test", now=world.now())
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")

    world.clock.advance(timedelta(days=3))
    await finish_past_engagements(world.db, world.now())
    await heinrich.send(heinrich._incoming(command="termine", now=world.now()))
    assert "Flohmarkt aufbauen" not in heinrich.text, heinrich.text
    assert not any(p.startswith("hrs:") for p in heinrich.payloads())

    # A button from before (or a typed payload) gets a friendly no and logs nothing.
    async with world.db.sessions() as session:
        starts = (await session.get(Need, need)).starts_at  # type: ignore[union-attr]
    await heinrich.press(
        f"hrs:{signed.engagement_id}:{starts.astimezone(BERLIN):%Y%m%d}:ask", now=world.now()
    )
    await heinrich.say("4", now=world.now())
    assert "abgesagt" in heinrich.text and "keine Stunden" in heinrich.text, heinrich.text
    assert await entries(world, signed.engagement_id) == []
    await world.deliver()
    assert not [who for _, who, r in world.channel.sent if "eingetragen" in r[0].text]


async def test_a_correction_before_the_notice_went_out_asks_the_organisation_once(
    world: World,
) -> None:
    """QA (issue 14.5): 3 h corrected to 2,5 h reached Petra twice, both
    saying 2,5 h. One request per date, with the value that stands now."""
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await follow_up(world, WEDNESDAYS[0])
    await heinrich.press(f"hrs:{engagement}:20261202:3", now=world.now())
    await heinrich.press(f"hrs:{engagement}:20261202:ask", now=world.now())
    await heinrich.say("2,5 Stunden", now=world.now())
    assert "2,5" in heinrich.text and "3" in heinrich.text, heinrich.text  # asked first
    await heinrich.press(heinrich.payloads()[0], now=world.now())
    assert await entries(world, engagement) == [(WEDNESDAYS[0], 2.5, HoursStatus.LOGGED)]

    await world.deliver()
    notices = petras_notices(world)
    assert len(notices) == 1, notices
    assert "am 2. Dezember 2,5 Stunden eingetragen" in notices[0][0], notices

    # Corrected again after Petra was asked: asked again, with the new value.
    await heinrich.press(f"hrs:{engagement}:20261202:2", now=world.now())
    await heinrich.press(heinrich.payloads()[0], now=world.now())
    await world.deliver()
    notices = petras_notices(world)
    assert len(notices) == 2, notices
    assert "am 2. Dezember 2 Stunden eingetragen" in notices[1][0], notices


async def test_hours_a_member_missed_wait_in_the_chat_to_be_confirmed(world: World) -> None:
    """QA (issue 14.5): Petra missed the notice. "Stunden bestätigen" and the
    need's detail in "Meine Bedarfe" show the hours waiting, with a button each."""
    _, _, need, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    petra = Conversation(world.app, identity="telegram:petra", tenant="aachen")
    for day, hours in zip(WEDNESDAYS[:2], (2, 3), strict=True):
        await follow_up(world, day)
        await heinrich.press(f"hrs:{engagement}:{day:%Y%m%d}:{hours}", now=world.now())
    first, second = (f"hrs:ok:{i}" for i in await entry_ids(world, engagement))

    await petra.say("Stunden bestätigen", now=world.now())
    assert "warten auf eure Bestätigung (2)" in petra.text, petra.text
    assert "heinrich, 2. Dezember: 2 Stunden für Tafel: Lebensmittel sortieren" in petra.text
    assert [first, second] == [p for p in petra.payloads() if p.startswith("hrs:")]

    await petra.press(f"orgn:{need}", now=world.now())
    assert "Stunden, die auf eure Bestätigung warten" in petra.text, petra.text
    assert "heinrich, 9. Dezember: 3 Stunden" in petra.text
    assert first in petra.payloads() and second in petra.payloads()
    await petra.press(second, now=world.now())
    assert "Bestätigt: heinrich, 3 Stunden am 9. Dezember" in petra.text, petra.text
    assert "hrs:waiting" in petra.payloads()  # one more waits

    await petra.press(f"orgn:{need}", now=world.now())
    assert second not in petra.payloads() and first in petra.payloads()
    await petra.press("hrs:waiting", now=world.now())
    await petra.press(first, now=world.now())
    assert "hrs:waiting" not in petra.payloads()
    await petra.say("Stunden bestätigen", now=world.now())
    assert "Keine Stunden warten" in petra.text, petra.text
    await petra.press(f"orgn:{need}", now=world.now())
    assert "Bestätigung warten" not in petra.text
    assert not [p for p in petra.payloads() if p.startswith("hrs:")]
    assert [s for _, _, s in await entries(world, engagement)] == [HoursStatus.CONFIRMED] * 2

    # A volunteer who is no organisation's member gets the bot's usual answer.
    await heinrich.say("Stunden bestätigen", now=world.now())
    assert "warten auf" not in heinrich.text, heinrich.text
    assert not [p for p in heinrich.payloads() if p.startswith("hrs:")]


async def entry_ids(world: World, engagement_id: int) -> list[int]:
    async with world.db.sessions() as session:
        return list(
            await session.scalars(
                select(HoursEntry.id)
                .where(HoursEntry.engagement_id == engagement_id)
                .order_by(HoursEntry.day)
            )
        )

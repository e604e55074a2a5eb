"""Hours typed with no question open (issue 14.5): "war gestern 3 Stunden da".

Heinrich helps every Wednesday at the Stolberg Tafel (15–17 Uhr). He types
his hours whenever he likes: to the date he names, else to the one passed
date still without hours. Dates his engagement has no hours for are refused
kindly and change nothing; a second, different value for a date asks first.
"""

from __future__ import annotations

from datetime import date, datetime, time

from core.models import HoursStatus, Need
from core.schedule import Weekly
from core.services.signup import sign_up
from tests.core.reminders.conftest import BERLIN, World
from tests.dialogue import test_hours
from tests.dialogue.harness import Conversation
from tests.dialogue.test_hours import entries, weekly_engagement

world = test_hours.world  # the fixture: Heinrich, Petra and the Stolberg Tafel


def thursday(day: int) -> datetime:
    """A Thursday morning in December 2026, the day after a Wednesday date."""
    return datetime(2026, 12, day, 10, tzinfo=BERLIN)


async def test_typed_hours_go_to_the_date_named_or_the_one_open_date(world: World) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")

    world.clock.set(thursday(3))
    await heinrich.say("war gestern 3 Stunden da", now=world.now())
    assert "3 Stunden am 2. Dezember" in heinrich.text, heinrich.text

    world.clock.set(thursday(10))
    await heinrich.say("2,5 Stunden", now=world.now())  # the one passed date without hours
    assert "2,5 Stunden am 9. Dezember" in heinrich.text, heinrich.text
    assert "insgesamt 5,5" in heinrich.text

    assert await entries(world, engagement) == [
        (date(2026, 12, 2), 3.0, HoursStatus.LOGGED),
        (date(2026, 12, 9), 2.5, HoursStatus.LOGGED),
    ]

    # Nothing open any more: a friendly word, nothing logged.
    await heinrich.say("2 Stunden", now=world.now())
    assert "keinen vergangenen Termin" in heinrich.text, heinrich.text
    assert "menu:engagements" in heinrich.payloads()
    assert len(await entries(world, engagement)) == 2


async def test_a_different_value_for_a_date_asks_replace_or_keep(world: World) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    world.clock.set(thursday(10))
    await heinrich.say("am Mittwoch 2 Stunden", now=world.now())
    assert "2 Stunden am 9. Dezember" in heinrich.text, heinrich.text

    await heinrich.say("am Mittwoch 4 Stunden", now=world.now())
    assert "schon 2 Stunden eingetragen" in heinrich.text, heinrich.text
    assert "durch 4 Stunden ersetzen" in heinrich.text
    assert [(d, h) for d, h, _ in await entries(world, engagement)] == [(date(2026, 12, 9), 2.0)]
    await heinrich.press("hrs:keep", now=world.now())
    assert "bleibt, wie es war" in heinrich.text
    assert [(d, h) for d, h, _ in await entries(world, engagement)] == [(date(2026, 12, 9), 2.0)]

    await heinrich.say("gestern 1,5 Stunden", now=world.now())
    assert f"hrs:{engagement}:20261209:q6:set" in heinrich.payloads(), heinrich.payloads()
    await heinrich.say("ja", now=world.now())  # the yes of the question presses "replace"
    assert "Geändert: ⏱ 1,5 Stunden am 9. Dezember" in heinrich.text, heinrich.text
    assert [(d, h) for d, h, _ in await entries(world, engagement)] == [(date(2026, 12, 9), 1.5)]

    # The follow-up's buttons ask too: never overwritten silently.
    await heinrich.press(f"hrs:{engagement}:20261209:3", now=world.now())
    assert "Soll ich sie durch 3 Stunden ersetzen" in heinrich.text, heinrich.text
    assert [(d, h) for d, h, _ in await entries(world, engagement)] == [(date(2026, 12, 9), 1.5)]


async def test_dates_without_hours_are_refused_kindly_and_nothing_changes(world: World) -> None:
    heinrich_id = await world.person("heinrich")
    need = await world.need(title="Tafel", weekly=Weekly(("mi",), time(15), time(17)))
    world.clock.set(datetime(2026, 12, 8, 10, tzinfo=BERLIN))  # a Tuesday: after 2 Dec
    engagement = (await sign_up(world.db, heinrich_id, need, world.now())).engagement_id
    async with world.db.transaction() as session:
        row = await session.get(Need, need)
        assert row is not None
        row.valid_until = datetime(2026, 12, 17, tzinfo=BERLIN)  # last date: 16 Dec
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    world.clock.set(thursday(24))

    refusals = [
        ("am 2.12. 3 Stunden", "noch nicht angemeldet"),  # before he signed up
        ("Dienstag 2 Stunden", "keinen Termin"),  # the series has no Tuesdays
        ("gestern 2 Stunden", "Terminreihe schon zu Ende"),  # 23 Dec: after its end
        ("am 30.12. 2 Stunden", "noch kommt"),  # a day still to come
    ]
    for typed, said in refusals:
        await heinrich.say(typed, now=world.now())
        assert said in heinrich.text, (typed, heinrich.text)
        assert "Nichts geändert" in heinrich.text or said == "noch kommt"
    assert await entries(world, engagement) == []
    await heinrich.say("gestern 30 Stunden", now=world.now())  # QA: was "nicht verstanden"
    assert "höchstens 24 an einem Tag" in heinrich.text, heinrich.text
    assert await entries(world, engagement) == []

    await heinrich.say("am 16.12. 2 Stunden", now=world.now())  # the series' last date
    assert "2 Stunden am 16. Dezember" in heinrich.text, heinrich.text


async def test_several_open_dates_get_a_button_each(world: World) -> None:
    heinrich_id = await world.person("heinrich")
    first = await world.need(title="Tafel", weekly=Weekly(("mi",), time(15), time(17)))
    second = await world.need(title="Lesepaten", weekly=Weekly(("mi",), time(10), time(11)))
    one = (await sign_up(world.db, heinrich_id, first, world.now())).engagement_id
    two = (await sign_up(world.db, heinrich_id, second, world.now())).engagement_id
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    world.clock.set(thursday(3))

    await heinrich.say("gestern 2 Stunden", now=world.now())
    assert "Für welchen Termin" in heinrich.text, heinrich.text
    assert {f"hrs:{one}:20261202:q8", f"hrs:{two}:20261202:q8"} <= set(heinrich.payloads())
    assert await entries(world, one) == [] and await entries(world, two) == []
    await heinrich.press(f"hrs:{two}:20261202:q8", now=world.now())
    assert "2 Stunden am 2. Dezember für <b>Lesepaten</b>" in heinrich.last.text
    assert await entries(world, one) == []
    assert [(d, h) for d, h, _ in await entries(world, two)] == [(date(2026, 12, 2), 2.0)]


async def test_a_sentence_about_times_is_no_hours(world: World) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    world.clock.set(thursday(3))
    await heinrich.say("Ich suche 3 Stunden pro Woche am Mittwoch", now=world.now())
    assert await entries(world, engagement) == []


async def test_hours_typed_as_spoken_times(world: World) -> None:
    """ "gestern von viertel nach 3 bis 5": a quarter past three to five,
    1.75 hours; "halb 4 bis 5" is one and a half."""
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    world.clock.set(thursday(3))
    await heinrich.say("gestern von viertel nach 3 bis 5", now=world.now())
    assert "1,75 Stunden am 2. Dezember" in heinrich.text, heinrich.text
    world.clock.set(thursday(10))
    await heinrich.say("halb 4 bis 5 Uhr", now=world.now())
    assert "1,5 Stunden am 9. Dezember" in heinrich.text, heinrich.text
    assert [(d, h) for d, h, _ in await entries(world, engagement)] == [
        (date(2026, 12, 2), 1.75),
        (date(2026, 12, 9), 1.5),
    ]

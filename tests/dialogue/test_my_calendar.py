""" "Kalender abonnieren" in the chat (issue 14.6).

Heinrich helps every Wednesday at the Stolberg Tafel. From "Meine Termine"
he asks for his calendar link: he gets a private address, once. Asking again
he is told the bot cannot show it again (only a fingerprint is kept) and may
make a new one, which replaces the old; he can delete it too.
"""

from __future__ import annotations

import re

from core.services.calendar_links import person_of
from tests.core.reminders.conftest import World
from tests.dialogue import test_hours
from tests.dialogue.harness import Conversation
from tests.dialogue.test_hours import weekly_engagement

world = test_hours.world  # the fixture: Heinrich, Petra and the Stolberg Tafel

LINK = re.compile(r"/t/aachen/me/calendar/([A-Za-z0-9_-]+)\.ics")


async def test_a_calendar_link_from_meine_termine_renewed_and_deleted(world: World) -> None:
    heinrich_id, _, _, _ = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.command("termine")
    assert ("📆 Kalender abonnieren", "menu:calendar") in heinrich.buttons

    await heinrich.press("menu:calendar", now=world.now())
    assert "Dein privater Kalender-Link" in heinrich.text, heinrich.text
    (first,) = LINK.findall(heinrich.text)
    assert await person_of(world.db, "aachen", first) == heinrich_id
    assert await person_of(world.db, "stolberg", first) is None

    await heinrich.say("Kalender abonnieren", now=world.now())  # the label, typed
    assert "Du hast schon einen Kalender-Link" in heinrich.text, heinrich.text
    assert not LINK.findall(heinrich.text)  # shown once only
    assert {"cal:new", "cal:stop"} <= set(heinrich.payloads())

    await heinrich.press("cal:new", now=world.now())
    (second,) = LINK.findall(heinrich.text)
    assert second != first
    assert await person_of(world.db, "aachen", first) is None  # the old one stops working
    assert await person_of(world.db, "aachen", second) == heinrich_id

    await heinrich.press("cal:stop", now=world.now())
    assert "funktioniert nicht mehr" in heinrich.text
    assert await person_of(world.db, "aachen", second) is None


async def test_no_link_before_consent(world: World) -> None:
    stranger = Conversation(world.app, identity="telegram:stranger", tenant="aachen")
    await stranger.command("kalender")
    assert "sobald du dabei bist" in stranger.text, stranger.text
    assert not LINK.findall(stranger.text)

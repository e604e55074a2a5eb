"""Dates a volunteer skipped, or that have begun, are not offered again (issue 14.6).

Heinrich helps every Wednesday (15–17 Uhr) at the Stolberg Tafel. He skips
2 December from "Meine Termine". After that, nothing offers him 2 December
again: "Meine Termine" offers the next date he still comes to, a typed
"Mittwoch kann ich nicht" says he skips that day already, and so does an old
button. On 9 December at half past three (the date is running) the button is
for 16 December.
"""

from __future__ import annotations

from datetime import datetime

from tests.core.reminders.conftest import BERLIN, World
from tests.dialogue import test_hours
from tests.dialogue.harness import Conversation
from tests.dialogue.test_hours import weekly_engagement
from tests.dialogue.test_skipping import skips_told

world = test_hours.world  # the fixture: Heinrich, Petra and the Stolberg Tafel


def skip_buttons(conversation: Conversation) -> list[tuple[str, str]]:
    return [(label, p) for label, p in conversation.buttons if p.startswith("skip:")]


async def test_a_skipped_date_is_not_offered_again(world: World) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.command("termine")
    assert skip_buttons(heinrich) == [
        ("⏭ Nr. 1: diesen Termin absagen", f"skip:{engagement}:20261202")
    ]
    await heinrich.press(f"skip:{engagement}:20261202:yes", now=world.now())
    assert await skips_told(world) == 1

    await heinrich.command("termine")
    assert "nächster Termin Mi., 2. Dez., 15:00–17:00 · ⏭ da setzt du aus" in heinrich.text
    assert skip_buttons(heinrich) == [
        ("⏭ Nr. 1: 9. Dezember absagen", f"skip:{engagement}:20261209")
    ]

    await heinrich.say("Mittwoch kann ich nicht", now=world.now())
    assert "An dem Tag setzt du schon aus" in heinrich.text, heinrich.text
    assert skip_buttons(heinrich) == []

    await heinrich.press(f"skip:{engagement}:20261202", now=world.now())  # an old button
    assert "An dem Tag setzt du schon aus" in heinrich.text, heinrich.text
    assert not any(p.endswith(":yes") for p in heinrich.payloads())
    assert await skips_told(world) == 1


async def test_a_date_that_has_begun_is_not_offered_to_skip(world: World) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    running = datetime(2026, 12, 9, 15, 30, tzinfo=BERLIN)
    world.clock.set(running)
    await heinrich.command("termine")
    assert "Mi., 9. Dez., 15:00–17:00" in heinrich.text, heinrich.text
    assert skip_buttons(heinrich) == [
        ("⏭ Nr. 1: 16. Dezember absagen", f"skip:{engagement}:20261216")
    ]

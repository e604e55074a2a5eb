"""Signing up again after withdrawing (issue 14.6).

Heinrich signs up for Saturday's Tafel, withdraws, and signs up again an
hour later. The reminders cancelled with his first sign-up do not hold the
new one back: the day before, the reminder comes as it would have.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from core.schedule import Weekly
from tests.core.reminders.conftest import BERLIN, World
from tests.dialogue import test_hours
from tests.dialogue.harness import Conversation

world = test_hours.world  # the fixture: Heinrich, Petra and the Stolberg Tafel


def reminders_to(world: World, identity: str) -> list[str]:
    return [text for text in world.channel.texts_to(identity) if "Morgen ist es so weit" in text]


async def test_a_one_off_signed_up_again_after_withdrawing_is_reminded(world: World) -> None:
    await world.person("heinrich")
    need = await world.need(starts_in=timedelta(days=4), title="Tafel: Lebensmittel ausgeben")
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")

    await heinrich.press(f"need:{need}:signup", now=world.now())
    engagement = await _engagement_of(heinrich)
    await heinrich.press(f"eng:{engagement}:withdraw:yes", now=world.now())
    assert "abgemeldet" in heinrich.text, heinrich.text

    world.clock.advance(timedelta(hours=1))
    await heinrich.press(f"need:{need}:signup", now=world.now())
    assert "du bist dabei" in heinrich.text, heinrich.text

    # The day before (the date is 4 days after Tuesday 10:00: Saturday 10:00).
    await world.at(datetime(2026, 12, 4, 10, 30, tzinfo=BERLIN))
    assert len(reminders_to(world, "telegram:heinrich")) == 1


async def test_a_weekly_series_signed_up_again_is_reminded_of_its_next_date(
    world: World,
) -> None:
    await world.person("heinrich")
    need = await world.need(
        title="Tafel: Lebensmittel sortieren", weekly=Weekly(("mi",), time(15), time(17))
    )
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.press(f"need:{need}:signup", now=world.now())
    engagement = await _engagement_of(heinrich)
    await heinrich.press(f"eng:{engagement}:withdraw:yes", now=world.now())
    world.clock.advance(timedelta(hours=1))
    await heinrich.press(f"need:{need}:signup", now=world.now())

    # Tuesday 15:30: the reminder of Wednesday's date comes.
    await world.at(datetime(2026, 12, 1, 15, 30, tzinfo=BERLIN))
    assert len(reminders_to(world, "telegram:heinrich")) == 1


async def _engagement_of(conversation: Conversation) -> int:
    await conversation.command("termine")
    (payload,) = [p for p in conversation.payloads() if p.endswith(":withdraw")]
    return int(payload.split(":")[1])

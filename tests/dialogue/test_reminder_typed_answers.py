"""A typed "ja"/"nein" answers the reminder just sent ("Kommst du morgen?
[Ja, ich komme] [Ich kann nicht]"), though a reminder is no turn; only
while its question is the most recent one and still open."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.models import Engagement, EngagementStatus, Need
from core.reminders.delivery import deliver_due
from core.services.signup import sign_up
from dialogue.notifications import ChannelSender, Renderer
from tests.dialogue.harness import Conversation
from tests.dialogue.test_reminder_answers import a_need, onboard
from tests.fakes import RecordingNotifier


async def reminded(conversation: Conversation) -> tuple[int, datetime, RecordingNotifier]:
    """Heinrich signs up; the day before, the reminder asks whether he comes.
    Returns the engagement, the time the reminder went out and the channel."""
    conversation.identity = "telegram:4711"
    person = await onboard(conversation)
    need = await a_need(conversation, 2)
    app = conversation.app
    signed = await sign_up(app.db, person, need, app.now())
    async with app.db.sessions() as session:
        starts = (await session.get(Need, need)).starts_at  # type: ignore[union-attr]
    assert starts is not None
    at = starts - timedelta(hours=23)
    notifier = RecordingNotifier("telegram")
    sender = ChannelSender(Renderer(app.db, app.tenants), {"telegram": notifier}, app.clock)
    app.clock.set(at)  # type: ignore[attr-defined]
    await deliver_due(app.db, sender, at)
    asked = [r for _, who, rs in notifier.sent if who == conversation.identity for r in rs]
    assert any("attend:" in b.payload for r in asked for b in r.buttons), asked
    return signed.engagement_id, at, notifier


async def status_of(conversation: Conversation, engagement_id: int) -> EngagementStatus:
    async with conversation.app.db.sessions() as session:
        status = await session.scalar(
            select(Engagement.status).where(Engagement.id == engagement_id)
        )
    assert status is not None
    return status


async def test_a_typed_yes_after_the_reminder_says_i_am_coming(
    conversation: Conversation,
) -> None:
    _, at, _ = await reminded(conversation)
    await conversation.say("ja", now=at + timedelta(minutes=5))
    assert "Bis morgen" in conversation.text


async def test_a_typed_no_after_the_reminder_frees_the_place(conversation: Conversation) -> None:
    engagement, at, _ = await reminded(conversation)
    await conversation.say("Nein, leider nicht", now=at + timedelta(minutes=5))
    assert "Danke, dass du Bescheid sagst" in conversation.text
    assert await status_of(conversation, engagement) == EngagementStatus.WITHDRAWN


async def test_after_another_turn_a_yes_no_longer_answers_the_reminder(
    conversation: Conversation,
) -> None:
    engagement, at, _ = await reminded(conversation)
    await conversation.press("nav:menu", now=at + timedelta(minutes=1))
    await conversation.say("nein", now=at + timedelta(minutes=2))
    assert "Danke, dass du Bescheid sagst" not in conversation.text
    assert await status_of(conversation, engagement) != EngagementStatus.WITHDRAWN


async def test_a_number_still_means_the_conversations_own_offer(
    conversation: Conversation,
) -> None:
    engagement, at, _ = await reminded(conversation)
    await conversation.say("2", now=at + timedelta(minutes=1))
    assert "Danke, dass du Bescheid sagst" not in conversation.text
    assert await status_of(conversation, engagement) != EngagementStatus.WITHDRAWN


async def test_once_the_date_began_a_yes_answers_nothing_of_it(
    conversation: Conversation,
) -> None:
    _, at, _ = await reminded(conversation)
    await conversation.say("ja", now=at + timedelta(hours=23, minutes=30))
    assert "Bis morgen" not in conversation.text

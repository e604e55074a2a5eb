"""The same platform event handled twice (a webhook delivered again, a web
form sent again after an error page) gets the same answer and moves the
conversation on once."""

from __future__ import annotations

from sqlalchemy import select

from core.models import ConversationState
from dialogue.messages import Incoming
from tests.dialogue.harness import Conversation


async def _version(conversation: Conversation) -> int:
    async with conversation.app.db.sessions() as session:
        return int(
            await session.scalar(
                select(ConversationState.version).where(
                    ConversationState.identity == conversation.identity,
                    ConversationState.tenant_slug == conversation.tenant,
                )
            )
            or 0
        )


async def test_an_event_delivered_again_is_answered_the_same_and_handled_once(
    conversation: Conversation,
) -> None:
    await conversation.command("start")
    event = Incoming(
        identity=conversation.identity,
        tenant=conversation.tenant,
        text="hilfe",
        language_hint="de",
        event_id="telegram:4242",
    )
    first = await conversation.send(event)
    version = await _version(conversation)
    again = await conversation.send(event)
    assert [r.text for r in again] == [r.text for r in first]
    assert [r.buttons for r in again] == [r.buttons for r in first]
    assert await _version(conversation) == version  # nothing handled a second time

    other = await conversation.send(
        Incoming(
            identity=conversation.identity,
            tenant=conversation.tenant,
            text="hilfe",
            language_hint="de",
            event_id="telegram:4243",
        )
    )
    assert other
    assert await _version(conversation) == version + 1

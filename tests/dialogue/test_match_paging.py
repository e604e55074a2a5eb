"""Paging through matches: "more" and back to the list show the ranking the
list was made with (kept in the view), without needs closed since."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from core.models import Need, NeedStatus
from dialogue.flows import matches
from tests.dialogue.harness import Conversation


async def _onboarded(conversation: Conversation) -> None:
    await conversation.say("Hallo")
    await conversation.press("f:consent:yes")
    # the read-back comes with the first matches (issue 10)
    await conversation.say("Ich möchte samstags vormittags in Burtscheid mit Kindern helfen")


async def _press_first(conversation: Conversation, prefix: str) -> None:
    payload = next(p for p in conversation.payloads() if p.startswith(prefix))
    await conversation.press(payload)


async def _pages(conversation: Conversation) -> list[tuple[list[int], str]]:
    """The first page, the next one, the first need's detail and back."""
    await _onboarded(conversation)
    seen = [((await conversation.state()).view["ids"], conversation.text)]
    await _press_first(conversation, "more:")
    seen.append(((await conversation.state()).view["ids"], conversation.text))
    await _press_first(conversation, "need:")
    await conversation.say("zurück")
    seen.append(((await conversation.state()).view["ids"], conversation.text))
    return seen


async def test_more_and_back_show_what_ranking_again_shows(
    conversation: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = await _pages(conversation)
    assert len(kept[0][0]) == matches.PAGE and kept[1][0] and kept[2][0] == kept[1][0]
    assert not set(kept[0][0]) & set(kept[1][0])
    monkeypatch.setattr(matches, "_stored_page", lambda *args: None)  # rank every page anew
    again = Conversation(conversation.app, identity=conversation.identity + "-again")
    assert await _pages(again) == kept


async def test_a_need_closed_since_is_not_shown_when_going_back(
    conversation: Conversation,
) -> None:
    await _onboarded(conversation)
    first = (await conversation.state()).view["ids"]
    await _press_first(conversation, "need:")
    async with conversation.app.db.transaction() as session:
        await session.execute(
            update(Need).where(Need.id == first[0]).values(status=NeedStatus.FILLED)
        )
    await conversation.press("nav:list")
    assert (await conversation.state()).view["ids"] == first[1:]

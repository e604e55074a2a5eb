"""Issue 14: an offer said before consent lives in the conversation state
only (``slots["_held"]["_offer"]``) until the profile is saved; a declined
consent leaves no trace of it anywhere, in the state or in the database.
Luisa aus Burtscheid offers bike repairs as her very first message."""

from __future__ import annotations

from sqlalchemy import func, select

from bots.bootstrap import App
from core.models import Offer, Person
from tests.dialogue.harness import Conversation

OFFER = "Ich kann samstags Fahrräder reparieren, in Eilendorf"


async def _count(app: App, model: type) -> int:
    async with app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_offer_before_consent_is_held_in_the_state_only(
    conversation: Conversation,
) -> None:
    people = await _count(conversation.app, Person)  # the demo's own
    offers = await _count(conversation.app, Offer)
    await conversation.command("start")
    await conversation.say(OFFER)
    state = await conversation.state()
    assert state.slots["_held"]["_offer"] == OFFER
    assert await _count(conversation.app, Person) == people
    assert await _count(conversation.app, Offer) == offers


async def test_a_declined_consent_keeps_nothing_of_the_offer(conversation: Conversation) -> None:
    people = await _count(conversation.app, Person)
    offers = await _count(conversation.app, Offer)
    await conversation.command("start")
    await conversation.say(OFFER)
    await conversation.press("f:consent:no")
    assert "Dein Angebot habe ich nicht gespeichert" in conversation.text, conversation.text
    state = await conversation.state()
    assert state.slots == {} and state.flow is None
    assert OFFER not in str(state.to_dict())
    await conversation.say(OFFER)  # said again after declining: still nothing stored
    assert "Ohne deine Einwilligung" in conversation.text, conversation.text
    assert await _count(conversation.app, Person) == people
    assert await _count(conversation.app, Offer) == offers


async def test_the_held_offer_is_published_only_after_a_yes(conversation: Conversation) -> None:
    await conversation.command("start")
    await conversation.say(OFFER)
    await conversation.press("f:consent:yes")
    assert "Du wolltest anbieten" in conversation.text, conversation.text
    before = await _count(conversation.app, Offer)
    await conversation.press("off:held:yes")
    await conversation.press("off:post")
    assert await _count(conversation.app, Offer) == before + 1
    async with conversation.app.db.sessions() as session:
        title = await session.scalar(select(Offer.title).order_by(Offer.id.desc()))
    assert title == OFFER

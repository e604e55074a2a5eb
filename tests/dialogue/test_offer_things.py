"""Issue 14, part 3: Heinrich's club lends a bouncy castle. No kind of
data/resources.yml names it, but "verleihen" says it is a thing lent
(data/offer_words.yml): the read-back says "Sachmittel oder Raum", and the
castle is not matched to every need it reaches (the Tafel's pick-ups, the
homework help), only to needs of its topic once it has one.
"""

from __future__ import annotations

from sqlalchemy import select

from core.models import Need, Offer
from tests.dialogue.harness import Conversation
from tests.dialogue.test_reminder_answers import onboard

CASTLE = "Wir können unsere Hüpfburg verleihen, in Eilendorf"


async def test_a_thing_lent_without_a_kind_fits_no_need_without_a_topic(
    conversation: Conversation,
) -> None:
    await onboard(conversation)
    await conversation.command("angebot", CASTLE)
    text = conversation.text
    assert "Art: Sachmittel oder Raum" in text and "Thema: jedes Thema" in text, text
    await conversation.press("off:post")
    assert "Gerade passt noch kein Bedarf dazu" in conversation.text, conversation.text
    assert not [p for p in conversation.payloads() if p.startswith("need:")]
    async with conversation.app.db.sessions() as session:
        offer = await session.scalar(select(Offer).order_by(Offer.id.desc()))
    assert offer is not None and (offer.kind, offer.resource) == ("resource", None)


async def test_with_a_topic_it_fits_the_needs_of_that_topic_only(
    conversation: Conversation,
) -> None:
    await onboard(conversation)
    await conversation.command("angebot", CASTLE)
    await conversation.say("Thema: Feste")
    assert "Thema: Veranstaltungen" in conversation.text, conversation.text
    await conversation.press("off:post")
    shown = [int(p.split(":")[1]) for p in conversation.payloads() if p.startswith("need:")]
    assert shown, conversation.text
    async with conversation.app.db.sessions() as session:
        categories = set(
            (await session.scalars(select(Need.category).where(Need.id.in_(shown)))).all()
        )
    assert categories == {"veranstaltungen"}, conversation.text

"""Issue 14: an offer typed freely ("Ich kann samstags Fahrräder reparieren, in
Eilendorf") is read back and published like ``/angebot <text>``; someone who
wants to be shown something still gets matches. Heinrich Helfer has consented
and saved his profile (``onboard``) before he offers anything."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bots.bootstrap import App
from core.models import Offer
from dialogue.nlu.result import ParseResult
from tests.dialogue.harness import Conversation
from tests.dialogue.test_offers_and_relay import REPAIR_CAFE, org_member
from tests.dialogue.test_reminder_answers import onboard


async def _last_offer(app: App) -> Offer:
    async with app.db.sessions() as session:
        offer = await session.scalar(select(Offer).order_by(Offer.id.desc()))
    assert offer is not None
    return offer


async def test_a_typed_offer_is_read_back_published_and_finds_needs(
    conversation: Conversation,
) -> None:
    await onboard(conversation)
    await conversation.say("Ich kann samstags Fahrräder reparieren, in Eilendorf")
    text = conversation.text
    assert "So würde dein Angebot aussehen" in text, text
    assert "Handwerk" in text and "Eilendorf" in text and "Sa" in text, text
    assert "off:post" in conversation.payloads()
    assert (await conversation.state()).flow == "offer_preview"
    await conversation.press("Veröffentlichen")
    text = conversation.text
    assert "Dein Angebot ist veröffentlicht" in text, text
    assert "Diese Bedarfe passen zu deinem Angebot" in text, text
    offer = await _last_offer(conversation.app)
    assert (offer.title, offer.kind, offer.category, offer.place_label) == (
        "Ich kann samstags Fahrräder reparieren, in Eilendorf",
        "skill",
        "handwerk",
        "Eilendorf",
    )


async def test_an_offer_in_english_is_read_back_in_english(app: App) -> None:
    conv = Conversation(app, identity="test:en", language_hint="en")
    await onboard(conv)
    await conv.say("I can repair bikes on Saturdays in Eilendorf")
    text = conv.text
    assert "offer" in text.casefold() and "Eilendorf" in text and "Sat" in text, text
    assert "off:post" in conv.payloads()
    await conv.press("off:post")
    offer = await _last_offer(app)
    assert (offer.category, offer.place_label) == ("handwerk", "Eilendorf")


async def test_a_van_offered_by_a_club_is_a_resource(conversation: Conversation) -> None:
    await onboard(conversation)
    await conversation.say("Wir können am Wochenende unseren Transporter verleihen, in Haaren")
    text = conversation.text
    assert "So würde dein Angebot aussehen" in text, text
    assert "Art: Transporter" in text and "Haaren" in text, text
    await conversation.press("off:post")
    offer = await _last_offer(conversation.app)
    assert (offer.kind, offer.place_label) == ("resource", "Haaren")


async def test_wanting_to_be_shown_something_still_gets_matches(
    conversation: Conversation,
) -> None:
    await onboard(conversation)
    await conversation.say("Ich möchte mich mit Kindern engagieren")
    assert "Angebot" not in conversation.text, conversation.text
    assert any(p.startswith("need:") for p in conversation.payloads()), conversation.text
    assert (await conversation.state()).flow is None


async def test_an_offer_before_consent_is_held_for_the_profile_as_before(
    conversation: Conversation,
) -> None:
    await conversation.say("Ich kann samstags Fahrräder reparieren, in Eilendorf")
    assert "Verstanden: Handwerk" in conversation.text, conversation.text
    await conversation.press("f:consent:yes")
    assert "ich hab mir alles gemerkt" in conversation.text, conversation.text


async def test_an_offer_naming_nothing_before_consent_asks_for_consent(
    conversation: Conversation,
) -> None:
    """Nothing to hold for the profile, and still no "type /start": the consent question."""
    await conversation.say("Ich habe einen Anhänger, den ich verleihen kann")
    assert "einverstanden" in conversation.text, conversation.text
    assert "/start" not in conversation.text
    assert "f:consent:yes" in conversation.payloads()


class _UnsureOfOneText:
    """The trained NLU, except that it is unsure of ``UNSURE``: an offer,
    perhaps, or something to join."""

    UNSURE = "Fahrräder, vielleicht"

    def __init__(self, real: Any) -> None:
        self.real = real

    def parse(self, text: str, lang: str = "de", **kw: Any) -> ParseResult:
        if text == self.UNSURE:
            # Not offer against search neck and neck (that is the offer-or-search
            # question, tests/conversations/offer_or_search*.yml): an offer or an answer.
            ranking = (("post_offer", 0.45), ("inform", 0.3), ("find_engagement", 0.25))
            return ParseResult(text, "post_offer", 0.45, ranking=ranking)
        return self.real.parse(text, lang, **kw)  # type: ignore[no-any-return]


async def test_when_unsure_the_offer_button_is_among_the_likely_ones(
    conversation: Conversation,
) -> None:
    await onboard(conversation)
    understanding = conversation.app.understanding
    assert understanding is not None
    understanding.parser = _UnsureOfOneText(understanding.parser)
    try:
        await conversation.say(_UnsureOfOneText.UNSURE)
    finally:
        understanding.parser = understanding.parser.real  # type: ignore[attr-defined]
    assert "nicht sicher" in conversation.text, conversation.text
    payloads = conversation.payloads()
    assert payloads[:2] == ["menu:offers", "menu:matches"], payloads
    assert ("🤝 Ich biete an", "menu:offers") in conversation.buttons


async def test_angebot_erstellen_asks_what_is_offered_not_for_a_need(
    conversation: Conversation,
) -> None:
    await onboard(conversation)
    for typed in ("Angebot erstellen", "Ein Angebot erstellen", "Neues Angebot anlegen"):
        await conversation.say(typed)
        text = conversation.text
        assert "Was kannst du anbieten?" in text, (typed, text)
        assert "Bedarf" not in text, (typed, text)
        assert (await conversation.state()).flow == "offer", typed
        await conversation.press("nav:cancel")


async def test_a_member_who_says_angebot_erstellen_offers_and_posts_no_need(app: App) -> None:
    renate = await org_member(app, REPAIR_CAFE, identity="test:renate")
    await renate.press("nav:cancel")  # the volunteer questions set aside
    await renate.say("Ein Angebot erstellen")
    assert "Was kannst du anbieten?" in renate.text, renate.text
    await renate.say("Wir können samstags Fahrräder reparieren, in Eilendorf")
    assert "So würde dein Angebot aussehen" in renate.text, renate.text


async def test_create_an_offer_in_english_asks_what_is_offered(app: App) -> None:
    conv = Conversation(app, identity="test:en", language_hint="en")
    await onboard(conv)
    await conv.press("lang:en")
    for typed in ("Create an offer", "create offer"):
        await conv.say(typed)
        assert "What can you offer?" in conv.text, (typed, conv.text)
        await conv.press("nav:cancel")

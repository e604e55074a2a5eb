"""The guided form (/bedarf without a sentence) asks every field, the
optional ones too (description, qualifications, urgent: each skippable with a
button), and a sentence at the preview is never dropped silently (QA)."""

from __future__ import annotations

from bots.bootstrap import App
from tests.dialogue.harness import Conversation
from tests.dialogue.test_org_needs import org_member


async def _to_place(app: App) -> Conversation:
    member = Conversation(app, identity="test:org")
    await org_member(app, member)
    await member.command("bedarf")
    await member.say("Regale einräumen")
    await member.press("f:category:soziales")
    await member.press("f:repeat:once")
    await member.say("12.12.2026")
    await member.say("10-14")
    await member.say("3")
    return member


async def test_the_guided_form_asks_description_qualifications_and_urgent(app: App) -> None:
    member = await _to_place(app)
    await member.say("Burtscheid")
    assert "f:description:-" in member.payloads()  # "Überspringen"
    await member.say("Regale im Lager einräumen und Kisten tragen")
    assert "Nachweise" in member.text and ("Keine", "f:qualifications:done") in member.buttons
    await member.press("f:qualifications:done")
    assert "dringend" in member.text and "f:urgent:no" in member.payloads()
    await member.press("f:urgent:no")
    assert "So würde der Bedarf aussehen" in member.text
    assert "📝 Regale im Lager einräumen und Kisten tragen" in member.text


async def test_skipping_the_optional_steps(app: App) -> None:
    member = await _to_place(app)
    await member.say("Burtscheid")
    await member.press("f:description:-")
    await member.press("f:qualifications:done")
    await member.press("f:urgent:no")
    assert "So würde der Bedarf aussehen" in member.text and "📝 –" in member.text


async def test_a_sentence_at_the_preview_is_the_description_or_gets_a_hint(app: App) -> None:
    member = await _to_place(app)
    await member.say("Burtscheid")
    await member.press("f:description:-")
    await member.press("f:qualifications:done")
    await member.press("f:urgent:no")

    await member.say("Wir räumen gemeinsam das Lager auf")
    assert "als Beschreibung übernommen" in member.text
    assert "📝 Wir räumen gemeinsam das Lager auf" in member.text
    await member.say("Bitte mit Handschuhen kommen")
    assert "keinem Feld zuordnen" in member.text and "Beschreibung:" in member.text
    assert "📝 Wir räumen gemeinsam das Lager auf" in member.text  # kept

"""The guided form (/bedarf without a sentence) asks every field, the
optional ones too (description, qualifications, urgent: each skippable with a
button), and a sentence at the preview is never dropped silently (QA)."""

from __future__ import annotations

import pytest

from bots.bootstrap import App
from tests.dialogue.harness import Conversation
from tests.dialogue.test_org_needs import org_member


async def _to_place(app: App, identity: str = "test:org") -> Conversation:
    member = Conversation(app, identity=identity)
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


async def test_an_unknown_place_suggests_the_place_named_inside_and_stays_in_the_region(
    app: App,
) -> None:
    """QA: "Am Sportplatz Haaren" had no hint; "nein"/"Fertig" got villages
    far outside the region as suggestions."""
    member = await _to_place(app)
    await member.say("Am Sportplatz Haaren")
    assert "kenne ich leider nicht" in member.text and "Meintest du" in member.text
    assert member.buttons[0][0] == "Haaren"
    await member.press(member.buttons[0][1])
    assert "f:description:-" in member.payloads()  # Haaren taken, on to the description

    member = await _to_place(app, "test:org2")
    await member.say("Hinterm Vereinsheim")
    assert "kenne ich leider nicht" in member.text
    assert "Postleitzahl" in member.text  # the hint, not far-away villages
    assert not [p for p in member.payloads() if ":suggest:" in p]


def test_place_suggestions_stay_in_the_tenants_region(app: App) -> None:
    from core.errors import UnknownPlace
    from core.geo.geocoder import resolve_place

    tenant = app.tenants["aachen"]
    for word in ("nein", "Fertig"):
        with pytest.raises(UnknownPlace) as caught:
            resolve_place(word, tenant, app.gazetteer)
        assert caught.value.suggestions == []
    with pytest.raises(UnknownPlace) as caught:
        resolve_place("Burtshied", tenant, app.gazetteer)
    assert caught.value.suggestions[0] == "Burtscheid"  # a typo in the region still helps


async def test_our_place_is_where_most_of_the_organisations_needs_are(app: App) -> None:
    """QA: after one need in Haaren the "our place" button said Haaren, though
    the Tafel's needs are in Burtscheid."""
    from tests.dialogue.test_org_needs import published_need

    member = await _to_place(app)
    org_id = await org_member(app, Conversation(app, identity="test:org-colleague"))
    for title in ("Ausgabe", "Sortieren"):
        await published_need(app, org_id, title=title)  # in Burtscheid
    await member.say("Haaren")
    await member.press("f:description:-")
    await member.press("f:qualifications:done")
    await member.press("f:urgent:no")
    await member.press("f:confirm:yes")  # one need in Haaren, the latest

    again = await _to_place(app, "test:org-third")
    assert ("📍 Burtscheid", "f:place:ours") in again.buttons, again.buttons

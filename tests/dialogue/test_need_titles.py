"""Titles of needs posted in one sentence: who is wanted and what for, not
the whole sentence (``dialogue.need_titles``)."""

from __future__ import annotations

import pytest

from bots.bootstrap import App
from dialogue.need_titles import title_parts
from tests.dialogue.harness import Conversation
from tests.dialogue.test_org_needs import latest_need, org_member


@pytest.mark.parametrize(
    ("sentence", "role", "purpose"),
    [
        ("Wir suchen 2 Fahrer für die Tafel am Samstag", "Fahrer", "die Tafel"),
        ("wir brauchen noch zwei Köche für das Sommerfest", "Köche", "das Sommerfest"),
        (
            "Wir suchen eine Übungsleiterin für das Kinderturnen",
            "Übungsleiterin",
            "das Kinderturnen",
        ),
        ("Wir suchen Lesepaten für die Grundschule", "Lesepaten", "die Grundschule"),
        ("Suchen 3 Fahrer:innen", "Fahrer:innen", None),
        ("We need 2 drivers for the food bank on Saturday", "Drivers", "the food bank"),
        # generic people are no role
        ("Wir brauchen morgen 3 Leute für die Tafel, 10-14 Uhr", None, "die Tafel"),
        ("Wir suchen 2 kräftige Helfer:innen für den Umzug", None, "den Umzug"),
        ("Wir suchen Unterstützung für die Kleiderkammer", None, "die Kleiderkammer"),
        ("We need 3 volunteers for our summer party", None, "our summer party"),
        # the last purpose named; days and spans are neither role nor purpose
        (
            "Wir suchen für unser Sommerfest am Samstag drei Leute für den Kuchenstand",
            None,
            "den Kuchenstand",
        ),
        ("Wir brauchen am Samstag 3 Leute für den Weihnachtsmarkt", None, "den Weihnachtsmarkt"),
        ("Wir brauchen 2 Stunden Hilfe für Samstag", None, None),
        ("Am Samstag brauchen wir zwei Helfer beim Aufbau vom Zelt im Park", None, None),
    ],
)
def test_role_and_purpose_of_a_sentence(sentence: str, role: str | None, purpose: str | None):
    parts = title_parts(sentence)
    assert (parts.role, parts.purpose) == (role, purpose)


@pytest.mark.parametrize(
    ("sentence", "count"),
    [
        ("Wir suchen 2 Fahrer für die Tafel", 2),
        ("wir brauchen noch zwei Köche", 2),
        ("Wir suchen einen Fahrer", 1),
        ("We need 3 drivers", 3),
        ("Wir suchen ein paar Fahrer", None),
        ("Wir suchen Fahrer", None),
        ("Wir brauchen 3 Leute", None),  # the NLU's count entity reads generic people
    ],
)
def test_the_count_of_a_role(sentence: str, count: int | None):
    assert title_parts(sentence).count == count


async def test_a_need_posted_in_one_sentence_is_titled_by_role_and_purpose(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    await member.say("Wir suchen 2 Fahrer für die Tafel am Samstag, 10-14 Uhr")
    await member.say("Burtscheid")
    assert "So würde der Bedarf aussehen" in member.text
    assert member.text.split("\n")[1] == "Fahrer für die Tafel", member.text
    await member.say("Beschreibung: Lebensmittel beim Großmarkt abholen")
    await member.press("f:confirm:yes")
    need = await latest_need(app, org_id)
    assert need.title == "Fahrer für die Tafel"
    assert need.helpers_wanted == 2  # "2 Fahrer", not asked again


async def test_a_sentence_at_the_title_question_proposes_role_and_purpose(app: App) -> None:
    member = Conversation(app, identity="test:org")
    await org_member(app, member)
    await member.command("bedarf")
    await member.say("Wir suchen ab Januar jeden Dienstag zwei Köche für das Erzählcafé")
    assert "Vorschlag für den Titel: Köche für das Erzählcafé" in member.text, member.text

"""Which written words hold a searched one (``core.search_words``)."""

from __future__ import annotations

import pytest

from core.search_words import DESCRIPTION, NONE, TITLE, SearchWords


@pytest.mark.parametrize(
    ("word", "text", "held"),
    [
        ("Hunde", "Gassigehen mit unseren Tierheimhunden", True),  # head of a compound
        ("Hunde", "Ein ruhiger Hund", True),  # another form
        ("Hunde", "Hundeschule am Sonntag", True),  # a compound
        ("Hunde", "Hunderte Fotos scannen", False),  # only letters in common
        ("Hunde", "Eine Stunde", False),
        ("Fahrdienst", "Fahrdienste zum Arzt", True),
        ("Fahrdienst", "Fahrt zum Tierarzt", False),
        ("Computer", "Computerkurs und Computern", True),
        ("Opa", "Europa-Tag", False),
        ("Flüchtlinge", "Hilfe für fluechtlinge", True),  # umlauts folded
        ("Gassi gehen", "Mit dem Hund Gassi gehen", True),  # a phrase
        ("Gassi gehen", "Gassi", False),
        ("Tiere", "Lebensmittel sortieren", False),  # a verb in -ieren, no compound
        ("Tiere", "Fotos dokumentieren", False),
        ("Tiere", "Tieren im Tierheim helfen", True),
    ],
)
def test_a_word_is_held_by_its_forms_and_compounds_not_by_any_substring(
    word: str, text: str, held: bool
) -> None:
    assert (SearchWords.of((word,)).tier(text, "") == TITLE) is held


def test_title_or_organisation_before_description() -> None:
    tafel = SearchWords.of(("Tafel",))
    assert tafel.tier("Lebensmittel sortieren", "", "Aachener Tafel e.V.") == TITLE
    assert tafel.tier("Tag der offenen Backstube", "Der Erlös geht an die Tafel.") == DESCRIPTION
    assert tafel.tier("Backstube", "Printen") == NONE


def test_the_database_is_asked_for_a_piece_every_holder_contains() -> None:
    assert SearchWords.of(("Hunde",)).like_fragments() == ("hund",)
    # "ü" may be written "ue": a piece without it.
    assert SearchWords.of(("Führerschein",)).like_fragments() == ("hrerschei",)
    assert SearchWords.of(("Öl",)).like_fragments() is None  # too short: no narrowing

"""Which written words hold a searched one (``core.search_words``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core import search_words
from core.search_words import (
    DESCRIPTION,
    NONE,
    TITLE,
    TRANSLATIONS_PATH,
    SearchWords,
    base_forms,
    fold,
    stop_words,
    translations,
    words_of_text,
)


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
        ("Tieren", "Lebensmittel sortieren", False),  # "Tieren" is no verb either
        ("Tiere", "Tierheim", True),  # a compound by its stem
        ("Tiere", "Tierarzt und Haustiere", True),
        ("Hund", "Hunderte Fotos scannen", False),  # a linking "er", then "te": no compound
        ("Hund", "Hundertjährige Eiche", False),  # "tj" begins no German word
        ("Hund", "Hundeschule", True),
        ("Hund", "Gassigehen mit Tierheimhunden", True),
        ("Kind", "Kindergarten", True),
        ("Lesen", "Lesepatin oder Lesepate", True),
        ("Lesen", "Vorlesestunde in der Bibliothek", True),  # between modifier and head
        ("Hund", "Schundheft", False),  # two letters are no modifier
        ("sortieren", "Spenden einsortieren", True),  # a verb searched: its compounds
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


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hund", ("hund",)),
        ("was mit Tieren", ("tieren",)),  # small words are not looked for
        ("something with dogs", ("dogs", "Hund", "Gassi")),  # plural, English -> German
        ("reading", ("reading", "Lesen", "Lesung")),
        ("food bank", ("Tafel", "Lebensmittelausgabe")),  # a phrase first
        ("mit", ("mit",)),  # only small words: those
    ],
)
def test_a_typed_text_looks_for_its_words_and_their_german(
    text: str, found: tuple[str, ...]
) -> None:
    assert words_of_text(text)[: len(found)] == found


def test_english_words_find_german_needs() -> None:
    held = lambda text, title: SearchWords.of(words_of_text(text)).tier(title, "")  # noqa: E731
    assert held("dogs", "Gassigehen mit unseren Tierheimhunden") == TITLE
    assert held("reading", "Vorlesestunde in der Stadtbibliothek") == TITLE
    assert held("food bank", "Ausgabe bei der Aachener Tafel") == TITLE
    assert held("elderly", "Einkaufsbegleitung für eine Seniorin") == TITLE
    assert held("dogs", "Hunderte Fotos digitalisieren") == NONE


def test_the_list_of_english_words_is_large_and_each_stands_for_german_words() -> None:
    table = translations()
    assert len(table) >= 100
    assert all(words and all(w.strip() for w in words) for words in table.values())
    assert all(key == fold(key) for key in table)
    assert {"dog", "reading", "food bank"} <= set(table)


@pytest.mark.parametrize(
    ("text", "title", "held"),
    [
        # plural and dative forms, and a compound's plural
        ("Tafeln", "Lebensmittelausgabe der Aachener Tafel", True),
        ("bei der Tafel", "Lebensmittelausgabe der Aachener Tafel", True),
        ("bei den Tafeln", "Aachener Tafel: Lebensmittel sortieren", True),
        ("Kleiderkammern", "Spenden sortieren in der Kleiderkammer", True),
        ("in der Kleiderkammer", "Helfer für unsere Kleiderkammern", True),
        # feminine forms find the base and its compounds ("data/search_words.yml": forms)
        ("Seniorinnen", "Seniorenbesuch im Altenheim", True),
        ("mit Seniorinnen", "Kaffee mit Senioren", True),
        ("Seniorin", "Fahrdienst für Senioren", True),
        ("Helferinnen", "Helfer für den Umzug", True),
        ("Ärztin", "Fahrdienst zum Arzt", True),
        ("Seniorinnen", "Sonstige Hilfe", False),
        # umlaut plurals find the singular
        ("Gärten", "Garten der Begegnung pflegen", True),
        ("Gärten", "Gemeinschaftsgarten", True),
        ("Bäume", "Baumpflanzaktion", True),
        ("Wälder", "Wald aufräumen", True),
        ("Büchern", "Buchbasar", True),
        ("Spielplätze", "Spielplatzpaten gesucht", True),
        # an umlaut that is the word's own stays ("Küche" is no "Kuchen")
        ("Küche", "Kuchen backen für das Sommerfest", False),
        ("Großküche", "Kuchenbuffet", False),
        ("Küche", "Küchendienst im Café", True),
    ],
)
def test_german_forms_of_a_searched_word_find_its_needs(text: str, title: str, held: bool) -> None:
    assert (SearchWords.of(words_of_text(text)).tier(title, "") == TITLE) is held


def test_base_forms_come_from_the_data_table() -> None:
    assert base_forms("Seniorinnen") == ("senior",)
    assert base_forms("Ärztin") == ("ärzt", "arzt")
    assert base_forms("Gärten") == ("garten",)
    assert base_forms("Küche") == ()
    assert base_forms("Hund") == ()
    assert base_forms("Kamin") == ()  # three letters before "in" are no noun of their own


def test_stop_words_are_data_and_are_not_searched() -> None:
    data = yaml.safe_load(TRANSLATIONS_PATH.read_text(encoding="utf-8"))
    assert {fold(w) for ws in data["stop_words"].values() for w in ws} == stop_words()
    assert {"bei", "der", "mit", "moechte", "fuer", "with", "something", "on"} <= stop_words()
    assert words_of_text("bei der Tafel") == ("tafel",)
    assert words_of_text("ich möchte was mit Hunden") == ("hunden",)
    assert words_of_text("something with dogs")[0] == "dogs"
    source = Path(search_words.__file__).read_text(encoding="utf-8")
    assert "irgendwas" not in source and "moechte" not in source  # no word list in code

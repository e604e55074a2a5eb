"""The taxonomy file holds every fixed code with labels people can read."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.taxonomy import CATEGORY_CODES, QUALIFICATION_CODES, Taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def test_every_category_code_has_german_and_english_label_and_emoji(taxonomy: Taxonomy) -> None:
    assert tuple(taxonomy.categories) == CATEGORY_CODES
    for category in taxonomy.categories.values():
        assert category.labels["de"] and category.labels["en"]
        assert category.emoji
        assert len(category.synonyms["de"]) >= 10, category.code
        assert len(category.synonyms["en"]) >= 8, category.code


def test_synonyms_include_misspellings_and_word_forms(taxonomy: Taxonomy) -> None:
    def has(code: str, word: str) -> bool:
        return word in taxonomy.categories[code].synonyms["de"]

    assert has("kinder_jugend", "Kindr") and has("kinder_jugend", "Jugendliche")
    assert has("umwelt", "umwellt") and has("senioren", "Senjoren")
    assert has("tiere", "Hund") and has("tiere", "Tierheim")
    assert has("integration", "Flüchtlinge") and has("integration", "Geflüchtete")
    assert has("bildung", "Hausaufgabenhilfe") and has("soziales", "Tafel")


def test_qualifications_and_languages(taxonomy: Taxonomy) -> None:
    for code in QUALIFICATION_CODES:
        assert taxonomy.is_qualification(code)
        assert taxonomy.label(code, "de") != code
    for iso in ("de", "en", "fr", "ar", "tr", "ru", "uk", "pl", "es", "it", "fa"):
        assert taxonomy.is_qualification(f"sprache:{iso}")
        assert taxonomy.languages[iso].labels["de"] and taxonomy.languages[iso].labels["en"]
    assert taxonomy.label("sprache:ar", "de") == "Sprachkenntnisse: Arabisch"
    assert taxonomy.label("sprache:ar", "en") == "Speaks Arabic"


def test_any_iso2_language_is_a_qualification_but_not_nonsense(taxonomy: Taxonomy) -> None:
    assert taxonomy.is_qualification("sprache:sw")
    assert not taxonomy.is_qualification("sprache:swahili")
    assert not taxonomy.is_qualification("zauberei")


def test_labels_per_language_with_german_fallback(taxonomy: Taxonomy) -> None:
    assert taxonomy.label("umwelt", "de") == "Umwelt & Natur"
    assert taxonomy.label("umwelt", "en") == "Environment & nature"
    assert taxonomy.label("umwelt", "fr") == "Umwelt & Natur"
    assert taxonomy.label("unbekannt", "de") == "unbekannt"
    assert taxonomy.is_category("tiere") and not taxonomy.is_category("fuehrerschein")


def test_load_is_cached(taxonomy: Taxonomy) -> None:
    assert Taxonomy.load() is taxonomy


def test_a_file_missing_a_code_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "categories.yml"
    bad.write_text("categories:\n  tiere: {labels: {de: Tiere}, emoji: x}\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        Taxonomy.load(bad)

"""Every qualification a need can ask for comes with a short help in German
and English, in the tenant's address form, that tells a volunteer how to
meet it (the Führungszeugnis: free of charge with the organisation's
confirmation)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest

from core.qualification_help import help_catalogue, help_text, requirements
from core.taxonomy import Taxonomy

DU_WORDS = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines)\b", re.IGNORECASE)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_qualification_has_help_in_both_languages(taxonomy: Taxonomy, lang: str) -> None:
    for code in taxonomy.qualifications:
        for form in ("du", "Sie"):
            text = help_text(taxonomy, code, lang, form)
            assert len(text) > 40, (code, lang, form)
            assert "{" not in text, (code, lang, form)


def test_german_help_speaks_in_the_tenants_form(taxonomy: Taxonomy) -> None:
    for key, value in help_catalogue("de").items():
        if isinstance(value, Mapping):
            assert not DU_WORDS.search(value["Sie"]), key
        else:
            assert not DU_WORDS.search(value), key
    du = help_text(taxonomy, "fuehrungszeugnis", "de", "du")
    sie = help_text(taxonomy, "fuehrungszeugnis", "de", "Sie")
    assert "gibt dir" in du and "gibt Ihnen" in sie


def test_the_fuehrungszeugnis_help_says_how_to_get_it_free(taxonomy: Taxonomy) -> None:
    de = help_text(taxonomy, "fuehrungszeugnis", "de")
    assert "kostenlos" in de and "Bestätigung" in de and "Bürgeramt" in de and "online" in de
    en = help_text(taxonomy, "fuehrungszeugnis", "en")
    assert "free" in en and "confirmation" in en and "online" in en


def test_a_language_requirement_names_the_language(taxonomy: Taxonomy) -> None:
    assert "Arabisch" in help_text(taxonomy, "sprache:ar", "de")
    assert "Arabic" in help_text(taxonomy, "sprache:ar", "en")
    assert help_text(taxonomy, "sprache:xx", "en")  # a language nobody listed still has help


def test_requirements_keep_the_needs_order_with_labels(taxonomy: Taxonomy) -> None:
    got = requirements(taxonomy, ["fuehrerschein", "erste_hilfe", "fuehrerschein"], "fr", "Sie")
    assert [r.code for r in got] == ["fuehrerschein", "erste_hilfe"]
    assert got[0].label == "Führerschein"  # German when the language has no texts
    assert "Ihr eigenes" in got[0].help
    assert help_text(taxonomy, "zauberei", "de") == ""

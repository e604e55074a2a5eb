"""The words around an offer (data/offer_words.yml) are data: the bot reads
them from the file, so an editor's word counts without code."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from dialogue.flows.offers import is_bare, without_place
from dialogue.offer_words import OfferWords


def test_the_shipped_file_has_its_lists_folded() -> None:
    words = OfferWords.load()
    assert {"anbieten", "angebot", "koennte", "offer"} <= words.bare
    assert {"in", "bei", "near"} <= words.place_lead
    assert words.lends("Wir können unsere Hüpfburg verleihen")
    assert words.lends("We can lend our bouncy castle")
    assert not words.lends("Ich kann samstags Fahrräder reparieren")


@pytest.mark.parametrize(
    ("typed", "bare"),
    [
        ("Ich möchte etwas anbieten", True),
        ("Ich könnte etwas anbieten", True),
        ("I want to offer something", True),
        ("Ich kann samstags Fahrräder reparieren", False),
        ("I can repair bikes", False),
    ],
)
def test_a_wish_to_offer_naming_nothing_is_bare(typed: str, bare: bool) -> None:
    assert is_bare(typed) is bare


def test_the_words_come_from_the_file(tmp_path: Path) -> None:
    own = tmp_path / "offer_words.yml"
    own.write_text(
        "bare:\n  de: [Hüpfburg]\nplace_lead:\n  de: [in]\nlend:\n  de: [vermieten]\n",
        encoding="utf-8",
    )
    words = OfferWords.load(own)
    assert words.bare == frozenset({"huepfburg"})
    assert words.lends("Wir vermieten Zelte") and not words.lends("Wir verleihen Zelte")
    missing = tmp_path / "broken.yml"
    missing.write_text("bare:\n  de: [anbieten]\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        OfferWords.load(missing)


@pytest.mark.parametrize(
    ("title", "place", "left"),
    [
        ("Ich kann samstags Fahrräder reparieren, in Eilendorf", "Eilendorf",
         "Ich kann samstags Fahrräder reparieren"),
        ("Ich kann in Eilendorf samstags Fahrräder reparieren", "Eilendorf",
         "Ich kann samstags Fahrräder reparieren"),
        ("ich kann freitags möbel reparieren, bei mir in brand", "Brand",
         "ich kann freitags möbel reparieren"),
        ("Ich kann Gitarre unterrichten, abends in Burtscheid.", "Burtscheid",
         "Ich kann Gitarre unterrichten, abends."),
        ("I can repair bikes on Saturdays near Eilendorf", "Eilendorf",
         "I can repair bikes on Saturdays"),
        # Not in it, or all of it: the title stays.
        ("Ich kann Fahrräder reparieren", "Haaren", "Ich kann Fahrräder reparieren"),
        ("in Eilendorf", "Eilendorf", "in Eilendorf"),
        # Only the place as a word, not inside another one.
        ("Brandschutzübung helfen, in Brand", "Brand", "Brandschutzübung helfen"),
    ],
)  # fmt: skip
def test_a_changed_place_leaves_the_title_with_its_lead_words(
    title: str, place: str, left: str
) -> None:
    assert without_place(title, place) == left

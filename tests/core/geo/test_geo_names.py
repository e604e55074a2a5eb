"""Spellings people use for one place share one key."""

from __future__ import annotations

import unicodedata

import pytest

from core.geo.names import is_latin, name_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Würselen", "Wuerselen"),
        ("Würselen", "WÜRSELEN"),
        ("Köln", "koeln"),
        ("Kornelimünster", "Kornelimuenster"),
        ("Straße", "Strasse"),
        ("Aachen-Brand", "aachen brand"),
        ("St. Augustin", "Sankt Augustin"),
        ("Halle (Saale)", "Halle Saale"),
        ("Würselen", unicodedata.normalize("NFD", "Würselen")),  # macOS keyboards
    ],
)
def test_spellings_of_one_place_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_different_places_keep_different_keys() -> None:
    assert name_key("Wurselen") != name_key("Würselen")  # a typo is for suggest(), not lookup()
    assert name_key("Essen") != name_key("Esse")


def test_only_latin_names_count_as_latin() -> None:
    assert is_latin("Aix-la-Chapelle")
    assert not is_latin("Аахен")

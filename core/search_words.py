"""Words a person searched by ("Fahrdienst", "Hunde"): where a need holds one.

A word names what a need is about when its title or its organisation's name
holds it ("Fahrdienst zum Arzt", "Aachener Tafel"); less so when only the
description does. ``core.search`` ranks needs in those tiers first
(``core.scoring.WORD_IN_TITLE``, ``WORD_IN_DESCRIPTION``).

Holding a word is decided per written word, not per substring, so "Hunde"
finds "Hund", "Hunden", "Tierheimhunden" and "Hundeschule" but not
"Hunderte": a written word holds the searched one when it is that word in
another grammatical form, ends with it (the head of a compound), or begins
with it and goes on for at least ``COMPOUND_REST`` letters (a compound).
The database narrows the candidates by a substring (``like_fragment``);
``tier`` decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# German endings of a noun's other forms (Hund, Hunde, Hunden, Hundes, ...).
ENDINGS = ("ern", "en", "er", "es", "e", "n", "s")
MIN_STEM = 4  # letters a stem keeps; shorter words are matched as written
COMPOUND_REST = 4  # "Computer|kurs"; "Hunde|rte" is no compound
MIN_HEAD = 5  # "Tierheim|hunden"; "Eur|opa" is no compound of "Opa"
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"\w+")
_FOLDED = re.compile("ae|oe|ue|ss")  # what an umlaut or ß folds to
MIN_FRAGMENT = 3

TITLE = 2  # the title or the organisation's name holds a word
DESCRIPTION = 1  # only the description does
NONE = 0


def fold(text: str) -> str:
    """Case- and umlaut-insensitive form ("Über" = "ueber")."""
    return text.casefold().translate(_FOLD)


def _stem(word: str) -> str:
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


@dataclass(frozen=True, slots=True)
class _Word:
    written: str  # folded
    stem: str
    forms: frozenset[str]

    @classmethod
    def of(cls, word: str) -> _Word:
        written = fold(word)
        stem = _stem(written)
        forms = {written, stem} | {base + e for base in (written, stem) for e in ENDINGS}
        return cls(written, stem, frozenset(forms))

    def held_by(self, token: str) -> bool:
        if token in self.forms:
            return True
        if self._head_of_compound(token):  # Tierheim|hunden
            return True
        return (
            len(self.written) >= MIN_STEM
            and token.startswith(self.written)
            and len(token) - len(self.written) >= COMPOUND_REST
        )

    def _head_of_compound(self, token: str) -> bool:
        # A verb in -ieren ("sortieren", "dokumentieren") ends in letters a
        # noun's form may have ("tieren") but is no compound of it.
        if token.endswith(_VERB_ENDINGS) and not self.written.endswith(_VERB_ENDINGS):
            return False
        return any(token.endswith(f) for f in self.forms if len(f) >= MIN_HEAD)


# German verb endings that a noun's compound never has ("sortieren", "notiert").
_VERB_ENDINGS = ("ieren", "iert", "ierte", "ierten", "iertes", "ierst")


@dataclass(frozen=True, slots=True)
class SearchWords:
    """The words of one search; a phrase ("Gassi gehen") counts as held when
    each of its words is held, in any order."""

    phrases: tuple[tuple[_Word, ...], ...]

    @classmethod
    def of(cls, words: tuple[str, ...]) -> SearchWords:
        phrases = []
        for phrase in words:
            parts = tuple(_Word.of(w) for w in _WORD.findall(phrase))
            if parts:
                phrases.append(parts)
        return cls(tuple(phrases))

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def like_fragments(self) -> tuple[str, ...] | None:
        """One substring per phrase that every text holding it contains, for
        a coarse ``LIKE`` in the database (``tier`` decides): the longest
        piece of a stem between the letters folding may have changed
        ("fuehrer" -> "hrer"); None when a phrase has no such piece of
        ``MIN_FRAGMENT`` letters (then every need is a candidate)."""
        fragments = []
        for parts in self.phrases:
            pieces = [p for w in parts for p in _FOLDED.split(w.stem)]
            longest = max(pieces, key=len)
            if len(longest) < MIN_FRAGMENT:
                return None
            fragments.append(longest)
        return tuple(fragments)

    def tier(self, title: str, description: str, organisation: str = "") -> int:
        """``TITLE``, ``DESCRIPTION`` or ``NONE``: where the need holds a word."""
        if self._holds(title) or self._holds(organisation):
            return TITLE
        if self._holds(description):
            return DESCRIPTION
        return NONE

    def _holds(self, text: str) -> bool:
        if not text:
            return False
        tokens = _WORD.findall(fold(text))
        return any(
            all(any(word.held_by(t) for t in tokens) for word in parts) for parts in self.phrases
        )


__all__ = ["DESCRIPTION", "NONE", "TITLE", "SearchWords", "fold"]

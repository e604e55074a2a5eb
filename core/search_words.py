"""Words a person searched by ("Fahrdienst", "Hunde"): where a need holds one.

A word names what a need is about when its title or its organisation's name
holds it ("Fahrdienst zum Arzt", "Aachener Tafel"); less so when only the
description does. ``core.search`` ranks needs in those tiers first
(``core.scoring.WORD_IN_TITLE``, ``WORD_IN_DESCRIPTION``).

Holding a word is decided per written word, not per substring, so "Hund"
finds "Hunde", "Hunden", "Tierheimhunden" and "Hundeschule" but not
"Hunderte", and "Lesen" finds "Lesepatin" and "Vorlesestunde". A written
word holds the searched one when it is

* that word in another grammatical form ("Hunden");
* a compound ending with it ("Tierheim|hunden", ``MIN_HEAD`` letters);
* a compound beginning with its stem, or holding it between a modifier and a
  head ("Tier|heim", "Vor|lese|stunde"): what follows the stem, less a
  linking element ("Hund|e|schule", "Kind|er|garten"), is ``COMPOUND_REST``
  letters or more and begins as a German word may ("sch", "g"), so
  "Hund|erte" (a linking "er" and then "te") is no compound.

An English word ("dogs", "food bank") stands for its German words too
(``data/search_words.yml``, ``translations``). The database narrows the
candidates by a substring (``like_fragment``); ``tier`` decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

# German endings of a noun's other forms (Hund, Hunde, Hunden, Hundes, ...).
ENDINGS = ("ern", "en", "er", "es", "e", "n", "s")
MIN_STEM = 4  # letters a stem keeps; shorter words are matched as written
COMPOUND_REST = 4  # "Tier|heim"; "Hund|er|te" is no compound
MIN_HEAD = 5  # "Tierheim|hunden"; "Eur|opa" is no compound of "Opa"
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"\w+")
# What an umlaut or ß folds to, and letters beyond ASCII (the database's
# LIKE may not ignore their case): no piece for the database holds them.
_FOLDED = re.compile("ae|oe|ue|ss|[^\x00-\x7f]")
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
        return self._part_of_compound(token)  # Tier|heim, Vor|lese|stunde

    def _head_of_compound(self, token: str) -> bool:
        # A verb in -ieren ("sortieren", "dokumentieren") ends in letters a
        # noun's form may have ("Tieren") but is no compound of it.
        if token.endswith(_VERB_ENDINGS) and not _is_verb(self.written):
            return False
        return any(token.endswith(f) for f in self.forms if len(f) >= MIN_HEAD)

    def _part_of_compound(self, token: str) -> bool:
        stem = self.stem
        if len(stem) < MIN_STEM:
            return False
        at = token.find(stem)
        while at != -1:
            if (at == 0 or at >= MIN_MODIFIER) and _compound_rest(token[at + len(stem) :]):
                return True
            at = token.find(stem, at + 1)
        return False


# German verb endings that a noun's compound never has ("sortieren", "notiert").
_VERB_ENDINGS = ("ieren", "iert", "ierte", "ierten", "iertes", "ierst")
MIN_MODIFIER = 3  # "Vor|lese|stunde"; "Sc|hund" is no compound of "Hund"
# Linking elements between the parts of a compound, longest first
# ("Hund|e|schule", "Kind|er|garten", "Lebens|mittel").
LINKS = ("ens", "es", "en", "er", "e", "s", "n")
_VOWELS = frozenset("aeiouy")
# How a German word may begin when not with a vowel ("Sch|ule", "Gr|uppe").
ONSETS = frozenset(
    "b c d f g h j k l m n p q r s t v w x z bl br ch chr cl cr dr fl fr gl gn gr kl kn kr "
    "pf pfl pfr ph pl pr sch schl schm schn schr schw sh sk sl sm sn sp spl spr st str "
    "th tr ts tsch wr zw".split()
)


def _is_verb(word: str) -> bool:
    """ "sortieren" (not "Tieren": one letter before the ending)."""
    return any(word.endswith(e) and len(word) - len(e) >= 3 for e in _VERB_ENDINGS)


def _compound_rest(rest: str) -> bool:
    """Whether what follows a stem in a written word is the rest of a
    compound: less a linking element, ``COMPOUND_REST`` letters beginning
    as a word may ("erte" of "Hunderte": "er" and "te", no compound)."""
    link = next((x for x in LINKS if rest.startswith(x)), "")
    part = rest[len(link) :]
    if len(part) < COMPOUND_REST:
        return False
    if part[0] in _VOWELS:
        return True
    onset = part[: next((i for i, c in enumerate(part) if c in _VOWELS), len(part))]
    return onset in ONSETS


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
        tokens = _tokens(text)
        return any(
            all(any(_held(word, t) for t in tokens) for word in parts) for parts in self.phrases
        )


# Texts and words repeat across needs and searches ("Tafel", "mit"): each
# is split and each pair decided once (the search bench's p50 went down by half).
@lru_cache(maxsize=16_384)
def _tokens(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(fold(text)))


@lru_cache(maxsize=65_536)
def _held(word: _Word, token: str) -> bool:
    return word.held_by(token)


TRANSLATIONS_PATH = Path(__file__).resolve().parents[1] / "data" / "search_words.yml"
MAX_TEXT_WORDS = 8  # of a typed search; the rest is not looked for
# Umlauts and the vowels a plural's umlaut stands for ("Gärten" -> "Garten").
_UMLAUT_VOWELS = {"ä": "a", "ö": "o", "ü": "u"}


@cache
def _data() -> dict[str, Any]:
    return yaml.safe_load(TRANSLATIONS_PATH.read_text(encoding="utf-8")) or {}


@cache
def translations() -> dict[str, tuple[str, ...]]:
    """English word or phrase (folded) -> the German words it stands for."""
    return {
        fold(str(key)): tuple(str(w) for w in words)
        for key, words in (_data().get("en") or {}).items()
    }


@cache
def stop_words() -> frozenset[str]:
    """Words of a typed search that name nothing a need is about ("was mit
    Tieren", "something with dogs"), folded: every language's."""
    lists = (_data().get("stop_words") or {}).values()
    return frozenset(fold(str(w)) for words in lists for w in words or ())


@dataclass(frozen=True, slots=True)
class _Forms:
    feminine_endings: tuple[str, ...]
    umlaut_kept: tuple[str, ...]


@cache
def _forms() -> _Forms:
    forms = _data().get("forms") or {}
    return _Forms(
        tuple(str(e).casefold() for e in forms.get("feminine_endings") or ()),
        tuple(str(w).casefold() for w in forms.get("umlaut_kept") or ()),
    )


def base_forms(word: str) -> tuple[str, ...]:
    """The other words a German word is looked for as (not folded): the
    word before a feminine ending ("Seniorinnen" -> "senior") and the word
    with the vowel of its last umlaut ("Gärten" -> "garten", "Ärztin" ->
    "arzt"), per ``forms`` of ``data/search_words.yml``."""
    forms = _forms()
    written = word.casefold()
    found = [written]
    for ending in forms.feminine_endings:
        if written.endswith(ending) and len(written) - len(ending) >= MIN_STEM:
            found.append(written[: -len(ending)])
            break
    base = found[-1]  # the umlaut of "Ärztin" is that of "Ärzt": "Arzt"
    at = max(base.rfind(u) for u in _UMLAUT_VOWELS)
    if at >= 0 and not base.endswith(forms.umlaut_kept):
        found.append(base[:at] + _UMLAUT_VOWELS[base[at]] + base[at + 1 :])
    return tuple(dict.fromkeys(found[1:]))


def with_base_forms(words: tuple[str, ...]) -> tuple[str, ...]:
    """Words as written ("Seniorinnen", "Gassi gehen") and the base forms of
    each single word among them (``base_forms``: "senior")."""
    found = list(words)
    for word in words:
        if _WORD.fullmatch(word.strip()):
            found += base_forms(word.strip())
    return tuple(dict.fromkeys(found))


def _singulars(word: str) -> tuple[str, ...]:
    """An English word and its singular guesses ("dogs" -> "dog", "puppies" -> "puppy")."""
    found = [word]
    if word.endswith("ies") and len(word) > 4:
        found.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        found.append(word[:-2])
    if word.endswith("s") and len(word) > 3:
        found.append(word[:-1])
    return tuple(found)


def words_of_text(text: str) -> tuple[str, ...]:
    """The words a typed search looks for ("was mit Tieren" -> "tieren";
    "something with dogs" -> "dogs", "Hund", "Gassi"): its words less
    ``stop_words()``, and the German words its English words and phrases
    stand for (``translations``), and the German words' base forms
    (``base_forms``: "Seniorinnen" -> "senior"). All of its words when
    every one is a stop word."""
    written = _WORD.findall(text.casefold())[: MAX_TEXT_WORDS * 2]
    tokens = [fold(w) for w in written]
    stop = stop_words()
    table = translations()
    found: list[str] = []
    in_phrase: set[int] = set()  # "food bank" is the Tafel, not food and a bench
    for size in (3, 2):  # phrases ("food bank", "first aid"), last word maybe plural
        for i in range(len(tokens) - size + 1):
            head = " ".join(tokens[i : i + size - 1])
            for last in _singulars(tokens[i + size - 1]):
                german = table.get(f"{head} {last}", ())
                if german and not in_phrase & set(range(i, i + size)):
                    found += german
                    in_phrase.update(range(i, i + size))
    content = [t for t in tokens if t not in stop] or tokens
    content_at = [i for i, t in enumerate(tokens) if i not in in_phrase and t in content]
    for i in content_at[:MAX_TEXT_WORDS]:
        token = tokens[i]
        found.append(token)
        found += (fold(w) for w in base_forms(written[i]))  # "Seniorinnen": "senior"
        for singular in _singulars(token):
            found += table.get(singular, ())
    return tuple(dict.fromkeys(found))


__all__ = [
    "DESCRIPTION",
    "NONE",
    "TITLE",
    "SearchWords",
    "base_forms",
    "fold",
    "stop_words",
    "translations",
    "with_base_forms",
    "words_of_text",
]

"""Categories, qualifications and languages by their names as people write them.

Three passes, strictest first, so a typo never outvotes an exact word:
exact phrases (longest first), word forms and compounds of a known synonym
("Kindern", "Jugendzentrum"), and finally fuzzy matching with rapidfuzz for
typos ("umwellt", "Senjoren"). The fuzzy pass only looks at words the
training data does not know as ordinary words, that are at least five
letters long and share the first letter: people rarely mistype the first
letter, and without these guards "und" would be a "Hund".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from core.taxonomy import LANGUAGE_PREFIX, Taxonomy
from dialogue.nlu.result import Entity
from dialogue.nlu.text import Token, fold, split_hyphens, tokenize

_MAX_PHRASE = 5
_INFLECTIONS = ("n", "en", "e", "s", "es", "er", "ern", "nen", "in", "innen")
_MIN_COMPOUND_HEAD = 6
_FUZZY_MIN_LEN = 5
_FUZZY_CUTOFF = 86.0
# Verbs and phrases that say "I speak ..." (a skill) rather than "talk to me in ...".
_SPEAK = re.compile(
    r"\b(sprech\w*|sprich\w*|spreche|kann|können|beherrsch\w*|muttersprache|"
    r"sprachkenntniss\w*|dolmetsch\w*|übersetz\w*|speak\w*|fluent|native|interpret\w*|"
    r"translat\w*|mit\s+\w*kenntnissen)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Term:
    entity: str  # "category" | "qualification" | "language"
    value: str
    compoundable: bool


_FUZZY_SEEN_MAX = 20_000


class VocabularyMatcher:
    def __init__(self, phrases: dict[tuple[str, ...], Term], ordinary_words: set[str]) -> None:
        self._phrases = phrases
        self._ordinary = ordinary_words
        self._singles = {p[0]: t for p, t in phrases.items() if len(p) == 1}
        self._heads = sorted(
            (
                w
                for w, t in self._singles.items()
                if t.compoundable and len(w) >= _MIN_COMPOUND_HEAD
            ),
            key=len,
            reverse=True,
        )
        # The first head (longest first) a word starts with: at most one head
        # of each length can be its prefix, so a set lookup per length finds it.
        self._head_set = frozenset(self._heads)
        self._head_lengths = sorted({len(h) for h in self._heads}, reverse=True)
        self._fuzzy_choices = [w for w in self._singles if len(w) >= _FUZZY_MIN_LEN]
        # A fuzzy look-up compares a word with every known one (tens of
        # microseconds); people use the same few hundred words, so the answer
        # per word is kept (bounded: cleared when full).
        self._fuzzy_seen: dict[str, Term | None] = {}

    @classmethod
    def build(
        cls,
        taxonomy: Taxonomy,
        lang: str,
        extra_synonyms: Mapping[str, str] = {},
        ordinary_words: Iterable[str] = (),
    ) -> VocabularyMatcher:
        phrases: dict[tuple[str, ...], Term] = {}

        def add(written: str, term: Term) -> None:
            key = tuple(t.norm for t in split_hyphens(tokenize(written)))
            if key and key not in phrases:
                phrases[key] = term
            joined = tuple(t.norm for t in tokenize(written))
            if joined and joined not in phrases:
                phrases[joined] = term

        # Categories first: where a word is both ("Handwerk"), the interest wins.
        for code, cat in taxonomy.categories.items():
            term = Term("category", code, True)
            for word in (*cat.synonyms.get(lang, ()), cat.labels.get(lang, "")):
                add(word, term)
        for code, qual in taxonomy.qualifications.items():
            if code.startswith(LANGUAGE_PREFIX):
                continue
            for word in (*qual.synonyms.get(lang, ()), qual.labels.get(lang, "")):
                add(word, Term("qualification", code, False))
        for iso, language in taxonomy.languages.items():
            for words in language.synonyms.values():
                for word in words:
                    add(word, Term("language", iso, False))
            for label in language.labels.values():
                add(label, Term("language", iso, False))
        for written, value in extra_synonyms.items():
            if taxonomy.is_category(value):
                add(written, Term("category", value, True))
            elif taxonomy.is_qualification(value):
                add(written, Term("qualification", value, False))
        known = {p[0] for p in phrases if len(p) == 1}
        ordinary = {fold(w) for w in ordinary_words} - known
        return cls(phrases, ordinary)

    def extract(self, text: str) -> list[Entity]:
        tokens = split_hyphens(tokenize(text))
        found: list[tuple[Token, Token, Term]] = []
        i = 0
        while i < len(tokens):
            match = self._match_at(tokens, i)
            if match is None:
                i += 1
                continue
            length, term = match
            found.append((tokens[i], tokens[i + length - 1], term))
            i += length
        return [self._entity(text, first, last, term) for first, last, term in found]

    def _match_at(self, tokens: list[Token], i: int) -> tuple[int, Term] | None:
        for n in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            term = self._phrases.get(tuple(t.norm for t in tokens[i : i + n]))
            if term:
                return n, term
        word = tokens[i].norm
        term = self._word_form(word)
        if term is None and word not in self._ordinary:
            term = self._fuzzy(word)
        return (1, term) if term else None

    def knows(self, written: str) -> bool:
        """Whether ``written`` is a known word or phrase, or a form or
        compound of one: found without guessing a typo."""
        key = tuple(t.norm for t in split_hyphens(tokenize(written)))
        if key in self._phrases:
            return True
        return len(key) == 1 and self._word_form(key[0]) is not None

    def _word_form(self, word: str) -> Term | None:
        for suffix in _INFLECTIONS:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                term = self._singles.get(word[: -len(suffix)])
                if term:
                    return term
        for length in self._head_lengths:
            if len(word) >= length + 3 and word[:length] in self._head_set:
                return self._singles[word[:length]]
        return None

    def _fuzzy(self, word: str) -> Term | None:
        if len(word) < _FUZZY_MIN_LEN or not word.isalpha():
            return None
        seen = self._fuzzy_seen
        if word in seen:
            return seen[word]
        if len(seen) >= _FUZZY_SEEN_MAX:
            seen.clear()
        term = seen[word] = self._fuzzy_match(word)
        return term

    def _fuzzy_match(self, word: str) -> Term | None:
        best = process.extractOne(
            word,
            self._fuzzy_choices,
            scorer=fuzz.ratio,
            score_cutoff=_FUZZY_CUTOFF,
            processor=None,
        )
        if best is None:
            return None
        candidate = best[0]
        if candidate[0] != word[0] or abs(len(candidate) - len(word)) > 1:
            return None
        term = self._singles[candidate]
        # Language names are short and close to ordinary words; exact only.
        return None if term.entity == "language" else term

    @staticmethod
    def _entity(text: str, first: Token, last: Token, term: Term) -> Entity:
        if term.entity != "language":
            return Entity(term.entity, term.value, first.start, last.end)
        # "Ich spreche Arabisch" is a skill; "auf Englisch bitte" is the chat language.
        before = text[max(0, first.start - 40) : first.start]
        if _SPEAK.search(before) and not re.search(r"\b(mit mir|with me)\b", before, re.I):
            return Entity("qualification", LANGUAGE_PREFIX + term.value, first.start, last.end)
        return Entity("language", term.value, first.start, last.end)

    def language_entities_as_skills(self, entities: list[Entity]) -> list[Entity]:
        """For texts about oneself: every named language is a spoken one."""
        return [
            Entity("qualification", LANGUAGE_PREFIX + e.value, e.start, e.end)
            if e.entity == "language"
            else e
            for e in entities
        ]


__all__ = ["Term", "VocabularyMatcher"]

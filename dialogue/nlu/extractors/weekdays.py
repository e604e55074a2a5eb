"""Day names and parts of the day: the ``weekday`` and ``daypart`` entities.

German two-letter abbreviations count only next to a separator, a digit, a
time word, a day part or another abbreviation ("Di+Do", "Mo-Fr", "Sa 10
Uhr", "Fr ab 14 Uhr", "Mi abends", "Sa."); "So" and "Do" are also ordinary
words, so those two count only when written capitalised. A compound
("Mittwochabend") is both a weekday and a daypart, each over the whole word.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dialogue.nlu.extractors.calendar_words import (
    COMPOUND_RE,
    COMPOUND_TAILS,
    WEEKDAY_ABBREVIATIONS,
    WEEKDAY_WORDS,
    alternation,
)
from dialogue.nlu.result import Entity

_FULL = re.compile(rf"\b(?P<w>{alternation(WEEKDAY_WORDS)})(?:e?s)?\b\.?", re.IGNORECASE)
_COMPOUND = re.compile(COMPOUND_RE, re.IGNORECASE)
_ABBR = re.compile(r"\b(?P<w>Mo|Di|Mi|Do|Fr|Sa|So|mo|di|mi|fr|sa)\b")
_ABBR_CONTEXT_AFTER = re.compile(
    r"(\.|\s*[-–+/,&]|\s+(und|bis|oder)\s+[A-Z][a-z]\b|\s*\d|\s+(?i:ab|von|um|nach|zwischen)\s+\d|"
    r"\s+(?i:vormittags?|nachmittags?|abends?|morgens|mittags)\b)"
)
_ABBR_CONTEXT_BEFORE = re.compile(r"([-–+/,&]\s*|\b(und|bis|oder)\s+)$")
_ENGLISH_SHORT = {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}

DAYPART_WORDS: dict[str, str] = {
    "vormittags": "vormittag", "vormittag": "vormittag", "morgens": "vormittag",
    "am morgen": "vormittag", "früh morgens": "vormittag", "nachmittags": "nachmittag",
    "nachmittag": "nachmittag", "mittags": "nachmittag", "abends": "abend", "abend": "abend",
    "nach feierabend": "abend", "nach der arbeit": "abend",
    "mornings": "vormittag", "morning": "vormittag", "afternoons": "nachmittag",
    "afternoon": "nachmittag", "evenings": "abend", "evening": "abend", "after work": "abend",
    "at night": "abend", "nights": "abend", "tonight": "abend",
}  # fmt: skip
_DAYPART = re.compile(rf"\b(?P<w>{alternation(DAYPART_WORDS)})\b", re.IGNORECASE)
# Greetings and wishes are not availability: "Guten Abend", "Good morning".
_GREETING_BEFORE = re.compile(r"\b(guten|gute|schönen|schöner|einen|good|nice|lovely)\s+$", re.I)
# A wish names a day without offering it: "Schönen Sonntag noch", "have a nice Sunday".
_WISH_BEFORE = re.compile(r"\b(schönen|schöner|schönes|guten|good|nice|lovely|happy)\s+$", re.I)


def is_wish(text: str, start: int) -> bool:
    """Whether the day at ``start`` is wished rather than offered."""
    return bool(_WISH_BEFORE.search(text, max(0, start - 12), start))


def _compounds(text: str) -> list[tuple[int, int, str, str]]:
    return [
        (m.start(), m.end(), WEEKDAY_WORDS[m.group("cday").lower()],
         COMPOUND_TAILS[m.group("ctail").lower()])
        for m in _COMPOUND.finditer(text)
        if not is_wish(text, m.start())
    ]  # fmt: skip


@lru_cache(maxsize=16)  # read by the entity and the availability pass alike
def extract_weekdays(text: str) -> tuple[Entity, ...]:
    out = [Entity("weekday", day, start, end) for start, end, day, _ in _compounds(text)]
    for m in _FULL.finditer(text):
        word = m.group("w").lower()
        if word in _ENGLISH_SHORT and not m.group("w")[0].isupper():
            continue  # "sat", "sun", "wed" as ordinary English words
        if is_wish(text, m.start()):
            continue
        end = m.end() - (1 if m.group().endswith(".") else 0)
        out.append(Entity("weekday", WEEKDAY_WORDS[word], m.start(), end))
    for m in _ABBR.finditer(text):
        if any(e.start <= m.start() < e.end for e in out):
            continue
        if _ABBR_CONTEXT_AFTER.match(text, m.end()) or _ABBR_CONTEXT_BEFORE.search(
            text[: m.start()]
        ):
            out.append(
                Entity("weekday", WEEKDAY_ABBREVIATIONS[m.group("w").lower()], m.start(), m.end())
            )
    return tuple(sorted(out, key=lambda e: e.start))


@lru_cache(maxsize=16)
def extract_dayparts(text: str) -> tuple[Entity, ...]:
    out = [Entity("daypart", part, start, end) for start, end, _, part in _compounds(text)]
    for m in _DAYPART.finditer(text):
        if _GREETING_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            continue
        word = m.group("w").lower()
        out.append(Entity("daypart", DAYPART_WORDS[word], m.start(), m.end()))
    return tuple(out)

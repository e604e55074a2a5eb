"""A short title for a need posted in one sentence.

"Wir suchen 2 Fahrer für die Tafel am Samstag" is no title; "Fahrer für die
Tafel" is. A sentence names at most two things a title needs: who is wanted
(the role: "2 Fahrer", "eine Übungsleiterin", "drivers") and what for (the
purpose: "für die Tafel", "for the food bank"). Generic words for people
("3 Leute", "Helfer", "volunteers") are no role; days and times ("für
Samstag", "2 Stunden") are neither. The flow turns the parts into its
language's words (``post.title_role_for`` "{role} für {what}",
``post.title_for`` "Unterstützung für {what}", ``post.title_role`` "{role}
gesucht"); with neither part there is no title to propose.

Pure functions over the text, linear regexes (no backtracking on what
people type), German and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TitleParts", "title_parts"]

# Words for "some people": a need for them is "Unterstützung", not a role.
GENERIC = frozenset(
    {
        "leute",
        "leuten",
        "helfer",
        "helferin",
        "helferinnen",
        "helfende",
        "helfenden",
        "ehrenamtliche",
        "ehrenamtlichen",
        "freiwillige",
        "freiwilligen",
        "personen",
        "person",
        "menschen",
        "unterstützer",
        "unterstützerinnen",
        "unterstützung",
        "hände",
        "mitstreiter",
        "mitstreiterinnen",
        "mithelfende",
        "people",
        "persons",
        "helpers",
        "helper",
        "volunteers",
        "volunteer",
        "hands",
        "folks",
        "support",
        "help",
    }
)
# Days, day parts and spans: when, never who or what for.
TIME_WORDS = frozenset(
    {
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonnabend",
        "sonntag",
        "wochenende",
        "morgen",
        "vormittag",
        "nachmittag",
        "abend",
        "mittag",
        "uhr",
        "stunde",
        "stunden",
        "tag",
        "tage",
        "tagen",
        "woche",
        "wochen",
        "monat",
        "monate",
        "monaten",
        "jahr",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "weekend",
        "morning",
        "afternoon",
        "evening",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "tomorrow",
        "today",
    }
)
# Between a count and its noun only adjectives ("2 kräftige Helfer"), never these.
_STOP = frozenset(
    {
        "die",
        "der",
        "das",
        "den",
        "dem",
        "des",
        "am",
        "um",
        "im",
        "in",
        "an",
        "auf",
        "für",
        "fuer",
        "bei",
        "beim",
        "zum",
        "zur",
        "mit",
        "von",
        "vom",
        "und",
        "oder",
        "ab",
        "bis",
        "je",
        "pro",
        "uhr",
        "the",
        "for",
        "at",
        "on",
        "to",
        "and",
        "or",
        "from",
        "until",
        "per",
        "a",
    }
)
_COUNT_WORDS = (
    r"\d{1,3}|ein|eine|einen|zwei|drei|vier|fünf|fuenf|sechs|sieben|acht|neun|zehn|zwölf"
    r"|paar|einige|mehrere|weitere|two|three|four|five|six|seven|eight|nine|ten|some|several"
)
_WORD = r"[A-Za-zÄÖÜäöüß][\wäöüß\-]*"
# "2 Fahrer", "zwei kräftige Helfer:innen", "einen Fahrer", "3 drivers"
_COUNTED = re.compile(
    rf"(?<![\w-])(?:{_COUNT_WORDS})\s+((?:{_WORD}\s+){{0,2}}?)({_WORD}(?:[:*/]innen)?)",
    re.I,
)
# "Wir suchen Fahrer", "we need drivers": the noun after the verb
_WANTED = re.compile(
    rf"\b(?:suchen|brauchen|benötigen|suche|brauche|benötige|sucht|braucht|need|needs|seek)"
    rf"\s+((?:{_WORD}\s+){{0,3}}?)({_WORD}(?:[:*/]innen)?)",
    re.I,
)
# "für die Tafel", "für unser Sommerfest", "für Kinder"; "for the food bank"
_FOR_DE = re.compile(
    r"\b(?:für|fuer)\s+((?:(?:die|den|das|dem|der|unser(?:e[nmrs]?)?|eure[nmrs]?)\s+)?)"
    r"([A-ZÄÖÜ][\wäöüß\-]*(?:\s+[A-ZÄÖÜ][\wäöüß\-]*)?)"
)
_FOR_EN = re.compile(
    r"\bfor\s+((?:the|our|a|an)\s+)([a-z][\w\-]*"
    r"(?:\s+(?!at\b|on\b|in\b|with\b|from\b|and\b|to\b|this\b|next\b|every\b|until\b)"
    r"[a-z][\w\-]*)?)"
)


@dataclass(frozen=True, slots=True)
class TitleParts:
    role: str | None  # "Fahrer", "Drivers": who is wanted (capitalised)
    purpose: str | None  # "die Tafel", "the food bank": what for, with its article
    # How many of the role: "2 Fahrer", "zwei Köche", "einen Fahrer" (the
    # NLU's count entity knows only generic people: "3 Leute").
    count: int | None = None


def title_parts(text: str) -> TitleParts:
    """The role and the purpose a sentence names (either may be missing)."""
    role, count = _role(text)
    return TitleParts(role, _purpose(text), count)


def _noun(words: str, noun: str, german: bool) -> str | None:
    between = words.split()
    if any(w.casefold() in _STOP for w in between):
        return None
    if german and not noun[0].isupper():
        return None  # "2 kommen", "zwei am": not a noun
    if german and any(w[0].isupper() for w in between):
        return None  # "3 Leute Montag": the noun is the first capitalised word
    key = noun.casefold()
    base = re.sub(r"[:*/]innen$", "", key)
    if base in GENERIC or key in GENERIC or base in TIME_WORDS or base in _STOP:
        return None
    return noun[0].upper() + noun[1:]


_NUMBERS = {
    **dict.fromkeys(("ein", "eine", "einen"), 1),
    **dict.fromkeys(("zwei", "two"), 2),
    **dict.fromkeys(("drei", "three"), 3),
    **dict.fromkeys(("vier", "four"), 4),
    **dict.fromkeys(("fünf", "fuenf", "five"), 5),
    **dict.fromkeys(("sechs", "six"), 6),
    **dict.fromkeys(("sieben", "seven"), 7),
    **dict.fromkeys(("acht", "eight"), 8),
    **dict.fromkeys(("neun", "nine"), 9),
    **dict.fromkeys(("zehn", "ten"), 10),
    "zwölf": 12,
}


def _role(text: str) -> tuple[str | None, int | None]:
    german = _is_german(text)
    for pattern in (_COUNTED, _WANTED):
        for match in pattern.finditer(text):
            role = _noun(match.group(1), match.group(2), german)
            if role is not None:
                return role, _number(match.group(0)) if pattern is _COUNTED else None
            if match.group(2).casefold() in GENERIC:
                return None, None  # "3 Leute für …": generic people, said first
    return None, None


def _number(counted: str) -> int | None:
    """The count that leads ``counted`` ("2 Fahrer", "zwei Köche"); None for
    "ein paar", "einige"."""
    word = counted.split(None, 1)[0].casefold()
    if word.isdecimal():
        return int(word)
    return _NUMBERS.get(word)


def _purpose(text: str) -> str | None:
    found = [
        (m.group(1) + m.group(2)).strip()
        for m in (*_FOR_DE.finditer(text), *_FOR_EN.finditer(text))
        if m.group(2).split()[0].casefold() not in TIME_WORDS
    ]
    return found[-1] if found else None  # the last: "für unser Fest … für den Stand"


_GERMAN_HINTS = re.compile(
    r"\b(?:wir|ich|für|fuer|suchen|brauchen|benötigen|und|der|die|das|am|um)\b", re.I
)


def _is_german(text: str) -> bool:
    return bool(_GERMAN_HINTS.search(text))

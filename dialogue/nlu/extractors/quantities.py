"""Numbers with a meaning: helpers wanted (count), search radius, durations,
postcodes and urgency."""

from __future__ import annotations

import re

from core.durations import find_durations
from dialogue.nlu.extractors.calendar_words import NUMBER_RE, number_value
from dialogue.nlu.result import Entity

_COUNT_NOUNS = (
    r"leute|personen|person|helfer(?:innen)?|helfende|freiwillige[n]?|ehrenamtliche[n]?|"
    r"menschen|unterstützer(?:innen)?|mann|people|persons|person|helpers?|volunteers?|hands"
)
_COUNT = re.compile(
    rf"\b(?P<n>{NUMBER_RE})\s+(?:(?:weitere|zusätzliche|more|extra|kräftige|nette)\s+)?"
    rf"(?:{_COUNT_NOUNS})\b",
    re.IGNORECASE,
)
_RADIUS = re.compile(
    r"(?<![\d.,])(?P<n>\d+(?:[.,]\d+)?)\s*(?:km|kilomet(?:er|ern|ers|res?))\b", re.I
)
# "10 h" is a clock time here (the time extractor reads it), not ten hours.
_CLOCK_LIKE = re.compile(r"\d{1,2}\s*h\.?", re.IGNORECASE)
_POSTCODE_DEFAULT = r"\b(?:0[1-9]|[1-9]\d)\d{3}\b"
_URGENT = re.compile(
    r"\b(dringend\w*|eilig\w*|sofort|ab sofort|schnellstmöglich|so schnell wie möglich|asap|"
    r"urgent\w*|immediately|right away|as soon as possible)\b",
    re.IGNORECASE,
)


def extract_counts(text: str) -> list[Entity]:
    out = []
    for m in _COUNT.finditer(text):
        n = number_value(m.group("n"))
        if n is not None and 0 < n < 1000:
            out.append(Entity("count", str(n), m.start(), m.end()))
    return out


def extract_radius(text: str) -> list[Entity]:
    out = []
    for m in _RADIUS.finditer(text):
        value = float(m.group("n").replace(",", "."))
        if 0 < value <= 500:
            shown = str(int(value)) if value.is_integer() else str(value)
            out.append(Entity("radius_km", shown, m.start(), m.end()))
    return out


def extract_durations(text: str) -> list[Entity]:
    """ISO 8601 durations: "2 Stunden" -> PT2H, "1,5 Stunden" -> PT1H30M,
    "zwei Wochen" -> P2W (``core.durations``; clock ranges are times here)."""
    return [
        Entity("duration", d.iso, d.start, d.end)
        for d in find_durations(text, ranges=False)
        if not _CLOCK_LIKE.fullmatch(text[d.start : d.end])
    ]


def extract_postcodes(text: str, patterns: list[str] | None = None) -> list[Entity]:
    out: list[Entity] = []
    for pattern in patterns or [_POSTCODE_DEFAULT]:
        for m in re.finditer(pattern, text):
            if not any(e.start == m.start() for e in out):
                out.append(Entity("postcode", m.group(), m.start(), m.end()))
    return out


def extract_urgency(text: str) -> list[Entity]:
    return [Entity("urgency", "urgent", m.start(), m.end()) for m in _URGENT.finditer(text)]

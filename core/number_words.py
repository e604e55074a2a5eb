"""Clock times as people say them: "halb 10" (09:30), "viertel nach 3",
"viertel vor 8", "dreiviertel 8" (07:45), and hours as words ("zehn Uhr",
"von neun bis zwölf").

``spoken_times`` finds them; ``with_spoken_times`` writes each as digits in
the same number of characters ("halb 10" -> "  09:30"), so the readers of
clock times (the NLU's times and availability, typed hours) read them as
they read "09:30", and every offset in the text stays where it was.

A spoken hour up to ``LAST_SMALL_HOUR`` is an afternoon hour when
``afternoon`` (nobody offers "viertel nach 3" at night: 15:15), as the NLU
reads a bare "ab 5"; the hour named decides ("halb 8" is 07:30, "halb 7"
18:30). Hours written as words before "Uhr" or in "von … bis …" become
digits as written ("zehn Uhr" -> "  10 Uhr"): their readers decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "LAST_SMALL_HOUR",
    "SpokenTime",
    "hour_of_word",
    "rewritten",
    "spoken_times",
    "widened",
    "with_spoken_times",
]

LAST_SMALL_HOUR = 7  # as dialogue.nlu.extractors.times reads bare hours

_HOUR_WORDS: dict[str, int] = {
    "ein": 1, "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5,
    "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11,
    "zwölf": 12, "zwoelf": 12, "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15,
    "fuenfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19,
    "zwanzig": 20, "einundzwanzig": 21, "zweiundzwanzig": 22, "dreiundzwanzig": 23,
}  # fmt: skip
_WORD_ALTERNATION = "|".join(sorted(_HOUR_WORDS, key=len, reverse=True))
_HOUR = rf"(?:2[0-3]|1\d|0?[1-9]|{_WORD_ALTERNATION})"
# What follows a spoken hour: not a digit, a decimal or a clock's minutes
# ("halb 10:30" is no spoken time), nor a unit of amounts ("halb 2 Stunden").
_END = r"(?![\w:.,]\d|\w)(?!\s*(?:stunden?|std\b|minuten|min\b|km\b|leute|personen))"
_SPOKEN = re.compile(
    rf"\b(?:(?P<half>halb)|(?P<past>viertel\s+nach)|(?P<to>viertel\s+vor)"
    rf"|(?P<three>drei\s*viertel))\s+(?P<h>{_HOUR}){_END}",
    re.IGNORECASE,
)
# "zehn Uhr", "von neun bis zwölf": hours as words where they can only be hours.
_WORD_HOUR = re.compile(rf"\b(?P<h>{_WORD_ALTERNATION})(?=\s+uhr\b)", re.IGNORECASE)
_WORD_RANGE = re.compile(
    rf"\b(?:von|zwischen)\s+(?P<a>{_HOUR})\s+(?:bis|und)\s+(?P<b>{_HOUR})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SpokenTime:
    """A spoken clock time at ``start:end``: ``minutes`` after midnight."""

    start: int
    end: int
    minutes: int

    @property
    def hhmm(self) -> str:
        return f"{self.minutes // 60:02d}:{self.minutes % 60:02d}"


def hour_of_word(word: str) -> int | None:
    """ "zehn" -> 10, "10" -> 10; None for anything else."""
    key = word.strip().casefold()
    if key.isdigit():
        return int(key)
    return _HOUR_WORDS.get(key)


def spoken_times(text: str, *, afternoon: bool = True) -> list[SpokenTime]:
    """Every spoken clock time of ``text`` ("halb 10", "viertel nach drei")."""
    found = []
    for m in _SPOKEN.finditer(text):
        hour = hour_of_word(m.group("h"))
        if hour is None or not 1 <= hour <= 24:
            continue
        if afternoon and hour <= LAST_SMALL_HOUR:
            hour += 12
        if m.group("past"):
            minutes = hour * 60 + 15
        elif m.group("half"):
            minutes = hour * 60 - 30
        else:  # viertel vor, dreiviertel
            minutes = hour * 60 - 15
        found.append(SpokenTime(m.start(), m.end(), minutes % (24 * 60)))
    return found


def rewritten(text: str, *, afternoon: bool = True) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``text`` with its spoken clock times as "HH:MM" and its hours written
    as words as digits, each right-aligned in the length it had ("halb 10"
    -> "  09:30"), and the spans rewritten."""
    chars = list(text)
    spans: list[tuple[int, int]] = []

    def put(start: int, end: int, written: str) -> None:
        chars[start:end] = list(written.rjust(end - start))
        spans.append((start, end))

    for t in spoken_times(text, afternoon=afternoon):
        put(t.start, t.end, t.hhmm)
    for m in _WORD_HOUR.finditer(text):
        put(m.start("h"), m.end("h"), str(_HOUR_WORDS[m.group("h").casefold()]))
    for m in _WORD_RANGE.finditer(text):
        for group in ("a", "b"):
            word = m.group(group)
            if not word.isdigit():
                put(m.start(group), m.end(group), str(_HOUR_WORDS[word.casefold()]))
    return "".join(chars), tuple(sorted(spans))


def with_spoken_times(text: str, *, afternoon: bool = True) -> str:
    """``text`` rewritten (``rewritten``): "ab halb 10" -> "ab   09:30"."""
    return rewritten(text, afternoon=afternoon)[0]


def widened(start: int, end: int, spans: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    """A span found in a rewritten text, widened to the whole of each
    rewritten span it touches ("09:30" of "halb 10" is "halb 10")."""
    for s, e in spans:
        if s < end and start < e:
            start, end = min(start, s), max(end, e)
    return start, end

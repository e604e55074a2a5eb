"""Durations and time spans in text (German and English): the one reader.

"2,5 Stunden", "1 Std 30", "anderthalb Stunden", "eine halbe Stunde",
"90 min", "2.5 hours", "an hour and a half" are amounts; "von 9 bis 12",
"9-12:30 Uhr", "from 9 to 12", "von halb 10 bis 12" are clock ranges (their length); "zwei Wochen",
"einen Monat" are calendar durations (no minutes). A decimal comma is part of
its number: "1,5 Stunden" is 90 minutes, never five hours.

Everything that reads a duration from text (the NLU's ``duration`` entity,
typed hours) reads it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.number_words import rewritten, widened

__all__ = ["Duration", "find_duration", "find_durations"]

_WORDS: dict[str, float] = {
    "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3,
    "vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
    "zehn": 10, "elf": 11, "zwölf": 12, "zwoelf": 12, "zwanzig": 20,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "twenty": 20, "ein paar": 2, "paar": 2, "a couple of": 2, "couple of": 2,
    "anderthalb": 1.5, "eineinhalb": 1.5, "zweieinhalb": 2.5, "dreieinhalb": 3.5,
    "viereinhalb": 4.5, "fünfeinhalb": 5.5, "halbe": 0.5, "halben": 0.5, "eine halbe": 0.5,
    "einer halben": 0.5, "einen halben": 0.5, "half an": 0.5, "half a": 0.5,
    "dreiviertel": 0.75, "drei viertel": 0.75, "three quarters of an": 0.75,
    "a quarter of an": 0.25, "quarter of an": 0.25, "½": 0.5,
}  # fmt: skip
_UNITS: dict[str, str] = {
    "stunden": "H", "stunde": "H", "std": "H", "h": "H", "hours": "H", "hour": "H",
    "hrs": "H", "hr": "H",
    "minuten": "M", "minute": "M", "min": "M", "mins": "M", "minutes": "M",
    "viertelstunde": "Q", "viertelstunden": "Q",
    "tage": "D", "tagen": "D", "tag": "D", "days": "D", "day": "D",
    "wochen": "W", "woche": "W", "weeks": "W", "week": "W",
    "monaten": "MO", "monate": "MO", "monat": "MO", "months": "MO", "month": "MO",
}  # fmt: skip


def _alternation(words: object) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+")
        for w in sorted((str(x) for x in words), key=len, reverse=True)  # type: ignore[attr-defined]
    )


# A number is never read from inside another one: "1,5" is not "5".
_NUM = rf"(?<![\d.,])(?:\d{{1,4}}(?:[.,]\d{{1,2}})?(?![\d])|\b(?:{_alternation(_WORDS)})\b|½)"
_HALF = r"(?:\s*(?:1/2|½)|\s*(?:und\s+)?einhalb|\s+and\s+a\s+half)"
_AMOUNT = re.compile(
    rf"(?P<num>{_NUM})(?P<half>{_HALF})?\s*(?P<unit>{_alternation(_UNITS)})(?![^\W\d_])\.?"
    # "1 Std 30", "1 h 30 min", "1 Stunde und 30 Minuten"; "an hour and a half"
    rf"(?:(?P<and_half>\s+and\s+a\s+half)|\s*(?:und|and)?\s*(?P<min>[0-5]?\d)(?![\d.,:])"
    # a bare number after the hours only at the end: "1 Std 30", not "3 Std 10 Leute"
    rf"(?:\s*(?:minuten|minutes|mins|min)\b\.?|(?=\s*(?:$|[.,;!?)]))))?",
    re.IGNORECASE,
)
# A bare "½ h" or "1½h" is read by _AMOUNT; "eine Viertelstunde" too.
_CLOCK = r"(?P<{0}h>[01]?\d|2[0-4])(?:[:.](?P<{0}m>[0-5]\d))?"
_RANGE = re.compile(
    rf"(?P<lead>\b(?:von|vom|from|zwischen|between)\s+)?"
    rf"(?<![\d.,:]){_CLOCK.format('a')}\s*(?:uhr|h|am|pm)?\s*"
    rf"(?:bis|-|–|to|until|till|(?P<und>und|and))\s*"
    rf"{_CLOCK.format('b')}(?![\d.,])(?P<tail>\s*(?:uhr|h\b|o'?clock))?"
    rf"(?!\s*(?:{_alternation(_UNITS)})\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Duration:
    """A duration found in a text, at ``start:end``. ``minutes`` is None for
    calendar durations (days, weeks, months)."""

    start: int
    end: int
    iso: str  # ISO 8601: PT1H30M, PT45M, P2W, P1D, P1M
    minutes: int | None
    kind: str  # amount | range | calendar

    @property
    def hours(self) -> float | None:
        return None if self.minutes is None else self.minutes / 60


def _iso_minutes(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m or not h else "")


def _number(raw: str) -> float | None:
    key = " ".join(raw.lower().split())
    if key in _WORDS:
        return float(_WORDS[key])
    try:
        return float(key.replace(",", "."))
    except ValueError:
        return None


def _amounts(text: str) -> list[Duration]:
    out = []
    for m in _AMOUNT.finditer(text):
        number = _number(m.group("num"))
        if number is None or number <= 0:
            continue
        if m.group("half") or m.group("and_half"):
            number += 0.5
        unit = _UNITS[m.group("unit").lower()]
        end = m.end()
        if unit in ("H", "Q"):
            minutes = round(number * (60 if unit == "H" else 15))
            if unit == "H" and m.group("min") is not None:
                minutes += int(m.group("min"))
            elif m.group("min") is not None:
                end = m.end("unit") + (1 if text[m.end("unit") : m.end("unit") + 1] == "." else 0)
            out.append(Duration(m.start(), end, _iso_minutes(minutes), minutes, "amount"))
            continue
        if m.group("min") is not None:  # "90 min 5": the number is not this duration's
            end = m.end("unit") + (1 if text[m.end("unit") : m.end("unit") + 1] == "." else 0)
        if unit == "M":
            minutes = round(number)
            out.append(Duration(m.start(), end, _iso_minutes(minutes), minutes, "amount"))
        elif number.is_integer():
            n = int(number)
            iso = {"D": f"P{n}D", "W": f"P{n}W", "MO": f"P{n}M"}[unit]
            out.append(Duration(m.start(), end, iso, None, "calendar"))
    return out


def _ranges(text: str) -> list[Duration]:
    # "von halb 10 bis 12": spoken times as digits, as named (offsets kept)
    text, spoken = rewritten(text, afternoon=False)
    out = []
    for m in _RANGE.finditer(text):
        marked = m.group("lead") or m.group("tail") or m.group("am") or m.group("bm")
        if not marked or (m.group("und") and not m.group("lead")):
            continue  # "3-4" alone may be anything; "9 und 12" is no range
        start = int(m.group("ah")) * 60 + int(m.group("am") or 0)
        end = int(m.group("bh")) * 60 + int(m.group("bm") or 0)
        if end <= start or end > 24 * 60:
            continue
        lead = m.start("ah") if m.group("lead") is None else m.start()
        lead, stop = widened(lead, m.end(), spoken)  # "halb 10", not its "09:30"
        out.append(Duration(lead, stop, _iso_minutes(end - start), end - start, "range"))
    return out


def find_durations(text: str, *, ranges: bool = True) -> list[Duration]:
    """Every duration in ``text``, left to right, none overlapping another
    (a clock range wins over an amount inside it). ``ranges=False``: amounts
    and calendar durations only (the NLU reads clock times as times)."""
    found = (_ranges(text) if ranges else []) + _amounts(text)
    kept: list[Duration] = []
    for d in found:
        if all(d.end <= k.start or d.start >= k.end for k in kept):
            kept.append(d)
    return sorted(kept, key=lambda d: d.start)


def find_duration(text: str) -> Duration | None:
    """The first duration of hours or minutes (not days, weeks, months) in ``text``."""
    return next((d for d in find_durations(text) if d.minutes is not None), None)

"""The one day a short message names, looking back ("war gestern 3 Stunden
da", "am Mittwoch 2 Stunden") or ahead ("Nächsten Mittwoch kann ich nicht",
"I can't come on the 23rd").

Unlike ``dates.extract_dates`` (always the next such day) a bare weekday or
day of the month is resolved in the direction asked: hours are logged for a
day that passed, a date is skipped that lies ahead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dialogue.nlu.extractors.calendar_words import DAY_INDEX, WEEKDAY_WORDS, alternation
from dialogue.nlu.extractors.dates import extract_dates

__all__ = ["NamedDay", "named_day"]

# Full day names only: "sat", "sun", "mon" are words too.
_DAY_WORDS = {w: d for w, d in WEEKDAY_WORDS.items() if len(w) > 4}
_RELATIVE = re.compile(
    r"\b(?P<rel>vorgestern|day before yesterday|gestern|yesterday|heute|today|tonight)\b",
    re.IGNORECASE,
)
_SOON = timedelta(days=31)  # a date this close ahead is meant ahead (and refused as such)
_BACK = ("letzt", "vergangen", "last", "past")
_AHEAD = ("nächst", "naechst", "kommend", "next", "coming")
_WEEKDAY = re.compile(
    r"\b(?:(?P<q>letzte[nmrs]?|vergangene[nmrs]?|last|past|nächste[nmrs]?|naechste[nmrs]?|"
    r"kommende[nmrs]?|next|coming|diese[nmrs]?|this)\s+)?"
    rf"(?P<day>{alternation(_DAY_WORDS)})\b",
    re.IGNORECASE,
)
_DAY_OF_MONTH = re.compile(
    r"\b(?:(?:am|den|on\s+the|the|on)\s+(?P<a>[0-3]?\d)(?:\.|st|nd|rd|th)(?![\d.])"
    r"|(?P<b>[0-3]?\d)(?:st|nd|rd|th)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class NamedDay:
    day: date
    start: int
    end: int


def _month_shift(today: date, day: int, months: int) -> date | None:
    year, month = divmod(today.month - 1 + months, 12)
    try:
        return date(today.year + year, month + 1, day)
    except ValueError:
        return None


def named_day(text: str, today: date, *, past: bool) -> NamedDay | None:
    """The first day ``text`` names, resolved back from ``today`` (``past``)
    or ahead of it; None when it names none."""
    found: list[NamedDay] = []
    for m in _RELATIVE.finditer(text):
        word = m.group("rel").lower()
        back = {"vorgestern": 2, "day before yesterday": 2, "gestern": 1, "yesterday": 1}
        found.append(NamedDay(today - timedelta(days=back.get(word, 0)), m.start(), m.end()))
    for m in _WEEKDAY.finditer(text):
        target = DAY_INDEX[_DAY_WORDS[m.group("day").lower()]]
        which = (m.group("q") or "").lower()
        if past and not which.startswith(_AHEAD):
            offset = (today.weekday() - target) % 7
            if offset == 0 and which.startswith(_BACK):
                offset = 7
            found.append(NamedDay(today - timedelta(days=offset), m.start(), m.end()))
        elif not past and not which.startswith(_BACK):
            offset = (target - today.weekday()) % 7
            if offset == 0 and which.startswith(_AHEAD):
                offset = 7
            found.append(NamedDay(today + timedelta(days=offset), m.start(), m.end()))
    noon = datetime.combine(today, time(12))
    for e in extract_dates(text, noon):
        if not any(c.isdigit() for c in text[e.start : e.end]):
            continue  # words ("morgen", "nächsten Samstag") are read above
        value = date.fromisoformat(e.value)
        if past and value > today + _SOON:  # "am 2.12." in January: the December before
            try:
                value = value.replace(year=value.year - 1)
            except ValueError:
                continue
        found.append(NamedDay(value, e.start, e.end))
    for m in _DAY_OF_MONTH.finditer(text):
        if any(f.start < m.end() and m.start() < f.end for f in found):
            continue
        number = int(m.group("a") or m.group("b"))
        if past:
            value = _month_shift(today, number, 0 if number <= today.day else -1)
        else:
            value = _month_shift(today, number, 0 if number >= today.day else 1)
        if value is not None:
            found.append(NamedDay(value, m.start(), m.end()))
    return min(found, key=lambda f: f.start) if found else None

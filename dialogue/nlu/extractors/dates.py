"""Dates as ISO strings, relative to "now" in the tenant's time zone.

"morgen" is tomorrow unless it is a morning ("Guten Morgen", "am Morgen");
"nächsten Samstag" ("nächsten Samstagabend") is the next Saturday after
today, "nächste Woche Dienstag" the Tuesday of next week; "dieses" or
"nächstes Wochenende" is the coming Saturday and Sunday (two dates over the
same words), while "am Wochenende" alone is a weekly habit and no date; a
day and month without a year is the next such day from today on.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from dialogue.nlu.extractors.calendar_words import (
    COMPOUND_TAILS,
    DAY_INDEX,
    MONTHS,
    WEEKDAY_WORDS,
    alternation,
)
from dialogue.nlu.result import Entity

_DAYS = alternation(WEEKDAY_WORDS)
_MONTHS = alternation(MONTHS)
_RELATIVE = re.compile(
    r"\b(?P<rel>übermorgen|uebermorgen|day after tomorrow|heute|today|tonight|morgen|tomorrow)\b",
    re.IGNORECASE,
)
_NOT_TOMORROW = re.compile(r"(guten|am|jeden|den|einen|schönen|diesen|heute)\s+$", re.IGNORECASE)
_WHICH = r"(?P<which>nächste[nmrs]?|naechste[nmrs]?|kommende[nmrs]?|diese[nmrs]?|next|this|coming)"
_NEXT_DAY = re.compile(
    rf"\b{_WHICH}\s+(?P<day>{_DAYS})(?:s?(?:{alternation(COMPOUND_TAILS)})s?)?\b",
    re.IGNORECASE,
)
# "nächste Woche Dienstag(abend)", "next week Tuesday": that day of the next calendar week.
_NEXT_WEEK_DAY = re.compile(
    rf"\b(?:nächste|naechste|kommende|next|coming)\s+(?:woche|week)\s+(?:am\s+|on\s+)?"
    rf"(?P<day>{_DAYS})(?:s?(?:{alternation(COMPOUND_TAILS)})s?)?\b",
    re.IGNORECASE,
)
_NEXT_WEEKEND = re.compile(rf"\b{_WHICH}\s+(?:wochenende|weekend)\b", re.IGNORECASE)
_NUMERIC = re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:20)?\d\d)?(?![\d])")
_DAY_MONTH = re.compile(
    rf"\b(?P<d>[0-3]?\d)(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(?P<mon>{_MONTHS})\b\.?(?:\s+(?P<y>20\d\d))?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"\b(?P<mon>{_MONTHS})\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>20\d\d))?",
    re.IGNORECASE,
)


def _upcoming(today: date, month: int, day: int, year: str | None) -> date | None:
    try:
        if year:
            full = int(year) if len(year) == 4 else 2000 + int(year)
            return date(full, month, day)
        candidate = date(today.year, month, day)
        if candidate < today:
            candidate = date(today.year + 1, month, day)
        return candidate
    except ValueError:
        return None  # 31.2. is not a date; say nothing rather than guess


def extract_dates(text: str, now: datetime) -> list[Entity]:
    today = now.date()
    found: list[Entity] = []

    def add(start: int, end: int, value: date | None) -> None:
        if value and not any(e.start < end and start < e.end for e in found):
            found.append(Entity("date", value.isoformat(), start, end))

    for m in _NEXT_WEEK_DAY.finditer(text):
        monday = today + timedelta(days=7 - today.weekday())
        day = WEEKDAY_WORDS[m.group("day").lower()]
        add(m.start(), m.end(), monday + timedelta(days=DAY_INDEX[day]))
    for m in _NEXT_DAY.finditer(text):
        target = DAY_INDEX[WEEKDAY_WORDS[m.group("day").lower()]]
        ahead = (target - today.weekday()) % 7
        which = m.group("which").lower()
        if ahead == 0 and not which.startswith(("dies", "this")):
            ahead = 7
        add(m.start(), m.end(), today + timedelta(days=ahead))
    for m in _NEXT_WEEKEND.finditer(text):
        if any(e.start < m.end() and m.start() < e.end for e in found):
            continue
        weekday = today.weekday()
        saturday = today + timedelta(days=(5 - weekday) % 7 if weekday < 5 else -(weekday - 5))
        if not m.group("which").lower().startswith(("dies", "this")) and weekday >= 5:
            saturday += timedelta(days=7)  # "nächstes Wochenende" on a Sunday: the one after
        for day in (saturday, saturday + timedelta(days=1)):
            if day >= today:
                found.append(Entity("date", day.isoformat(), m.start(), m.end()))
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for m in pattern.finditer(text):
            add(
                m.start(),
                m.end(),
                _upcoming(today, MONTHS[m.group("mon").lower()], int(m.group("d")), m.group("y")),
            )
    for m in _NUMERIC.finditer(text):
        add(
            m.start(), m.end(), _upcoming(today, int(m.group("m")), int(m.group("d")), m.group("y"))
        )
    for m in _RELATIVE.finditer(text):
        word = m.group("rel").lower()
        if word == "morgen" and (
            _NOT_TOMORROW.search(text[: m.start()]) or text[m.end() : m.end() + 1] == "s"
        ):
            continue
        days = {"heute": 0, "today": 0, "tonight": 0, "morgen": 1, "tomorrow": 1}.get(word, 2)
        add(m.start(), m.end(), today + timedelta(days=days))
    return sorted(found, key=lambda e: e.start)

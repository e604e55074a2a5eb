"""Clock times as "HH:MM": "10 Uhr", "10:30", "9am", and ranges such as
"10-14 Uhr" or "von 9 bis 12", which give two time entities.

A bare range of numbers ("3-4") is only a time when something says so: a
unit ("Uhr", "am/pm"), "von/from" before it, or a day name next to it
("Mo-Fr 10-18"); otherwise "3-4 Leute" would be a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dialogue.nlu.extractors.calendar_words import WEEKDAY_ABBREVIATIONS, WEEKDAY_WORDS, alternation
from dialogue.nlu.result import Entity

_H = r"(?:[01]?\d|2[0-4])"
_M = r"(?:[:.](?P<{}>[0-5]\d))"
_RANGE = re.compile(
    rf"(?<![\d.:/])(?P<h1>{_H}){_M.format('m1')}?\s*(?P<ap1>am|pm|a\.m\.|p\.m\.)?\s*"
    rf"(?:-|–|bis|to|until|till)\s*(?P<h2>{_H}){_M.format('m2')}?(?![\d.]\d)\s*"
    rf"(?P<unit>uhr|h\b|am\b|pm\b|a\.m\.|p\.m\.)?",
    re.IGNORECASE,
)
_SINGLE = re.compile(
    rf"(?<![\d.:/])(?P<h1>{_H})(?:(?:{_M.format('m1')})\s*(?P<unit1>uhr|h\b|am\b|pm\b)?|\s*(?P<unit2>uhr|h\b|am\b|pm\b|a\.m\.|p\.m\.))",
    re.IGNORECASE,
)
_FROM = re.compile(r"\b(von|from|zwischen|between|ab|after|um|at)\s*$", re.IGNORECASE)
_DAY_NEAR = re.compile(
    rf"\b({alternation(WEEKDAY_WORDS)}|{alternation(WEEKDAY_ABBREVIATIONS)})s?\.?[\s,:]*$|"
    r"(tags|werktags|wochenende|weekdays?|weekends?|vormittags?|nachmittags?|abends?)[\s,:]*$",
    re.IGNORECASE,
)
_NOT_TIME_AFTER = re.compile(
    r"\s*(km|kilomet|leute|personen|helfer|freiwillig|people|helpers|volunteers|stunden|std|hours?|"
    r"minuten|min|jahre|years|euro|€|%|tage|days|wochen|weeks|\.\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class TimeRange:
    start: int  # minutes after midnight
    end: int
    span: tuple[int, int]


def _minutes(hour: str, minute: str | None, ampm: str | None) -> int:
    h = int(hour)
    if ampm:
        ampm = ampm.lower().replace(".", "")
        if ampm == "pm" and h < 12:
            h += 12
        if ampm == "am" and h == 12:
            h = 0
    return h * 60 + int(minute or 0)


def _hhmm(minutes: int) -> str:
    minutes = min(minutes, 24 * 60 - 1) if minutes >= 24 * 60 else minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# The entity pass and the availability pass read the same text: each reads
# the ranges and times once (results are tuples, so sharing them is safe).
@lru_cache(maxsize=16)
def find_ranges(text: str) -> tuple[TimeRange, ...]:
    ranges: list[TimeRange] = []
    for m in _RANGE.finditer(text):
        unit = (m.group("unit") or "").lower()
        before = text[: m.start()]
        trusted = (
            unit
            or m.group("m1")
            or m.group("m2")
            or _FROM.search(before)
            or _DAY_NEAR.search(before)
        )
        if not trusted or (
            not unit
            and _NOT_TIME_AFTER.match(
                text, m.end("h2") + (len(m.group("m2") or "") and len(m.group("m2")) + 1)
            )
        ):
            continue
        end_ampm = unit if unit.replace(".", "") in ("am", "pm") else None
        start_ampm = m.group("ap1") or None
        end = _minutes(m.group("h2"), m.group("m2"), end_ampm)
        start = _minutes(m.group("h1"), m.group("m1"), start_ampm)
        if start_ampm is None and end_ampm and start + 12 * 60 <= end and start < 12 * 60:
            start += 12 * 60  # "1-3pm"
        if end <= start and end + 12 * 60 > start and not end_ampm and int(m.group("h2")) <= 12:
            end += 12 * 60  # "10-2" means until two in the afternoon
        if end <= start or end > 24 * 60:
            continue
        span_end = m.end() if unit else m.end("m2") if m.group("m2") else m.end("h2")
        ranges.append(TimeRange(start, end, (m.start(), span_end)))
    return tuple(ranges)


@lru_cache(maxsize=16)
def extract_times(text: str) -> tuple[Entity, ...]:
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for r in find_ranges(text):
        m = _RANGE.match(text, r.span[0])
        assert m is not None
        first_end = m.end("m1") if m.group("m1") else m.end("h1")
        if m.group("ap1"):
            first_end = m.end("ap1")
        found.append(Entity("time", _hhmm(r.start), r.span[0], first_end))
        found.append(Entity("time", _hhmm(r.end), m.start("h2"), r.span[1]))
        taken.append(r.span)
    for m in _SINGLE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        unit = (m.group("unit1") or m.group("unit2") or "").lower()
        if not unit and not m.group("m1"):
            continue
        if not unit and _NOT_TIME_AFTER.match(text, m.end()):
            continue
        ampm = unit if unit.replace(".", "") in ("am", "pm") else None
        value = _minutes(m.group("h1"), m.group("m1"), ampm)
        if value >= 24 * 60:
            continue
        end = m.end()
        found.append(Entity("time", _hhmm(value), m.start(), end))
    return tuple(sorted(found, key=lambda e: e.start))


def single_times(text: str) -> list[tuple[int, int, bool]]:
    """Single times (minutes, offset, preceded by "ab/after") for availability."""
    out: list[tuple[int, int, bool]] = []
    in_ranges = [r.span for r in find_ranges(text)]
    for e in extract_times(text):
        if any(s <= e.start < t for s, t in in_ranges):
            continue
        h, mi = e.value.split(":")
        after = bool(re.search(r"\b(ab|after|from|nach)\s*$", text[: e.start], re.IGNORECASE))
        out.append((int(h) * 60 + int(mi), e.start, after))
    return out

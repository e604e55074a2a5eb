"""Clock times as "HH:MM": "10 Uhr", "10:30", "9am", and ranges such as
"10-14 Uhr" or "von 9 bis 12", which give two time entities. Spoken times
("halb 10", "viertel nach 3", "dreiviertel 8", "zehn Uhr") are read as their
digits (``core.number_words``).

A bare range of numbers ("3-4") is only a time when something says so: a
unit ("Uhr", "am/pm"), "von/from/zwischen" before it, or a day name next to
it ("Mo-Fr 10-18"); otherwise "3-4 Leute" would be a time. Likewise a bare
"ab 9" is a time only right after a day ("Samstag ab 9"). Small bare hours
are afternoon hours: nobody offers "2-5" at night ("Sunday from 2 to 5",
"Mondays after 5").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.number_words import rewritten, widened
from dialogue.nlu.extractors.calendar_words import WEEKDAY_ABBREVIATIONS, WEEKDAY_WORDS, alternation
from dialogue.nlu.result import Entity

# "am" before a day is German's "on" ("halb 1 am Samstag"), not a.m.
_AM = r"am\b(?!\s+(?:\w*tag|mittwoch|sonnabend|wochenende|\d))"
_H = r"(?:2[0-4]|[01]?\d)"  # "20" before "2": "18-21 Uhr" ends at 21
_M = r"(?:[:.](?P<{}>[0-5]\d))"
_RANGE = re.compile(
    rf"(?<![\d.:/])(?P<h1>{_H}){_M.format('m1')}?\s*(?P<ap1>{_AM}|pm|a\.m\.|p\.m\.)?\s*"
    rf"(?P<join>-|–|bis|to|until|till|und|and)\s*(?P<h2>{_H}){_M.format('m2')}?(?![\d.]\d)\s*"
    rf"(?P<unit>uhr|h\b|{_AM}|pm\b|a\.m\.|p\.m\.)?",
    re.IGNORECASE,
)
_SINGLE = re.compile(
    rf"(?<![\d.:/])(?P<h1>{_H})(?:(?:{_M.format('m1')})(?:\s*(?P<unit1>uhr|h\b|{_AM}|pm\b))?|\s*(?P<unit2>uhr|h\b|{_AM}|pm\b|a\.m\.|p\.m\.))",
    re.IGNORECASE,
)
# "ab 9" after a day: an hour without unit ("Samstag ab 9", "Mondays after 5").
_BARE_AFTER = re.compile(
    rf"\b(?:ab|nach|after|from)\s+(?P<h1>{_H})\b(?![.:,]\d|\s*(?:uhr|h\b|{_AM}|pm\b|a\.m\.|p\.m\.))",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\b(zwischen|between)\s*$", re.IGNORECASE)
# Bare hours up to this one are read as afternoon hours.
_LAST_SMALL_HOUR = 7
_LOOKBEHIND = 60  # characters before a range that can say what it is
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
    first_end: int  # where the first time ends in the text
    second_start: int  # where the second one starts


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
    text, spoken = rewritten(text)  # "halb 10" as "  09:30", offsets kept
    ranges: list[TimeRange] = []
    for m in _RANGE.finditer(text):
        unit = (m.group("unit") or "").lower()
        # What comes just before the range decides ("von", "zwischen", a day);
        # a short window keeps these end-anchored searches linear in the text.
        before = text[max(0, m.start() - _LOOKBEHIND) : m.start()]
        if m.group("join").lower() in ("und", "and") and not _BETWEEN.search(before):
            continue  # "3 und 4" is a time range only after "zwischen"
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
        if not (start_ampm or end_ampm) and start < end <= _LAST_SMALL_HOUR * 60:
            start, end = start + 12 * 60, end + 12 * 60  # "von 2 bis 5"
        if end <= start and end + 12 * 60 > start and not end_ampm and int(m.group("h2")) <= 12:
            end += 12 * 60  # "10-2" means until two in the afternoon
        if end <= start or end > 24 * 60:
            continue
        span_end = m.end() if unit else m.end("m2") if m.group("m2") else m.end("h2")
        first_end = (
            m.end("ap1") if m.group("ap1") else m.end("m1") if m.group("m1") else m.end("h1")
        )
        span = widened(m.start(), span_end, spoken)  # "halb 10 bis 12", not "09:30 bis 12"
        first_end = widened(m.start(), first_end, spoken)[1]
        second_start = widened(m.start("h2"), m.end("h2"), spoken)[0]
        ranges.append(TimeRange(start, end, span, first_end, second_start))
    return tuple(ranges)


@lru_cache(maxsize=16)
def extract_times(text: str) -> tuple[Entity, ...]:
    ranges = find_ranges(text)
    text, spoken = rewritten(text)
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for r in ranges:
        found.append(Entity("time", _hhmm(r.start), r.span[0], r.first_end))
        found.append(Entity("time", _hhmm(r.end), r.second_start, r.span[1]))
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
        start, end = widened(m.start(), m.end(), spoken)
        found.append(Entity("time", _hhmm(value), start, end))
        taken.append((start, end))
    for m in _BARE_AFTER.finditer(text):
        start, end = m.span("h1")
        if any(s <= start < e for s, e in taken) or _NOT_TIME_AFTER.match(text, end):
            continue
        if not _DAY_NEAR.search(text, max(0, m.start() - 30), m.start()):
            continue
        hour = int(m.group("h1"))
        if hour > 24:
            continue
        if 0 < hour <= _LAST_SMALL_HOUR:
            hour += 12
        found.append(Entity("time", _hhmm(hour * 60), start, end))
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

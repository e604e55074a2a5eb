"""Weekly availability: which grid cells ("sa:vormittag") a text states.

The text is read as a sequence of day items (a day, "Mo-Fr", "werktags",
"am Wochenende"), part items (a day part, "ganztags", a time range such as
"9-15 Uhr", "ab 18 Uhr") and negations ("keine WE", "außer Sonntag",
"sonntags nicht"); a compound ("Mittwochabend") is a day item and a part
item at once. Items group into "days x parts": a new group starts when a
day follows a group that already has both, so "samstags vormittags und
sonntags nachmittags" is two groups, and so is a day after parts across
"und" or a comma ("abends und am Wochenende"). A part after a complete
group, across "und" or a comma, starts a group of its own that takes the
days named after it ("vormittags am Samstag und nachmittags am Sonntag")
or, when none follow, the days of the group before ("Di-Fr 8-12 und 15-18
Uhr"). A group without days means every day ("abends"), or the working
days when its only time is "ab 18 Uhr"; a group without parts means the
whole day ("am Wochenende"). Negated items are grouped the same way and
their cells taken out at the end; a text that only excludes ("keine WE")
means every other time. A weekday naming a date beside it ("Samstag, den
5.12.") belongs to the date, and a text with dates but no other day is a
one-off, not a weekly habit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from core.availability import ALL_CELLS, DAYPARTS, DAYS
from dialogue.nlu.extractors.calendar_words import DAY_INDEX
from dialogue.nlu.extractors.times import find_ranges, single_times
from dialogue.nlu.extractors.weekdays import extract_dayparts, extract_weekdays, is_wish
from dialogue.nlu.result import Entity

_WORKDAYS = DAYS[:5]
_WEEKEND = DAYS[5:]
_DAY_GROUPS = re.compile(
    r"\b(?P<nights>weeknights?|weekday nights|werktagabends|werktagsabends)\b|"
    r"\b(?P<work>werktags|wochentags|unter der woche|unter der wo|"
    r"während der woche|montags bis freitags|weekdays?|during the week|on weekdays)\b|"
    r"\b(?P<weekend>wochenende[n]?|wochenends|we|weekends?|wochenenden)\b|"
    r"\b(?P<all>täglich|jeden tag|alle tage|every day|daily|any day|immer)\b",
    re.IGNORECASE,
)
_ALL_DAY = re.compile(r"\b(ganztags|ganztägig|den ganzen tag|all day|whole day|full day)\b", re.I)
_NEGATION = re.compile(
    r"\b(nicht|kein|keine|keinen|außer|ausser|ohne|bis auf|ausgenommen|not|no|except|"
    r"apart from|other than|never|nie)\b[\w\s]{0,12}$",
    re.IGNORECASE,
)
_NEGATION_WORD = re.compile(
    r"\b(nicht|kein\w*|außer|ausser|ohne|bis auf|ausgenommen|not|no|except|apart from|"
    r"other than|never|nie)\b",
    re.IGNORECASE,
)
# "sonntags nicht", "am Wochenende leider nicht": a negation after the item.
_NEGATION_AFTER = re.compile(
    r"\s*(?:leider\s+|eher\s+|auch\s+)?(?:nicht|not)\b"
    r"(?:\s+(?:so\s+gut|so\s+gern|gut|gern|möglich|available|possible))?"
    r"\s*(?:[,.;!)]|$|\b(?:und|aber|but|and)\b)",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"^\s*(-|–|bis|to|through|until)\s*$", re.IGNORECASE)
_SPONTANEOUS = re.compile(
    r"\b(spontan\w*|kurzfristig\w*|auf abruf|short notice|spontaneous\w*|last[- ]minute|on call)\b",
    re.IGNORECASE,
)
_PART_RANGES = {p: (s.hour * 60, e.hour * 60) for p, (s, e) in DAYPARTS.items()}


@dataclass(slots=True)
class _Item:
    start: int
    end: int
    days: frozenset[str] = frozenset()
    parts: frozenset[str] = frozenset()
    negated: bool = False
    after: bool = False  # parts from "ab 18 Uhr"


@dataclass(slots=True)
class _Group:
    days: set[str] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)
    # Started by a part right after a complete group ("Di-Fr 8-12 und 15-18 Uhr").
    continues: bool = False
    only_after: bool = True

    def cells(self) -> set[str]:
        days = self.days or set(_WORKDAYS if self.parts and self.only_after else DAYS)
        parts = self.parts or set(DAYPARTS)
        return {f"{d}:{p}" for d in days for p in parts}


def parts_for_range(start: int, end: int) -> frozenset[str]:
    """Day parts a time range covers: those it overlaps by two hours or more,
    or lies within; failing both, those it overlaps most."""
    overlaps = {p: max(0, min(end, pe) - max(start, ps)) for p, (ps, pe) in _PART_RANGES.items()}
    chosen = {
        p
        for p, o in overlaps.items()
        if o >= 120 or (o > 0 and _PART_RANGES[p][0] <= start and end <= _PART_RANGES[p][1])
    }
    if not chosen and any(overlaps.values()):
        best = max(overlaps.values())
        chosen = {p for p, o in overlaps.items() if o == best}
    return frozenset(chosen)


def _parts_from(minute: int) -> frozenset[str]:
    return frozenset(p for p, (_, pe) in _PART_RANGES.items() if pe > minute)


def _part_at(minute: int) -> frozenset[str]:
    return frozenset(p for p, (ps, pe) in _PART_RANGES.items() if ps <= minute < pe)


def _naming_a_date(day: Entity, dates: Sequence[Entity]) -> bool:
    """Whether the day is the weekday of a date right next to it ("Samstag, den 5.12.")."""
    for d in dates:
        near = 0 <= d.start - day.end <= 8 or 0 <= day.start - d.end <= 8
        if near and _weekday_of(d.value) == day.value:
            return True
    return False


def _weekday_of(iso: str) -> str | None:
    try:
        return DAYS[date.fromisoformat(iso).weekday()]
    except ValueError:
        return None


def _day_items(text: str, dates: Sequence[Entity]) -> list[_Item]:
    date_spans = [(d.start, d.end) for d in dates]
    days = [
        e
        for e in extract_weekdays(text)
        if not any(s <= e.start < t for s, t in date_spans) and not _naming_a_date(e, dates)
    ]
    items: list[_Item] = []
    i = 0
    while i < len(days):
        first = days[i]
        # "Mo-Fr", "Montag bis Freitag": a range of days.
        if i + 1 < len(days) and _RANGE_JOIN.match(text[first.end : days[i + 1].start]):
            last = days[i + 1]
            a, b = DAY_INDEX[first.value], DAY_INDEX[last.value]
            span = [DAYS[k % 7] for k in range(a, b + 1 if b >= a else b + 8)]
            items.append(_Item(first.start, last.end, days=frozenset(span)))
            i += 2
            continue
        items.append(_Item(first.start, first.end, days=frozenset({first.value})))
        i += 1
    for m in _DAY_GROUPS.finditer(text):
        if m.group("weekend") and m.group().lower() == "we" and m.group() != "WE":
            continue  # "we" in English is a pronoun
        if is_wish(text, m.start()) or any(s <= m.start() < t for s, t in date_spans):
            continue  # "Schönes Wochenende!", "dieses Wochenende" (a date)
        if m.group("nights"):
            items.append(_Item(m.start(), m.end(), frozenset(_WORKDAYS), frozenset({"abend"})))
            continue
        group = _WORKDAYS if m.group("work") else _WEEKEND if m.group("weekend") else DAYS
        items.append(_Item(m.start(), m.end(), days=frozenset(group)))
    return items


def _part_items(text: str, date_spans: list[tuple[int, int]]) -> list[_Item]:
    items = [
        _Item(e.start, e.end, parts=frozenset({e.value}))
        for e in extract_dayparts(text)
        if not any(s <= e.start < t for s, t in date_spans)
    ]
    items += [_Item(m.start(), m.end(), parts=frozenset(DAYPARTS)) for m in _ALL_DAY.finditer(text)]
    for r in find_ranges(text):
        parts = parts_for_range(r.start, r.end)
        if parts:
            items.append(_Item(r.span[0], r.span[1], parts=parts))
    for minute, offset, after in single_times(text):
        parts = _parts_from(minute) if after else _part_at(minute)
        if parts:
            items.append(_Item(offset, offset + 1, parts=parts, after=after))
    return items


def extract_availability(text: str, dates: Sequence[Entity] = ()) -> tuple[tuple[str, ...], bool]:
    """The grid cells the text states, in grid order, and the "spontaneous" flag."""
    date_spans = [(d.start, d.end) for d in dates]
    spontaneous = bool(_SPONTANEOUS.search(text))
    day_items = _day_items(text, dates)
    if date_spans and not day_items:
        # "morgen 10-14 Uhr" is one date, not a weekly habit.
        return (), spontaneous
    items = sorted(day_items + _part_items(text, date_spans), key=lambda x: x.start)
    for item in items:
        item.negated = bool(
            _NEGATION.search(text[max(0, item.start - 25) : item.start])
            or _NEGATION_AFTER.match(text, item.end)
        )
    groups = _group(text, [i for i in items if not i.negated])
    # What is negated is grouped on its own, a new group at each negation:
    # "außer Sonntagvormittag" takes out one cell, "keine WE und nicht abends" two sets.
    excluded: set[str] = set()
    for group in _group(text, [i for i in items if i.negated], negated=True):
        group.only_after = False  # "nicht ab 20 Uhr" is every day
        excluded |= group.cells()
    cells: set[str] = set()
    for group in groups:
        cells |= group.cells()
    if not groups and excluded:
        cells = set(ALL_CELLS)
    cells -= excluded
    return tuple(c for c in ALL_CELLS if c in cells), spontaneous


def _group(text: str, items: list[_Item], negated: bool = False) -> list[_Group]:
    groups: list[_Group] = []
    current: _Group | None = None
    previous_end = 0
    for item in items:
        complete = current is not None and bool(current.days and current.parts)
        only_parts = current is not None and bool(current.parts and not current.days)
        if (
            current is None
            or (item.days and complete)
            # "abends und am Wochenende": every evening, and the whole weekend
            or (item.days and not item.parts and only_parts and _separated(text, item))
            or (negated and _NEGATION_WORD.search(text, previous_end, item.start))
        ):
            current = _Group()
            groups.append(current)
        elif item.parts and not item.days and complete and _separated(text, item):
            current = _Group(continues=True)
            groups.append(current)
        current.days |= item.days
        current.parts |= item.parts
        if item.parts and not item.after:
            current.only_after = False
        previous_end = item.end
    return _attach_dayless(groups)


def _separated(text: str, item: _Item) -> bool:
    # "vormittags am Samstag und nachmittags am Sonntag": a new part after a
    # complete group starts the next one only across "und", "," or ";".
    before = text[max(0, item.start - 8) : item.start]
    return bool(re.search(r"(,|;|\bund\b|\band\b|\boder\b|\bor\b)\s*\w*\s*$", before))


def _attach_dayless(groups: list[_Group]) -> list[_Group]:
    """A group split off by a separator that never got days of its own adds
    its parts to the group before: "Di-Fr 8-12 und 15-18 Uhr" is one group."""
    out: list[_Group] = []
    for group in groups:
        if group.continues and not group.days and out:
            out[-1].parts |= group.parts
            out[-1].only_after = out[-1].only_after and group.only_after
        else:
            out.append(group)
    return out


__all__ = ["extract_availability", "parts_for_range"]

"""Turning domain values into reply text: cards, reasons, the week, a need.

Every organisation- or person-written value goes through ``escape``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from core.availability import DAYPARTS, DAYS
from core.matching import Reason
from core.resources import REASON as RESOURCE_REASON
from core.resources import Resources
from core.services.matches import Card
from core.services.needs import NeedDetail
from core.taxonomy import Taxonomy
from dialogue.markup import escape
from dialogue.texts import Texts


def week(t: Texts, cells: Iterable[str], spontaneous: bool = False) -> str:
    """ "Mo–Fr abends · Sa, So ganztags · spontan"."""
    chosen = set(cells)
    per_day = [frozenset(p for p in DAYPARTS if f"{d}:{p}" in chosen) for d in DAYS]
    groups: list[tuple[list[str], frozenset[str]]] = []
    for day, parts in zip(DAYS, per_day, strict=True):
        if not parts:
            continue
        if (
            groups
            and groups[-1][1] == parts
            and DAYS.index(groups[-1][0][-1]) == DAYS.index(day) - 1
        ):
            groups[-1][0].append(day)
        else:
            groups.append(([day], parts))
    out = []
    for days, parts in groups:
        if len(days) >= 3:
            label = f"{t('day.' + days[0])}–{t('day.' + days[-1])}"
        else:
            label = ", ".join(t("day." + d) for d in days)
        if len(parts) == len(DAYPARTS):
            part_label = t("part.all")
        else:
            part_label = ", ".join(t("part." + p) for p in DAYPARTS if p in parts)
        out.append(f"{label} {part_label}")
    if spontaneous:
        out.append(t("part.spontaneous"))
    return " · ".join(out) if out else t("part.none")


def reasons_line(t: Texts, taxonomy: Taxonomy, reasons: Sequence[Reason]) -> str:
    """One line in the order ``core.matching`` gives the reasons:
    "Kinder & Jugend · 0,3 km · Sa vormittags · Erweitertes Führungszeugnis nötig"."""
    parts: list[str] = []
    for reason in reasons:
        if reason.kind == "distance" and isinstance(reason.value, int | float):
            parts.append(t.km(float(reason.value)))
        elif reason.kind == "remote":
            parts.append(t("reason.remote"))
        elif reason.kind == "time" and isinstance(reason.value, str) and ":" in reason.value:
            day, part = reason.value.split(":", 1)
            parts.append(f"{t('day.' + day)} {t('part.' + part)}")
        elif reason.kind == "other_time" and isinstance(reason.value, str):
            parts.append(other_time(t, reason.value))
        elif reason.kind == "spontaneous":
            parts.append(t("reason.spontaneous"))
        elif reason.kind == "category" and isinstance(reason.value, str):
            parts.append(taxonomy.label(reason.value, t.lang))
        elif reason.kind == "requires" and isinstance(reason.value, str):
            label = taxonomy.qualification_label(reason.value, t.lang)
            parts.append(t("reason.requires", qualification=label))
        elif reason.kind == "urgent":
            parts.append(t("reason.urgent"))
        elif reason.kind == "neighbour":
            parts.append(t("reason.neighbour"))
        elif reason.kind == RESOURCE_REASON and isinstance(reason.value, str):
            labels = Resources.load().reason_labels(reason.value, t.lang)
            if labels is not None:
                parts.append(t("reason.resource", resource=labels[0], use=labels[1]))
    return " · ".join(escape(p) for p in parts)


def other_time(t: Texts, value: str) -> str:
    """ "Mi statt Sa" / "Sa abends statt vormittags": the need's time against
    the nearest the person has free (``core.matching.other_time``)."""
    need_cell, _, free_cell = value.partition("|")
    need_day, _, need_part = need_cell.partition(":")
    free_day, _, free_part = free_cell.partition(":")
    if need_day == free_day:
        return t(
            "reason.other_part",
            day=t("day." + need_day),
            need=t("reason.part." + need_part),
            free=t("reason.part." + free_part),
        )
    return t("reason.other_day", need=t("day." + need_day), free=t("day." + free_day))


def need_when(t: Texts, need: NeedDetail, now: datetime | None = None) -> str:
    """When it takes place; with ``now``, "Termin vorbei" once its (last)
    date passed and a weekly need's next date."""
    if now is not None and need.date_passed(now):
        return t("need.date_passed")
    if need.weekly is not None:
        days = ", ".join(t("day." + d) for d in need.weekly.days)
        text = t(
            "need.weekly",
            days=days,
            start=need.weekly.start.strftime("%H:%M"),
            end=need.weekly.end.strftime("%H:%M"),
        )
        if need.valid_until is not None:  # the midnight after the series' last day
            text += " · " + t("need.until", date=t.date(need.valid_until - timedelta(days=1)))
        upcoming = need.next_date(now, t.tz) if now is not None else None
        if upcoming is not None:
            text += " · " + t("need.next_date", date=t.when(upcoming))
        return text
    if need.starts_at is not None:
        return t.when_range(need.starts_at, need.ends_at)
    return t("need.flexible")


def card(t: Texts, taxonomy: Taxonomy, number: int, item: Card, now: datetime | None = None) -> str:
    need = item.need
    emoji = taxonomy.emoji(need.category)
    lines = [
        f"<b>{number}. {emoji} {escape(need.title)}</b>".replace("  ", " "),
        f"{escape(need.organisation)} · {escape(need_when(t, need, now))}",
    ]
    reasons = reasons_line(t, taxonomy, item.match.reasons)
    if reasons:
        lines.append(f"<i>{reasons}</i>")
    return "\n".join(lines)


def detail(
    t: Texts,
    taxonomy: Taxonomy,
    need: NeedDetail,
    distance_km: float | None,
    now: datetime | None = None,
) -> str:
    """A need's detail; with ``now``, one whose (last) date passed says
    "Termin vorbei" instead of its places (no sign-up: ``signup_open``)."""
    passed = now is not None and need.date_passed(now)
    lines = [f"<b>{taxonomy.emoji(need.category)} {escape(need.title)}</b>".replace("  ", " ")]
    lines.append(escape(need.organisation))
    lines.append(t("need.when", when=escape(need_when(t, need, now))))
    if need.remote:
        lines.append(t("need.remote"))
    elif need.place_label:
        where = escape(need.place_label)
        if distance_km is not None:
            where += f" ({t.km(distance_km)})"
        lines.append(t("need.where", where=where))
    lines.append(t("need.category", category=escape(taxonomy.label(need.category, t.lang))))
    if need.qualifications:
        quals = ", ".join(taxonomy.qualification_label(q, t.lang) for q in need.qualifications)
        lines.append(t("need.qualifications", qualifications=escape(quals)))
    if passed:
        pass  # "Termin vorbei" above says it all
    elif need.places_open > 0:
        lines.append(t("need.places_left", left=need.places_open, wanted=need.helpers_wanted))
    else:
        lines.append(t("need.full"))
    if need.urgent:
        lines.append(t("need.urgent"))
    if need.description:
        lines.append("")
        lines.append(escape(need.description[:600]))
    return "\n".join(lines)


def signup_open(need: NeedDetail, now: datetime) -> bool:
    """Whether a sign-up button belongs under a need: not once its (last)
    date passed (a full one still offers the waiting list)."""
    return not need.date_passed(now)

"""iCalendar files (RFC 5545) for needs, with the stable UID of ``need_uid``:
``event_ics`` for one date (UTC, no VTIMEZONE needed), ``calendar_ics`` for
feeds and weekly needs (RRULE in the tenant's zone). Lines end in CRLF and
fold at 75 octets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from core.services.needs import NeedDetail

PRODID = "-//ehrenamt-bot//DE"


@dataclass(frozen=True, slots=True)
class IcsFacts:
    """What keeps an imported entry in step with its need (issue 14.6): a
    SEQUENCE that grows with each change, the weekly series' end (UNTIL) and
    whether the need was cancelled (STATUS:CANCELLED)."""

    sequence: int = 0
    until: datetime | None = None
    cancelled: bool = False
    begins: datetime | None = None  # a weekly series' first date is on or after this
    # A weekly series' dates one person skips (their own file only): EXDATE.
    skipped: tuple[datetime, ...] = ()


# Control characters other than line breaks and tabs are not allowed in a
# TEXT value (RFC 5545 §3.1, "CONTROL"); some calendars refuse the whole file.
_CONTROL = {c: None for c in (*range(0, 9), *range(11, 13), *range(14, 32), 127)}


def escape_text(value: str) -> str:
    """TEXT escaping of RFC 5545 §3.3.11, control characters left out."""
    return (
        value.translate(_CONTROL)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74  # continuation lines start with a space
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def need_uid(need_id: int, tenant_slug: str) -> str:
    return f"need-{need_id}-{tenant_slug}@ehrenamt-bot"


def event_ics(
    *,
    need_id: int,
    tenant_slug: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None,
    stamp: datetime,
    description: str = "",
    location: str = "",
    geo: tuple[float, float] | None = None,
    url: str = "",
    facts: IcsFacts | None = None,
) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{need_uid(need_id, tenant_slug)}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(starts_at)}",
    ]
    if ends_at is not None:
        lines.append(f"DTEND:{_utc(ends_at)}")
    if facts is not None:
        lines += _fact_lines(facts)
    lines.append(f"SUMMARY:{escape_text(title)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if geo is not None:
        lines.append(f"GEO:{geo[0]:.6f};{geo[1]:.6f}")
    if url:
        lines.append(f"URL:{url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


_RRULE_DAYS = {"mo": "MO", "di": "TU", "mi": "WE", "do": "TH", "fr": "FR", "sa": "SA", "so": "SU"}

# Central European rules (EU daylight saving since 1996), for Europe/Berlin and its neighbours.
_CET = """BEGIN:VTIMEZONE
TZID:{tzid}
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""
_CET_ZONES = {
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Luxembourg",
    "Europe/Paris",
}


def calendar_ics(
    needs: Sequence[NeedDetail],
    *,
    tz_name: str,
    stamp: datetime,
    name: str = "",
    url_of: Callable[[NeedDetail], str] | None = None,
    facts: Mapping[int, IcsFacts] | None = None,
) -> bytes:
    """A calendar of needs: one-off ones in UTC, weekly ones with an RRULE in
    the tenant's zone (and its VTIMEZONE) so they keep their wall-clock hour
    across daylight-saving changes."""
    tz = ZoneInfo(tz_name)
    local_rules = tz_name in _CET_ZONES
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-TIMEZONE:{tz_name}",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    if local_rules and any(n.weekly for n in needs):
        lines += _CET.format(tzid=tz_name).split("\n")
    for need in needs:
        event = [
            "BEGIN:VEVENT",
            f"UID:{need_uid(need.id, need.tenant_slug)}",
            f"DTSTAMP:{_utc(stamp)}",
        ]
        if need.weekly is not None:
            known = (facts or {}).get(need.id)
            # DTSTART is the series' first date: on or after its start or
            # publication, never a weekday before it (calendars would show
            # dates that never were).
            begins = known.begins if known and known.begins else stamp - timedelta(days=7)
            first = need.weekly.occurrences(begins - timedelta(microseconds=1), tz, 1)
            if not first:
                continue
            start_local = first[0].astimezone(tz)
            end_local = start_local.replace(
                hour=need.weekly.end.hour, minute=need.weekly.end.minute
            )
            days = ",".join(_RRULE_DAYS[d] for d in need.weekly.days)
            if local_rules:
                event += [
                    f"DTSTART;TZID={tz_name}:{start_local:%Y%m%dT%H%M%S}",
                    f"DTEND;TZID={tz_name}:{end_local:%Y%m%dT%H%M%S}",
                ]
            else:
                event += [f"DTSTART:{_utc(start_local)}", f"DTEND:{_utc(end_local)}"]
            until = f";UNTIL={_utc(known.until)}" if known and known.until else ""
            event.append(f"RRULE:FREQ=WEEKLY;BYDAY={days}{until}")
            for skipped in sorted(known.skipped if known else ()):
                if local_rules:
                    event.append(f"EXDATE;TZID={tz_name}:{skipped.astimezone(tz):%Y%m%dT%H%M%S}")
                else:
                    event.append(f"EXDATE:{_utc(skipped)}")
        elif need.starts_at is not None:
            event.append(f"DTSTART:{_utc(need.starts_at)}")
            if need.ends_at is not None:
                event.append(f"DTEND:{_utc(need.ends_at)}")
        else:
            continue
        if facts is not None and need.id in facts:
            event += _fact_lines(facts[need.id])
        event.append(f"SUMMARY:{escape_text(need.title)}")
        if need.description:
            event.append(f"DESCRIPTION:{escape_text(need.description)}")
        if need.place_label and not need.remote:
            event.append(f"LOCATION:{escape_text(need.place_label)}")
        if need.lat is not None and need.lon is not None and not need.remote:
            event.append(f"GEO:{need.lat:.6f};{need.lon:.6f}")
        if url_of is not None:
            event.append(f"URL:{url_of(need)}")
        event.append("END:VEVENT")
        lines += event
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def need_ics(
    need: NeedDetail, *, tz_name: str, stamp: datetime, facts: IcsFacts | None = None
) -> bytes | None:
    """A need's own calendar file, the one the chat hands out: a one-off
    need as one event, a weekly need as its series; the same UID, and
    ``facts`` for SEQUENCE, UNTIL and STATUS:CANCELLED. None for a need
    without a date."""
    if need.weekly is not None:
        return calendar_ics(
            [need], tz_name=tz_name, stamp=stamp, facts={need.id: facts} if facts else None
        )
    if need.starts_at is None:
        return None
    return event_ics(
        need_id=need.id,
        tenant_slug=need.tenant_slug,
        title=need.title,
        starts_at=need.starts_at,
        ends_at=need.ends_at,
        stamp=stamp,
        description=f"{need.organisation}\n{need.description}".strip(),
        location=need.place_label or "",
        geo=(need.lat, need.lon) if need.lat is not None and need.lon is not None else None,
        facts=facts,
    )


def _fact_lines(facts: IcsFacts) -> list[str]:
    lines = [f"SEQUENCE:{facts.sequence}"]
    if facts.cancelled:
        lines.append("STATUS:CANCELLED")
    return lines

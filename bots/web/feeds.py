"""ICS feeds (RFC 5545) of published needs: one VEVENT per need with the
stable UID of ``core.calendar.need_uid``; weekly needs carry an RRULE in
the tenant's zone (with its VTIMEZONE) so they stay at the same wall-clock
hour across daylight-saving changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.calendar import PRODID, escape_text, need_uid
from core.services.needs import NeedDetail

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


def fold(line: str) -> str:
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def feed_ics(
    needs: Sequence[NeedDetail], *, name: str, tz_name: str, stamp: datetime, base_url: str
) -> bytes:
    tz = ZoneInfo(tz_name)
    local_rules = tz_name in _CET_ZONES
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{tz_name}",
    ]
    if local_rules and any(n.weekly for n in needs):
        lines += _CET.format(tzid=tz_name).split("\n")
    for need in needs:
        event = [
            "BEGIN:VEVENT",
            f"UID:{need_uid(need.id, need.tenant_slug)}",
            f"DTSTAMP:{_utc(stamp)}",
        ]
        if need.weekly is not None:
            first = need.weekly.occurrences(stamp - timedelta(days=7), tz, 1)
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
            event.append(f"RRULE:FREQ=WEEKLY;BYDAY={days}")
        elif need.starts_at is not None:
            event.append(f"DTSTART:{_utc(need.starts_at)}")
            if need.ends_at is not None:
                event.append(f"DTEND:{_utc(need.ends_at)}")
        else:
            continue
        event.append(f"SUMMARY:{escape_text(need.title)}")
        if need.description:
            event.append(f"DESCRIPTION:{escape_text(need.description)}")
        if need.place_label and not need.remote:
            event.append(f"LOCATION:{escape_text(need.place_label)}")
        if need.lat is not None and need.lon is not None and not need.remote:
            event.append(f"GEO:{need.lat:.6f};{need.lon:.6f}")
        event.append(f"URL:{base_url}/t/{need.tenant_slug}/needs/{need.id}")
        event.append("END:VEVENT")
        lines += event
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")

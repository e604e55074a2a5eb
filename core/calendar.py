"""iCalendar files (RFC 5545) for needs: one VEVENT, stable UID, UTC times.

UTC (``...Z``) avoids shipping a VTIMEZONE block; every calendar shows the
time in the reader's zone. Lines end in CRLF and fold at 75 octets.
"""

from __future__ import annotations

from datetime import UTC, datetime

PRODID = "-//ehrenamt-bot//DE"


def escape_text(value: str) -> str:
    """TEXT escaping of RFC 5545 §3.3.11."""
    return (
        value.replace("\\", "\\\\")
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

"""The .ics file a sign-up sends (RFC 5545)."""

from __future__ import annotations

from datetime import UTC, datetime

from core.calendar import event_ics


def test_ics_has_a_stable_uid_utc_times_escaped_text_and_crlf() -> None:
    data = event_ics(
        need_id=42,
        tenant_slug="aachen",
        title="Aufräumen, Teil 1; mit Kaffee",
        starts_at=datetime(2026, 12, 5, 9, tzinfo=UTC),
        ends_at=datetime(2026, 12, 5, 12, tzinfo=UTC),
        stamp=datetime(2026, 12, 1, 9, tzinfo=UTC),
        description="Zeile 1\nZeile 2 " + "x" * 120,
        location="Burtscheid",
    ).decode()
    assert data.startswith("BEGIN:VCALENDAR\r\n") and data.endswith("END:VCALENDAR\r\n")
    assert "UID:need-42-aachen@ehrenamt-bot\r\n" in data
    assert "DTSTART:20261205T090000Z" in data and "DTEND:20261205T120000Z" in data
    assert "SUMMARY:Aufräumen\\, Teil 1\\; mit Kaffee" in data
    assert "Zeile 1\\nZeile 2" in data
    assert all(len(line.encode()) <= 75 for line in data.split("\r\n"))
    assert "\n" not in data.replace("\r\n", "")

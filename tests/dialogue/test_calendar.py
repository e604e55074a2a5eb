"""The .ics file a sign-up sends (RFC 5545)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

from core.calendar import IcsFacts, calendar_ics, event_ics, need_ics
from core.models import NeedStatus
from core.schedule import Weekly
from core.services.needs import NeedDetail

STAMP = datetime(2026, 12, 1, 9, tzinfo=UTC)


def need(**changes: object) -> NeedDetail:
    """The Tafel's Saturday need in Burtscheid, with ``changes``."""
    base = NeedDetail(
        id=8,
        tenant_id=1,
        tenant_slug="aachen",
        organisation_id=1,
        organisation="Tafel",
        title="Ausgabe",
        description="Lebensmittel ausgeben",
        category="soziales",
        qualifications=(),
        remote=False,
        lat=50.77,
        lon=6.08,
        place_label="Burtscheid",
        starts_at=datetime(2026, 12, 5, 9, tzinfo=UTC),
        ends_at=datetime(2026, 12, 5, 12, tzinfo=UTC),
        weekly=None,
        helpers_wanted=2,
        helpers_taken=0,
        urgent=False,
        status=NeedStatus.PUBLISHED,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


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


def test_a_weekly_need_is_a_series_at_its_local_hour() -> None:
    weekly = need(
        id=7,
        title="Ausgabe, dienstags",
        description="",
        starts_at=None,
        ends_at=None,
        weekly=Weekly(("di", "do"), time(15), time(17)),
    )
    text = calendar_ics([weekly], tz_name="Europe/Berlin", stamp=STAMP).decode()
    assert "RRULE:FREQ=WEEKLY;BYDAY=TU,TH" in text
    assert "DTSTART;TZID=Europe/Berlin:20261124T150000" in text  # 15:00 local, not UTC
    assert "BEGIN:VTIMEZONE" in text and "UID:need-7-aachen@ehrenamt-bot" in text
    assert "SUMMARY:Ausgabe\\, dienstags" in text


def test_a_needs_file_is_one_event_or_its_series_with_its_changes() -> None:
    """``need_ics`` (through ``dialogue.calendar.need_calendar``): a one-off
    need is one event, a weekly one its series, both with the SEQUENCE and
    status of the need's changes; a need without a date has no file."""
    cancelled = IcsFacts(sequence=3, cancelled=True)
    one = need_ics(need(), tz_name="Europe/Berlin", stamp=STAMP, facts=cancelled)
    assert one is not None
    text = one.decode()
    assert "UID:need-8-aachen@ehrenamt-bot" in text and "DTSTART:20261205T090000Z" in text
    assert "SEQUENCE:3" in text and "STATUS:CANCELLED" in text
    assert "DESCRIPTION:Tafel\\nLebensmittel ausgeben" in text and "LOCATION:Burtscheid" in text
    weekly = need(starts_at=None, ends_at=None, weekly=Weekly(("di",), time(15), time(17)))
    series = need_ics(weekly, tz_name="Europe/Berlin", stamp=STAMP, facts=cancelled)
    assert series is not None
    assert "RRULE:FREQ=WEEKLY;BYDAY=TU" in series.decode() and "SEQUENCE:3" in series.decode()
    undated = need(starts_at=None, ends_at=None)
    assert need_ics(undated, tz_name="Europe/Berlin", stamp=STAMP) is None

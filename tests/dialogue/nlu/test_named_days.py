"""The day a short message names, back (hours) or ahead (a date skipped)."""

from __future__ import annotations

from datetime import date

import pytest

from dialogue.nlu.extractors.named_days import named_day

THURSDAY = date(2026, 12, 10)


@pytest.mark.parametrize(
    ("text", "past", "day"),
    [
        ("war gestern 3 Stunden da", True, date(2026, 12, 9)),
        ("vorgestern", True, date(2026, 12, 8)),
        ("am Mittwoch 2 Stunden", True, date(2026, 12, 9)),
        ("letzten Donnerstag", True, date(2026, 12, 3)),
        ("Donnerstag", True, THURSDAY),
        ("am 2.12. 3 Stunden", True, date(2026, 12, 2)),
        ("am 30.12.", True, date(2026, 12, 30)),  # close ahead: meant ahead, refused as such
        ("am 23.", True, date(2026, 11, 23)),
        ("Nächsten Mittwoch kann ich nicht", False, date(2026, 12, 16)),
        ("Mittwoch kann ich nicht", False, date(2026, 12, 16)),
        ("nächsten Donnerstag", False, date(2026, 12, 17)),
        ("I can't come on the 23rd", False, date(2026, 12, 23)),
        ("I can't come on the 3rd", False, date(2027, 1, 3)),
        ("am 5. Januar", False, date(2027, 1, 5)),
    ],
)
def test_named_day(text: str, past: bool, day: date) -> None:
    found = named_day(text, THURSDAY, past=past)
    assert found is not None and found.day == day


@pytest.mark.parametrize("text", ["2,5 Stunden", "I sat there for 3 hours", "mittwochs"])
def test_no_day(text: str) -> None:
    assert named_day(text, THURSDAY, past=True) is None

"""The one reader of durations and time spans (core.durations)."""

from __future__ import annotations

import pytest

from core.durations import find_duration, find_durations


@pytest.mark.parametrize(
    ("text", "iso", "minutes", "said"),
    [
        ("2,5 Stunden", "PT2H30M", 150, "2,5 Stunden"),
        ("1,5 Stunden", "PT1H30M", 90, "1,5 Stunden"),  # never five hours
        ("ca. 1,5 Std.", "PT1H30M", 90, "1,5 Std."),
        ("1 Std 30", "PT1H30M", 90, "1 Std 30"),
        ("1 Stunde und 30 Minuten", "PT1H30M", 90, "1 Stunde und 30 Minuten"),
        ("1h30", "PT1H30M", 90, "1h30"),
        ("anderthalb Stunden", "PT1H30M", 90, "anderthalb Stunden"),
        ("zweieinhalb Stunden", "PT2H30M", 150, "zweieinhalb Stunden"),
        ("eine halbe Stunde", "PT30M", 30, "eine halbe Stunde"),
        ("eine Viertelstunde", "PT15M", 15, "eine Viertelstunde"),
        ("90 min", "PT1H30M", 90, "90 min"),
        ("45 Minuten", "PT45M", 45, "45 Minuten"),
        ("von 9 bis 12", "PT3H", 180, "von 9 bis 12"),
        ("von halb 10 bis 12", "PT2H30M", 150, "von halb 10 bis 12"),  # spoken times
        ("viertel nach 2 bis halb 5 Uhr", "PT2H15M", 135, "viertel nach 2 bis halb 5 Uhr"),
        ("von neun bis zwölf", "PT3H", 180, "von neun bis zwölf"),
        ("9-12:30 Uhr", "PT3H30M", 210, "9-12:30 Uhr"),
        ("zwischen 9 und 12", "PT3H", 180, "zwischen 9 und 12"),
        ("2.5 hours", "PT2H30M", 150, "2.5 hours"),
        ("from 9 to 12", "PT3H", 180, "from 9 to 12"),
        ("half an hour", "PT30M", 30, "half an hour"),
        ("an hour and a half", "PT1H30M", 90, "an hour and a half"),
        ("1½ h", "PT1H30M", 90, "1½ h"),
        ("war gestern 3 Stunden da", "PT3H", 180, "3 Stunden"),
    ],
)
def test_reads_hours_and_spans(text: str, iso: str, minutes: int, said: str) -> None:
    found = find_duration(text)
    assert found is not None
    assert (found.iso, found.minutes, text[found.start : found.end]) == (iso, minutes, said)


@pytest.mark.parametrize(
    ("text", "iso"),
    [("zwei Wochen Pause", "P2W"), ("einen Monat", "P1M"), ("a week", "P1W"), ("3 Tage", "P3D")],
)
def test_calendar_durations_have_no_minutes(text: str, iso: str) -> None:
    (found,) = find_durations(text)
    assert (found.iso, found.minutes, found.kind) == (iso, None, "calendar")
    assert find_duration(text) is None


@pytest.mark.parametrize(
    "text", ["10 Uhr", "von 12 bis 9", "3-4", "5", "Hallo", "am 23.12.", "9 und 12"]
)
def test_no_duration(text: str) -> None:
    assert find_duration(text) is None


def test_a_number_after_the_hours_is_minutes_only_at_the_end() -> None:
    (found,) = find_durations("3 Std 10 Leute")
    assert found.iso == "PT3H"


def test_clock_ranges_can_be_left_to_the_times() -> None:
    text = "Samstag 10-14 Uhr, ca. 2,5 Stunden"
    assert [d.iso for d in find_durations(text)] == ["PT4H", "PT2H30M"]
    assert [d.iso for d in find_durations(text, ranges=False)] == ["PT2H30M"]


def test_the_nlu_reads_a_decimal_comma_as_part_of_its_number() -> None:
    from dialogue.nlu.extractors.quantities import extract_durations

    assert [(e.value, e.start, e.end) for e in extract_durations("ca. 1,5 Stunden")] == [
        ("PT1H30M", 4, 15)
    ]


def test_the_nlu_leaves_a_clock_like_bare_h_to_the_times() -> None:
    from dialogue.nlu.extractors.quantities import extract_durations

    assert extract_durations("Samstag um 14 h") == []
    assert [e.value for e in extract_durations("ca. 2,5h")] == ["PT2H30M"]

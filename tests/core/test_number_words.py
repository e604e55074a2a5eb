"""Clock times as people say them (``core.number_words``)."""

from __future__ import annotations

import pytest

from core.number_words import hour_of_word, spoken_times, widened, with_spoken_times
from core.number_words import rewritten as rewritten_text


@pytest.mark.parametrize(
    ("text", "hhmm"),
    [
        ("halb 10", "09:30"),
        ("Halb zehn", "09:30"),
        ("um halb 8", "07:30"),  # the hour named decides: 8 is a morning hour
        ("halb 7", "18:30"),  # 7 and less: the afternoon's
        ("viertel nach 3", "15:15"),
        ("Viertel nach zehn", "10:15"),
        ("viertel vor 8", "07:45"),
        ("dreiviertel 8", "07:45"),
        ("drei viertel neun", "08:45"),
        ("halb eins", "12:30"),
    ],
)
def test_a_spoken_time_is_its_clock_time(text: str, hhmm: str) -> None:
    assert [t.hhmm for t in spoken_times(text)] == [hhmm]


def test_without_afternoon_hours_are_as_named() -> None:
    assert [t.hhmm for t in spoken_times("von viertel nach 2 bis 5", afternoon=False)] == ["02:15"]


@pytest.mark.parametrize(
    "text",
    [
        "eine halbe Stunde",  # a duration
        "anderthalb Stunden",
        "dreiviertel Stunde",
        "halb 2 Stunden",  # an amount, not a time
        "halb 10:30",  # digits already
        "Frankenberger Viertel",
        "halbtags",
    ],
)
def test_no_spoken_time_where_there_is_none(text: str) -> None:
    assert spoken_times(text) == []
    assert with_spoken_times(text) == text


def test_rewritten_text_keeps_every_offset() -> None:
    text = "Samstag ab halb 10 bis viertel nach zwölf, und zehn Uhr am Sonntag"
    rewritten = with_spoken_times(text)
    assert len(rewritten) == len(text)
    assert rewritten.index("Sonntag") == text.index("Sonntag")
    assert "ab   09:30 bis              12:15," in rewritten
    assert "und   10 Uhr" in rewritten


def test_hours_as_words_between_von_and_bis() -> None:
    assert with_spoken_times("von neun bis zwölf") == "von    9 bis    12"
    assert with_spoken_times("zwei bis drei Leute") == "zwei bis drei Leute"  # no hours


def test_a_span_found_in_the_rewritten_text_is_widened_to_the_spoken_words() -> None:
    text = "ab halb 10 Uhr"
    rewritten, spans = rewritten_text(text)
    at = rewritten.index("09:30")
    assert text[slice(*widened(at, at + 5, spans))] == "halb 10"
    assert widened(0, 2, spans) == (0, 2)  # "ab" is as it was


def test_hour_of_word() -> None:
    assert hour_of_word("zehn") == 10
    assert hour_of_word("Zwölf") == 12
    assert hour_of_word("10") == 10
    assert hour_of_word("Hund") is None

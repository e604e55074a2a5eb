"""The yes/no rule of ``dialogue.choices`` (rule 4): a typed yes or no
presses the offered button marked as that answer (``Button.answer``)."""

from __future__ import annotations

import pytest

from dialogue.choices import press
from dialogue.messages import Button

INTERESTS = [
    ("🌳 Umwelt", "cat:umwelt"),
    ("👧 Kinder & Jugend", "cat:kinder"),
    ("Fertig ➡️", "done"),
]


QUALIFICATION = [
    Button("✅ Ja, habe ich – mitmachen", "need:7:q:fuehrerschein:yes", "yes"),
    Button("📝 Beantrage ich – mitmachen", "need:7:q:fuehrerschein:later"),
    Button("Nein, habe ich nicht", "need:7:q:fuehrerschein:no", "no"),
]


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("ja", "need:7:q:fuehrerschein:yes"),
        ("Jep!", "need:7:q:fuehrerschein:yes"),
        ("klar", "need:7:q:fuehrerschein:yes"),
        ("ok", "need:7:q:fuehrerschein:yes"),
        ("yes", "need:7:q:fuehrerschein:yes"),
        ("Ja, habe ich", "need:7:q:fuehrerschein:yes"),
        ("yes I do", "need:7:q:fuehrerschein:yes"),
        ("nein", "need:7:q:fuehrerschein:no"),
        ("no thanks", "need:7:q:fuehrerschein:no"),
        ("Nein, habe ich nicht", "need:7:q:fuehrerschein:no"),  # its label
        ("2", "need:7:q:fuehrerschein:later"),
        ("Ja, habe ich nicht", None),  # says both: the NLU reads it
        ("ja, mit Tieren in Brand", None),  # more than an answer
    ],
)
def test_a_typed_yes_or_no_presses_the_button_marked_so(typed: str, payload: str | None) -> None:
    assert press(typed, QUALIFICATION) == payload
    # the same as the engine and the Matrix store keep the offer
    kept = [[b.label, b.payload, *([b.answer] if b.answer else [])] for b in QUALIFICATION]
    assert press(typed, kept) == payload


def test_yes_presses_nothing_without_a_yes_button() -> None:
    assert press("ja", INTERESTS) is None
    assert press("nein", [Button("Ja", "y", "yes"), Button("Später", "l")]) is None

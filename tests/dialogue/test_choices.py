"""The one choice rule (``dialogue.choices``) as a truth table: what a typed
number or label presses, and how a channel without buttons lists the offer."""

from __future__ import annotations

import pytest

from dialogue.choices import MAX_LABEL_TEXT, label_key, listed, offered, offering, press
from dialogue.messages import Button, Reply

RADIUS = [
    ("2 km", "f:radius:2"),
    ("5 km", "f:radius:5"),
    ("10 km", "f:radius:10"),
    ("25 km", "f:radius:25"),
    ("Zurück", "nav:back"),
    ("Abbrechen", "nav:cancel"),
]
INTERESTS = [
    ("🌳 Umwelt", "cat:umwelt"),
    ("👧 Kinder & Jugend", "cat:kinder"),
    ("Fertig ➡️", "done"),
]
MATCHES = [("1 · Gassigehen mit Tieren", "need:4"), ("2 · Vorlesen", "need:9"), ("Mehr", "more")]


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("5", "f:radius:5"),  # the label "5 km", never the fifth button "Zurück"
        ("5.", "f:radius:5"),
        ("(5)", "f:radius:5"),
        ("25", "f:radius:25"),
        ("10 km", "f:radius:10"),
        ("zurück", "nav:back"),
        ("ABBRECHEN!", "nav:cancel"),
        ("1", None),  # no "1 km": the radius slot reads it, not the first button
        ("6", None),  # not "Abbrechen"
        ("52062", None),
    ],
)
def test_at_the_radius_prompt_numbers_mean_kilometres(typed: str, payload: str | None) -> None:
    assert press(typed, RADIUS) == payload


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("1", "cat:umwelt"),
        ("2)", "cat:kinder"),
        (" 3. ", "done"),
        ("umwelt", "cat:umwelt"),
        ("🌳 UMWELT", "cat:umwelt"),
        ("kinder &  jugend", "cat:kinder"),
        ("Kinder Jugend", "cat:kinder"),
        ("fertig", "done"),
        ("4", None),
        ("0", None),
        ("Umweltschutz", None),
        ("", None),
        ("🎉", None),
    ],
)
def test_elsewhere_numbers_pick_by_position(typed: str, payload: str | None) -> None:
    assert press(typed, INTERESTS) == payload


def test_a_numbered_list_of_matches_keeps_its_numbers() -> None:
    assert press("2", MATCHES) == "need:9"
    assert press("3", MATCHES) is None  # "Mehr" is third, but the list says 1 and 2
    assert press("mehr", MATCHES) == "more"


def test_buttons_and_pairs_are_the_same_offer() -> None:
    buttons = [Button(label, payload) for label, payload in RADIUS]
    assert press("5", buttons) == press("5", RADIUS) == "f:radius:5"


def test_nothing_offered_nothing_pressed() -> None:
    assert press("1", []) is None
    assert press("Umwelt", ()) is None


def test_a_long_answer_is_no_label() -> None:
    label = "a" * (MAX_LABEL_TEXT + 1)
    assert press(label, [(label, "long")]) is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("🌳 Umwelt", "umwelt"),
        ("  Kinder  &  Jugend ", "kinder jugend"),
        ("(2)", "2"),
        ("Sa, So ganztags", "sa so ganztags"),
        ("2,5 km", "2,5 km"),
        ("E-Mail", "e-mail"),
    ],
)
def test_label_key(text: str, key: str) -> None:
    assert label_key(text) == key


def test_listed_numbers_by_position_or_not_at_all() -> None:
    assert listed(["Umwelt", "Kinder"]) == [("1", "Umwelt"), ("2", "Kinder")]
    assert listed([label for label, _ in RADIUS]) == [("", label) for label, _ in RADIUS]


def test_the_offer_is_the_last_reply_with_buttons() -> None:
    first = Reply("a", buttons=(Button("A", "a"),))
    second = Reply("b", buttons=(Button("B", "b"),))
    assert offered([first, second, Reply("c")]) == second.buttons
    assert offered([Reply("nothing")]) == ()


def test_the_last_reply_with_buttons_is_the_one_offering() -> None:
    """Channels without buttons number only that reply's buttons."""
    first = Reply("Ergebnis", (Button("Mehr", "more"),))
    second = Reply("Wie weit?", tuple(Button(label, payload) for label, payload in RADIUS))
    assert offering([first, second, Reply("…")]) == 1
    assert offering([first]) == 0
    assert offering([Reply("…")]) == -1 and offered([Reply("…")]) == ()
    assert offered([first, second, Reply("…")]) == second.buttons

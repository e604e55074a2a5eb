"""The one choice rule: offered buttons as numbered text, and what a typed
number or label presses.

Channels with real buttons (Telegram, the web chat) send a press as a payload;
what people *type* there reaches the engine, which asks :func:`press`. Channels
without buttons (the console, Matrix) show the offer with :func:`listed` and
turn a typed answer into a press with the same :func:`press`. So a "5" means
the same button everywhere::

    offered  2 km · 5 km · 10 km · 25 km · Zurück · Abbrechen
    shown    • 2 km   • 5 km  …  • Zurück   (labels carry their own numbers)
    "5"      → 5 km   (never the fifth button)
    "zurück" → Zurück

    offered  Umwelt · Kinder & Jugend
    shown    1) Umwelt   2) Kinder & Jugend
    "2"      → Kinder & Jugend

The rule:

1. A typed number means the button whose label starts with that number
   ("5 km", "1 · Gassigehen"). When any offered label starts with a number,
   numbers mean label numbers only: positions are neither shown nor used
   (at the radius prompt "7" is 7 km for the radius slot, not "Abbrechen").
2. Otherwise a typed number ("2", "2.", "(2)") picks by position, from 1.
3. Any other text presses the button whose label it equals, ignoring case,
   spacing, and emoji and punctuation around words (:func:`label_key`).
4. Failing that, a typed yes or no ("ja", "jep", "ok", "nein", "no", also
   leading a short answer: "Ja, habe ich", "nein danke";
   ``dialogue.understanding.yes_or_no``) presses the offered button marked
   as that answer (``Button.answer``), if there is one::

       offered  ✅ Ja, habe ich – mitmachen [yes] · 📝 Beantrage ich · Nein [no]
       "ja"     → ✅ Ja, habe ich – mitmachen

What a turn offers is the buttons of its last reply that has buttons: the set
``DialogueState.offer`` keeps for the engine (:func:`offered`).

A reminder or alert is no turn: its yes/no question ("Kommst du morgen?
[Ja, ich komme] [Ich kann nicht]") is kept beside the offer
(``DialogueState.notice``) and the very next typed answer may answer it by
its label or a yes/no (:func:`answers`), never by a number (numbers stay
with the conversation's own offer).

Linear in the text (no backtracking regex on what people type); a typed
answer longer than :data:`MAX_LABEL_TEXT` presses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dialogue.messages import Button, Reply, button_of
from dialogue.understanding import yes_or_no

__all__ = [
    "MAX_LABEL_TEXT",
    "Offer",
    "answers",
    "by_position",
    "label_key",
    "listed",
    "offered",
    "offering",
    "press",
]

# A typed answer longer than this is no button label (labels are short).
MAX_LABEL_TEXT = 200
# Longer digit runs are postcodes or phone numbers, never a choice.
_MAX_CHOICE_DIGITS = 3

# One offered button: (label, payload) or (label, payload, answer), as the
# engine and the Matrix store keep it (``dialogue.messages.offer_of``).
Offer = tuple[str, ...]


def label_key(text: str) -> str:
    """What a typed answer and a button label are compared by: case folded,
    spacing collapsed, emoji and punctuation cut around each word
    ("🌳 Umwelt" → "umwelt", "(2)" → "2", "Sa, So" → "sa so")."""
    words = []
    for word in text.casefold().split():
        start, end = 0, len(word)
        while start < end and not word[start].isalnum():
            start += 1
        while end > start and not word[end - 1].isalnum():
            end -= 1
        if start < end:
            words.append(word[start:end])
    return " ".join(words)


def _own_number(key: str) -> str | None:
    first = key.partition(" ")[0]
    return first if first.isdecimal() else None


def _as_buttons(buttons: Iterable[Button | Sequence[str]]) -> list[Button]:
    return [b if isinstance(b, Button) else button_of(tuple(b)) for b in buttons]


def by_position(labels: Iterable[str]) -> bool:
    """Whether numbers pick these labels by position (rule 2): none of them
    starts with a number of its own."""
    return not any(_own_number(label_key(label)) for label in labels)


def listed(labels: Sequence[str]) -> list[tuple[str, str]]:
    """How a channel without buttons shows an offer: (marker, label) per
    button, the marker a position number ("1", "2", …) or "" where the labels
    carry their own numbers (the channel puts a bullet there)."""
    if not by_position(labels):
        return [("", label) for label in labels]
    return [(str(n), label) for n, label in enumerate(labels, start=1)]


def offering(replies: Sequence[Reply]) -> int:
    """Which of these replies offers the buttons a typed answer presses: the
    last one that has buttons (-1: none). A channel lists that reply's
    buttons by :func:`listed` and only bullets the earlier ones'."""
    return next((i for i in range(len(replies) - 1, -1, -1) if replies[i].buttons), -1)


def offered(replies: Sequence[Reply]) -> tuple[Button, ...]:
    """The buttons a typed answer can press after these replies: those of the
    last reply that has buttons (the same set the engine keeps)."""
    last = offering(replies)
    return replies[last].buttons if last >= 0 else ()


def press(text: str, offer: Iterable[Button | Sequence[str]]) -> str | None:
    """The payload of the offered button ``text`` means, if any (the rule above)."""
    if len(text) > MAX_LABEL_TEXT:
        return None  # no label is this long: cut before reading
    offers = _as_buttons(offer)
    if not offers:
        return None
    key = label_key(text)
    if not key:
        return None
    keys = [label_key(b.label) for b in offers]
    if key.isdecimal() and len(key) <= _MAX_CHOICE_DIGITS:
        numbers = [_own_number(k) for k in keys]
        if any(numbers):
            return next((b.payload for n, b in zip(numbers, offers, strict=True) if n == key), None)
        index = int(key) - 1
        return offers[index].payload if 0 <= index < len(offers) else None
    labelled = next((b.payload for k, b in zip(keys, offers, strict=True) if k == key), None)
    if labelled is not None or not any(b.answer for b in offers):
        return labelled
    answer = yes_or_no(text)
    return next((b.payload for b in offers if answer and b.answer == answer), None)


def answers(text: str, question: Iterable[Button | Sequence[str]]) -> str | None:
    """The payload of the button of a question sent outside a turn (a
    reminder's) that ``text`` answers: its label, or a typed yes or no for
    the button marked so (rules 3 and 4); a number answers nothing here."""
    if len(text) > MAX_LABEL_TEXT or label_key(text).isdecimal():
        return None
    return press(text, question)

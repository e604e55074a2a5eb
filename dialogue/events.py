"""One incoming event: normalised (a typed number or label of an offered
button becomes its press, a typed ``/command`` a command), then routed to
what the flows registered (``dialogue/registry.py``); never silent."""

from __future__ import annotations

import re

from dialogue import routing
from dialogue.commands import COMMANDS
from dialogue.free_text import handle_text
from dialogue.language_following import language_note
from dialogue.messages import Incoming
from dialogue.state import DialogueState
from dialogue.turn import Event, Turn

__all__ = ["MAX_ARGS", "MAX_TEXT", "handle_event", "normalise"]

MAX_TEXT = 1000  # longer texts get a friendly "too long"; nobody onboards in an essay
MAX_ARGS = 200  # a command's arguments (a deep link's start parameter is at most 64)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


async def handle_event(turn: Turn, incoming: Incoming) -> bool:
    """Handle the event; True when the conversation's state is to be dropped."""
    event = normalise(turn, incoming)
    drop = False
    if event.kind == "command":
        drop = await routing.command(turn, event.command, event.args)
    elif event.kind == "button":
        drop = await routing.press(turn, event)
    elif event.kind == "location":
        await routing.location(turn, event)
    elif event.kind == "empty":
        turn.say(turn.t("error.empty"))
        await routing.reask(turn)
    elif event.kind == "too_long":
        turn.say(turn.t("error.too_long", max=MAX_TEXT))
        await routing.reask(turn)
    else:
        drop = await handle_text(turn, event)
    if not turn.replies:  # never silent
        turn.say(turn.t("error.not_understood"), turn.menu())
    language_note(turn)
    return drop


def normalise(turn: Turn, incoming: Incoming) -> Event:
    if incoming.command is not None:
        return Event(
            "command",
            command=incoming.command.strip()[:MAX_ARGS].lstrip("/").lower(),
            args=(incoming.args or "")[:MAX_ARGS].strip(),
        )
    if incoming.button is not None:
        return Event("button", payload=incoming.button.strip()[:200])
    if incoming.location is not None:
        return Event("location", location=incoming.location)
    if len(incoming.text or "") > MAX_TEXT:
        # Cut off before anything reads it: parsing costs grow with length.
        return Event("too_long")
    text = _CONTROL.sub(" ", incoming.text or "").strip()
    if not text:
        return Event("empty")
    if text.startswith("/") and not text.startswith("/intent"):
        name, _, args = text[1:].partition(" ")
        if name.lower() in COMMANDS:
            return Event("command", command=name.lower(), args=args.strip())
    pressed = _pressed(turn.state, text)
    if pressed is not None:
        return Event("button", payload=pressed, text=text)
    return Event("text", text=text)


# The typed choice: helper `channels` replaces these two with dialogue/choices.py
# (one choice rule for every channel); the call above is the one place to swap.
def _pressed(state: DialogueState, text: str) -> str | None:
    """The payload of an offered button typed by number ("2") or label."""
    if not state.buttons:
        return None
    stripped = text.strip().rstrip(".)")
    if stripped.isdecimal():  # "²" is a digit to isdigit(), not to int()
        # "5" at "2 km / 5 km / 10 km" means the label "5 km", not the fifth button.
        for label, payload in state.buttons:
            if _label_key(label).split(" ")[0] == stripped:
                return payload
        index = int(stripped) - 1
        return state.buttons[index][1] if 0 <= index < len(state.buttons) else None
    key = _label_key(text)
    if not key:
        return None
    for label, payload in state.buttons:
        if _label_key(label) == key:
            return payload
    return None


def _label_key(text: str) -> str:
    # Emoji and check marks in labels are decoration, not part of the name.
    return " ".join(
        "".join(c for c in text.casefold() if c.isalnum() or c.isspace() or c in ".,-").split()
    )

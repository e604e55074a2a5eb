"""One incoming event: normalised (a typed number or label of an offered
button becomes its press, a typed ``/command`` a command), then routed to
what the flows registered (``dialogue/registry.py``); never silent."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from dialogue import routing
from dialogue.choices import answers, press
from dialogue.commands import COMMANDS
from dialogue.free_text import handle_text
from dialogue.language_following import language_note
from dialogue.messages import Incoming
from dialogue.turn import Event, Turn

__all__ = ["MAX_ARGS", "MAX_TEXT", "handle_event", "normalise"]

MAX_TEXT = 1000  # longer texts get a friendly "too long"; nobody onboards in an essay
MAX_ARGS = 200  # a command's arguments (a deep link's start parameter is at most 64)
# Commands that are about the open form itself: the others ("/termine", "/suche")
# set it aside and offer the way back to it, as their typed menu label does.
_ABOUT_THE_FORM = frozenset({"start", "cancel", "back"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


async def handle_event(turn: Turn, incoming: Incoming) -> bool:
    """Handle the event; True when the conversation's state is to be dropped."""
    notice = turn.state.notice
    turn.state.notice = None  # a reminder's question: only the very next event answers it
    event = normalise(turn, incoming, notice)
    drop = False
    if event.kind == "command":
        drop = await _command(turn, event)
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


async def _command(turn: Turn, event: Event) -> bool:
    """A ``/command``; one that answers something else while a form is open
    keeps the form to go back to (``routing.aside``: "Zurück zu meinen Angaben")."""
    action = COMMANDS.get(event.command)
    if action is None or action in _ABOUT_THE_FORM:
        return await routing.command(turn, event.command, event.args)
    return await routing.aside(turn, lambda: routing.command(turn, event.command, event.args))


def normalise(turn: Turn, incoming: Incoming, notice: dict[str, Any] | None = None) -> Event:
    """``notice``: the yes/no question of a reminder sent since the last
    event (``DialogueState.notice``); a typed answer to it comes first, as
    the most recent question, while it is open."""
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
    pressed = _answer_to_notice(text, notice, turn.now) if notice else None
    if pressed is None:
        pressed = press(text, turn.state.buttons)
    if pressed is not None:
        return Event("button", payload=pressed, text=text)
    return Event("text", text=text)


def _answer_to_notice(text: str, notice: dict[str, Any], now: datetime) -> str | None:
    try:
        until = datetime.fromisoformat(str(notice["until"]))
        buttons = [list(b) for b in notice["buttons"]]
    except (KeyError, TypeError, ValueError):
        return None  # written by another version: nothing to answer
    if until.tzinfo is None or now >= until:
        return None  # no longer open (the date began, the alert is old)
    return answers(text, buttons)

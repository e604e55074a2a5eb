"""Telegram commands: the German names are canonical, English ones are aliases.

``/passt`` and ``/matches`` both reach the engine as ``Incoming(command="passt")``.
"""

from __future__ import annotations

from typing import Final

from dialogue.commands import COMMAND_ALIASES

# The vocabulary is the dialogue's, shared with the other channels.
ALIASES: Final[dict[str, str]] = COMMAND_ALIASES


def canonical_command(name: str) -> str:
    """``matches`` -> ``passt``; known German names and unknown names stay as they are
    (the engine answers an unknown command politely)."""
    name = name.lower()
    return ALIASES.get(name, name)


def parse_command(text: str, bot_username: str | None) -> tuple[str, str] | None:
    """``/start need_42`` -> ("start", "need_42"); ``/hilfe@OtherBot`` -> None.

    Returns None when the text is no command or a command for another bot.
    """
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    name, _, addressee = head.partition("@")
    if not name or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
        return None
    if addressee and (bot_username is None or addressee.lower() != bot_username.lower()):
        return None
    return canonical_command(name), args.strip()

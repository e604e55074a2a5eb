"""The console channel: ``ehrenamt chat`` for people, ``--jsonl`` for programs.

Translation only, like every adapter: a typed line becomes an ``Incoming``,
``engine.handle`` answers, and the replies are rendered — as plain text with
numbered options for a person in a terminal (``interactive``), or as one JSON
object per reply for a program (``jsonl``, DESIGN.md, "Scripted console
contract")::

    stdin line ──parse──▶ Incoming ──engine.handle──▶ [Reply] ──render──▶ stdout
        │                                                          │
        └─ "1" / "Umwelt" ─▶ button payload   (last offered buttons)◀┘

A typed number or label presses a button by the one choice rule
(``dialogue.choices``), as in every channel. The console's own few texts live
in ``data/texts/channels/console.yml``.
"""

from __future__ import annotations

from bots.console.interactive import (
    ConsoleSession,
    Notice,
    Quit,
    parse_location,
    run_interactive,
)
from bots.console.jsonl import ConsoleClock, JsonlError, ScriptLine, parse_jsonl_line, run_jsonl
from bots.console.render import (
    TEXTS_FILE,
    ConsoleTexts,
    Rendered,
    load_texts,
    render_replies,
    reply_json,
)
from bots.console.stdin import LineReader

__all__ = [
    "TEXTS_FILE",
    "ConsoleClock",
    "ConsoleSession",
    "ConsoleTexts",
    "JsonlError",
    "LineReader",
    "Notice",
    "Quit",
    "Rendered",
    "ScriptLine",
    "load_texts",
    "parse_jsonl_line",
    "parse_location",
    "render_replies",
    "reply_json",
    "run_interactive",
    "run_jsonl",
]

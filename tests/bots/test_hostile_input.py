"""Issue 11, finding 4: a long hostile message costs every channel's input
path less than 50 ms (no quadratic regex on what people type). Each shape is
64 KB; the shapes are the ones backtracking regexes choke on: runs of
punctuation between words, digits, separators and number ranges."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from telegram import Update

from bots.console import ConsoleSession, ConsoleTexts
from bots.matrix import render as matrix
from bots.telegram.commands import parse_command as telegram_command
from bots.telegram.translate import to_incoming
from core.services.accounts import EMAIL
from dialogue.choices import label_key, press
from dialogue.messages import Button
from dialogue.understanding import word_of

SIZE = 64 * 1024
BUDGET_S = 0.050


def _fill(piece: str, *, head: str = "a", tail: str = "a") -> str:
    body = (piece * (SIZE // len(piece) + 1))[: SIZE - len(head) - len(tail)]
    return head + body + tail


SHAPES = {
    "punctuation": "!" * SIZE,
    "punctuation_between_words": _fill("!"),
    "dots_between_words": _fill("."),
    "emoji_between_words": _fill("🙂"),
    "dashes": _fill("-"),
    "digits": "1" * SIZE,
    "spaces_between_words": _fill(" "),
    "time_ranges": _fill("10-12 "),
    "number_words": _fill("1 bis "),
    "dates": _fill("12.12. "),
    "reply_fallback": "> <@x:y> " + _fill(">"),
    "command": "!start " + _fill("!"),
    "slash_command": "/start " + _fill("!"),
    "email_like": "a@" + "." * SIZE + " ",
    "markup": _fill("<b>&amp;"),
}


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _assert_fast(path: str, work: Callable[[str], object]) -> None:
    slow = {}
    for name, body in SHAPES.items():
        # The best of two runs: the machine is shared, a quadratic path is
        # seconds, not a scheduling hiccup.
        took = min(_timed(lambda b=body: work(b)) for _ in range(2))  # type: ignore[misc]
        if took >= BUDGET_S:
            slow[name] = round(took * 1000, 1)
    assert not slow, f"{path}: ms per 64 KB body over the budget: {slow}"


OFFERED = [("🌳 Umwelt", "cat:umwelt"), ("Ja, gern!", "yes"), ("Weiter", "next")]


def test_matrix_input_path_is_linear() -> None:
    def matrix_input(body: str) -> None:
        text = matrix.strip_reply_fallback(body)
        matrix.parse_command(text)
        matrix.parse_geo_uri(text)
        matrix.mentions(text, text, None, "@bot:example.org", ["Ehrenamt-Bot"])
        text = matrix.strip_mention(text, ["Ehrenamt-Bot", "@bot:example.org"])
        press(text, OFFERED)

    _assert_fast("matrix", matrix_input)


def test_console_input_path_is_linear(tmp_path: Path) -> None:
    session = ConsoleSession(
        engine=None,  # type: ignore[arg-type]
        tenant="aachen",
        identity="console:test",
        texts=ConsoleTexts("de", {}),
        attachments_dir=tmp_path,
        offered=tuple(Button(label, payload) for label, payload in OFFERED),
    )

    def console_input(body: str) -> None:
        session.translate(body)
        press(body, session.offered)

    _assert_fast("console", console_input)


def test_the_choice_rule_is_linear_past_its_length_cap() -> None:
    """``press`` cuts at MAX_LABEL_TEXT; the key it compares by is linear anyway."""
    _assert_fast("choices", label_key)


def test_telegram_adapter_input_path_is_linear() -> None:
    def telegram_input(body: str) -> None:
        update = Update.de_json(
            {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 4711, "type": "private"},
                    "from": {"id": 4711, "is_bot": False, "first_name": "A"},
                    "text": body,
                },
            },
            None,  # type: ignore[arg-type]
        )
        to_incoming(update, "aachen", "ehrenamt_bot")
        telegram_command(body, "ehrenamt_bot")

    _assert_fast("telegram", telegram_input)


def test_fixed_words_and_email_checks_are_linear() -> None:
    _assert_fast("word_of", word_of)
    _assert_fast("email", EMAIL.match)

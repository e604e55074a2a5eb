"""Reply -> Telegram: message chunks, keyboards and safe callback data.

Pure functions over ``dialogue.messages`` values and PTB's value types; the
channel does the I/O.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import deque
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from dialogue.messages import Button

log = logging.getLogger(__name__)

# Telegram allows 4,096 characters after entity parsing, counted in UTF-16 code
# units. We measure the raw markup (never shorter than the parsed text) and keep
# room for the closing and re-opened tags a split adds.
MESSAGE_LIMIT = 4000
CALLBACK_DATA_LIMIT = 64  # bytes

_PIECE = re.compile(r"<[^>]*>|&#?\w+;|\n|[ \t]+|[^<&\n \t]+|[<&]")
_OPEN = re.compile(r"<([a-z]+)(?:\s[^>]*)?>")
_CLOSE = re.compile(r"</([a-z]+)\s*>")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _tag_name(open_tag: str) -> str:
    match = _OPEN.fullmatch(open_tag)
    return match.group(1) if match else ""


def _closing(open_tags: Sequence[str]) -> str:
    return "".join(f"</{_tag_name(tag)}>" for tag in reversed(open_tags))


def _pieces(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for piece in _PIECE.findall(text):
        # a word longer than half a chunk is cut into runs (never a tag: tags are short)
        while not piece.startswith("<") and _units(piece) > limit // 2:
            pieces.append(piece[: limit // 4])
            piece = piece[limit // 4 :]
        pieces.append(piece)
    return pieces


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split markup into chunks of at most ``limit`` UTF-16 units.

    Prefers line breaks, then spaces; never cuts inside a tag or an entity. A tag
    open across a cut is closed at the end of the chunk and re-opened at the
    start of the next, so each chunk is valid on its own.
    """
    if _units(text) <= limit:
        return [text]
    chunks: list[str] = []
    todo = deque(_pieces(text, limit))
    current: list[str] = []  # pieces of the chunk being built, re-opened tags first
    size = 0
    stack: list[str] = []  # open tags as written, e.g. '<a href="...">'
    # the best cut so far: (pieces before it, tags open there)
    at_newline: tuple[int, list[str]] | None = None
    at_space: tuple[int, list[str]] | None = None

    while todo:
        piece = todo.popleft()
        room_for_closing = sum(len(_tag_name(t)) + 3 for t in stack)
        if current and size + _units(piece) + room_for_closing > limit:
            at, open_tags = at_newline or at_space or (len(current), list(stack))
            head = "".join(current[:at]).rstrip() + _closing(open_tags)
            if "".join(current[:at]).strip():
                chunks.append(head)
            rest = current[at:]
            while rest and rest[0].isspace():
                rest.pop(0)
            todo.appendleft(piece)
            todo.extendleft(reversed(rest))  # the rest is measured again after the re-opened tags
            current, stack = list(open_tags), list(open_tags)
            size = sum(_units(p) for p in current)
            at_newline = at_space = None
            continue
        current.append(piece)
        size += _units(piece)
        if piece == "\n":
            at_newline = (len(current), list(stack))
        elif piece.isspace():
            at_space = (len(current), list(stack))
        elif piece.startswith("</"):
            if stack:
                stack.pop()
        elif _OPEN.fullmatch(piece):
            stack.append(piece)
    tail = "".join(current).rstrip()
    if tail.strip():
        chunks.append(tail)
    return chunks


def callback_data(payload: str) -> str:
    """The payload itself when it fits Telegram's 64 bytes.

    Payloads are designed to be short ids (``need:42:signup``). A longer one is a
    programming error: it is logged and replaced by ``~<hash>``, which the engine
    receives like any unknown payload and answers politely (the button is dead,
    the bot is not).
    """
    if 0 < len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
        return payload
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
    log.error(
        "button payload of %d bytes exceeds Telegram's %d-byte callback data; sent as ~%s",
        len(payload.encode("utf-8")),
        CALLBACK_DATA_LIMIT,
        digest,
    )
    return f"~{digest}"


def inline_keyboard(buttons: Sequence[Button], per_row: int = 1) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    per_row = max(1, per_row)
    rows = [
        [
            InlineKeyboardButton(b.label[:64] or "·", callback_data=callback_data(b.payload))
            for b in buttons[i : i + per_row]
        ]
        for i in range(0, len(buttons), per_row)
    ]
    return InlineKeyboardMarkup(rows)


def location_keyboard(label: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_location=True)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )

"""A person at a terminal: ``ehrenamt chat``.

A typed line becomes an ``Incoming`` (a number or label presses one of the
buttons offered last, by the one choice rule in ``dialogue.choices``),
``engine.handle`` answers, and the replies are shown as plain text.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bots.console.render import ConsoleTexts, render_replies
from dialogue.choices import press
from dialogue.messages import Attachment, Button, Incoming, Location
from dialogue.ports import ConversationEngine

__all__ = ["ConsoleSession", "Notice", "Quit", "parse_location", "run_interactive"]

log = logging.getLogger(__name__)

QUIT_COMMANDS = frozenset({"quit", "exit", "beenden"})
LOCATION_COMMANDS = frozenset({"location", "standort"})

_COMMAND = re.compile(r"^/([^\W\d][\w-]*)(?:\s+(.*))?$", re.S)
_FILENAME_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True, slots=True)
class Quit:
    """The person ended the chat."""


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the console answers itself, without the engine."""

    text: str


def parse_location(args: str) -> Location | None:
    """``50.77 6.08`` or ``50.77, 6.08`` as a location; None if not two
    coordinates in range."""
    parts = args.replace(",", " ").split()
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Location(lat=lat, lon=lon)


def _safe_filename(name: str) -> str:
    base = _FILENAME_UNSAFE.sub("_", Path(name).name).strip("._") or "anhang"
    return base[:120]


def _save_attachment(directory: Path, attachment: Attachment) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    name = _safe_filename(attachment.filename)
    stem, suffix = Path(name).stem, Path(name).suffix
    target = directory / name
    counter = 1
    while target.exists():
        counter += 1
        target = directory / f"{stem}-{counter}{suffix}"
    target.write_bytes(attachment.content)
    return target


@dataclass(slots=True)
class ConsoleSession:
    """One person at one terminal: remembers the buttons offered last."""

    engine: ConversationEngine
    tenant: str
    identity: str
    texts: ConsoleTexts
    attachments_dir: Path
    language_hint: str | None = None
    offered: tuple[Button, ...] = ()

    def translate(self, line: str) -> Incoming | Quit | Notice | None:
        """What a typed line means; None for an empty line."""
        text = line.strip()
        if not text:
            return None
        command = _COMMAND.match(text)
        if command:
            name, args = command.group(1).casefold(), (command.group(2) or "").strip()
            if name in QUIT_COMMANDS:
                return Quit()
            if name in LOCATION_COMMANDS:
                location = parse_location(args)
                if location is None:
                    return Notice(self.texts.get("location_usage"))
                return self._incoming(location=location)
            return self._incoming(command=name, args=args)
        payload = press(text, self.offered)
        if payload is not None:
            return self._incoming(button=payload)
        return self._incoming(text=line.rstrip("\r\n"))

    def _incoming(self, **event: Any) -> Incoming:
        return Incoming(
            identity=self.identity, tenant=self.tenant, language_hint=self.language_hint, **event
        )

    async def turn(self, incoming: Incoming) -> str:
        """Hand one event to the engine; the terminal text of its replies."""
        try:
            replies = await self.engine.handle(incoming)
        except Exception:
            log.exception("console turn failed (identity %s)", self.identity)
            return self.texts.get("error")
        rendered = render_replies(replies, self.texts)
        if replies:
            self.offered = rendered.offered
        lines = [rendered.text] if rendered.text else []
        for attachment in rendered.attachments:
            try:
                path = await asyncio.to_thread(_save_attachment, self.attachments_dir, attachment)
            except OSError:
                log.warning("could not save an attachment under %s", self.attachments_dir)
                lines.append(self.texts.get("attachment_failed", filename=attachment.filename))
            else:
                lines.append(
                    self.texts.get("attachment_saved", filename=attachment.filename, path=path)
                )
        return "\n".join(lines)


async def run_interactive(
    session: ConsoleSession,
    *,
    read_line: Callable[[], Awaitable[str | None]],
    write: Callable[[str], None],
    banner: str | None = None,
) -> int:
    """The terminal loop: read, translate, answer, until Ctrl-D or /quit."""
    if banner:
        write(banner + "\n\n")
    while True:
        line = await read_line()
        if line is None:
            write("\n" + session.texts.get("goodbye") + "\n")
            return 0
        action = session.translate(line)
        if action is None:
            continue
        if isinstance(action, Quit):
            write(session.texts.get("goodbye") + "\n")
            return 0
        if isinstance(action, Notice):
            write(action.text + "\n\n")
            continue
        output = await session.turn(action)
        if output:
            write(output + "\n\n")

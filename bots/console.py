"""The console channel: ``ehrenamt chat`` for people, ``--jsonl`` for programs.

Translation only, like every adapter: a typed line becomes an ``Incoming``,
``engine.handle`` answers, and the replies are rendered — as plain text with
numbered options for a person in a terminal, or as one JSON object per reply
for a program (DESIGN.md, "Scripted console contract")::

    stdin line ──parse──▶ Incoming ──engine.handle──▶ [Reply] ──render──▶ stdout
        │                                                          │
        └─ "1" / "Umwelt" ─▶ button payload   (last offered buttons)◀┘

The console's own few texts live in ``data/texts/channels/console.yml``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import queue
import re
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

from core.clock import as_utc
from core.settings import DATA_DIR
from core.tenants import TenantConfig
from dialogue.markup import to_plain
from dialogue.messages import (
    MAX_LABEL_TEXT,
    Attachment,
    Button,
    Incoming,
    Location,
    Reply,
    label_key,
)
from dialogue.ports import ConversationEngine

__all__ = [
    "TEXTS_FILE",
    "ConsoleClock",
    "ConsoleSession",
    "ConsoleTexts",
    "JsonlError",
    "LineReader",
    "Notice",
    "Quit",
    "ScriptLine",
    "choose",
    "load_texts",
    "parse_jsonl_line",
    "parse_location",
    "render_replies",
    "reply_json",
    "run_interactive",
    "run_jsonl",
]

log = logging.getLogger(__name__)

TEXTS_FILE = DATA_DIR / "texts" / "channels" / "console.yml"
FALLBACK_LANGUAGE = "de"
CHANNEL = "console"

QUIT_COMMANDS = frozenset({"quit", "exit", "beenden"})
LOCATION_COMMANDS = frozenset({"location", "standort"})

_CHOICE_NUMBER = re.compile(r"^\(?(\d{1,3})[.)]?$")
_COMMAND = re.compile(r"^/([^\W\d][\w-]*)(?:\s+(.*))?$", re.S)
_FILENAME_UNSAFE = re.compile(r"[^\w.\-]+")


# ── texts ────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class ConsoleTexts:
    """The console's own texts in one language, with the tenant's overrides."""

    language: str
    texts: Mapping[str, str]

    def get(self, key: str, **values: object) -> str:
        text = self.texts[key]
        return text.format(**values) if values else text


def load_texts(
    tenant: TenantConfig, language: str | None = None, path: Path = TEXTS_FILE
) -> ConsoleTexts:
    """Texts for ``language`` (else the tenant's first); missing keys fall back
    to German, a tenant overrides a key as ``console.<key>``."""
    with path.open(encoding="utf-8") as fh:
        raw: dict[str, dict[str, str]] = yaml.safe_load(fh)
    lang = language if language in raw else tenant.default_language
    lang = lang if lang in raw else FALLBACK_LANGUAGE
    merged = dict(raw[FALLBACK_LANGUAGE])
    merged.update(raw.get(lang, {}))
    for key, value in tenant.texts.get(lang, {}).items():
        if key.startswith("console."):
            merged[key.removeprefix("console.")] = value
    return ConsoleTexts(language=lang, texts=merged)


# ── clock ────────────────────────────────────────────────────────────────────


class ConsoleClock:
    """The system time until a script sets "now"; from then on fixed there."""

    def __init__(self) -> None:
        self._at: datetime | None = None

    @property
    def is_set(self) -> bool:
        return self._at is not None

    def now(self) -> datetime:
        return self._at if self._at is not None else datetime.now(UTC)

    def set(self, at: datetime) -> None:
        self._at = as_utc(at)


# ── reading stdin without blocking the loop ──────────────────────────────────


class LineReader:
    """Reads one line per request in a daemon thread.

    The event loop never blocks on the terminal or pipe, and — unlike
    ``asyncio.to_thread`` — a pending read does not keep the process alive
    after Ctrl-C. Works for terminals, pipes and files alike.
    ``read`` returns a line, or ``None`` / raises ``EOFError`` at the end."""

    def __init__(self, read: Callable[[], Any]) -> None:
        self._read = read
        self._requests: queue.SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]]
        self._requests = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def readline(self) -> Any:
        """The next line, or ``None`` at the end of input."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._requests.put((loop, future))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="console-stdin", daemon=True)
            self._thread.start()
        return await future

    def _run(self) -> None:
        while True:
            loop, future = self._requests.get()
            error: BaseException | None = None
            line: Any = None
            try:
                line = self._read()
                if line in (b"", ""):
                    line = None
            except EOFError:
                line = None
            except BaseException as exc:  # handed to the awaiting coroutine
                error = exc
            try:
                loop.call_soon_threadsafe(_resolve, future, line, error)
            except RuntimeError:  # the loop is closed: nobody waits any more
                return


def _resolve(future: asyncio.Future[Any], line: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(line)


# ── a person in a terminal ───────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Quit:
    """The person ended the chat."""


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the console answers itself, without the engine."""

    text: str


def _normal(text: str) -> str:
    return label_key(text)


def choose(text: str, offered: Sequence[Button]) -> str | None:
    """The payload of the offered button ``text`` means, if any: its number
    (``2``, ``2.``, ``2)``) or its label, ignoring case, spacing, emoji and
    punctuation at the edges."""
    if not offered:
        return None
    stripped = text.strip()
    number = _CHOICE_NUMBER.match(stripped)
    if number:
        index = int(number.group(1))
        return offered[index - 1].payload if 1 <= index <= len(offered) else None
    if len(stripped) > MAX_LABEL_TEXT:
        return None  # no label is this long: cut before comparing
    wanted = _normal(stripped)
    if not wanted:
        return None
    for button in offered:
        if _normal(button.label) == wanted:
            return button.payload
    return None


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


@dataclass(frozen=True, slots=True)
class Rendered:
    """A turn's replies as terminal text, and the buttons it offered, in number order."""

    text: str
    offered: tuple[Button, ...]
    attachments: tuple[Attachment, ...]


def render_replies(replies: Sequence[Reply], texts: ConsoleTexts) -> Rendered:
    """Plain text; buttons numbered through the whole turn ("1) Umwelt"), so
    every number of the turn means one button."""
    blocks: list[str] = []
    offered: list[Button] = []
    attachments: list[Attachment] = []
    for reply in replies:
        lines = [to_plain(reply.text).strip()]
        for button in reply.buttons:
            offered.append(button)
            lines.append(f"  {len(offered)}) {to_plain(button.label)}")
        if reply.request_location:
            lines.append(texts.get("location_request"))
        attachments.extend(reply.attachments)
        blocks.append("\n".join(line for line in lines if line))
    return Rendered("\n\n".join(b for b in blocks if b), tuple(offered), tuple(attachments))


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
        payload = choose(text, self.offered)
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


# ── programs: the scripted console contract ──────────────────────────────────


class JsonlError(ValueError):
    """A script line that is not a valid event; the message says why."""


_EVENT_KEYS = ("text", "button", "location", "command")
_ALLOWED_KEYS = frozenset({*_EVENT_KEYS, "args", "now"})


@dataclass(frozen=True, slots=True)
class ScriptLine:
    """One parsed input line: the event (None for a line that only sets the
    clock) and the time it sets."""

    event: dict[str, Any] | None
    now: datetime | None


def parse_jsonl_line(raw: bytes | str) -> ScriptLine:
    """Check one input line of the scripted console; ``JsonlError`` if invalid.

    A ``now`` without offset is UTC, as everywhere (``core.clock.as_utc``)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise JsonlError("input is not UTF-8") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise JsonlError(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise JsonlError("expected a JSON object")
    unknown = sorted(set(data) - _ALLOWED_KEYS)
    if unknown:
        raise JsonlError(f"unknown key(s) {', '.join(unknown)}; expected one of {_EVENT_KEYS}")
    now = _parse_now(data["now"]) if "now" in data else None
    given = [key for key in _EVENT_KEYS if key in data]
    if not given:
        if now is None:
            raise JsonlError(f"expected one of {', '.join(_EVENT_KEYS)}")
        if "args" in data:
            raise JsonlError('"args" goes with "command"')
        return ScriptLine(None, now)
    if len(given) > 1:
        raise JsonlError(f"expected exactly one of {', '.join(_EVENT_KEYS)}, got {given}")
    key = given[0]
    value = data[key]
    if "args" in data and key != "command":
        raise JsonlError('"args" goes with "command"')
    if key == "location":
        return ScriptLine({"location": _parse_location_object(value)}, now)
    if not isinstance(value, str):
        raise JsonlError(f'"{key}" must be a string')
    if key == "command":
        name = value.strip().removeprefix("/")
        if not name or any(ch.isspace() for ch in name):
            raise JsonlError('"command" must be a command name such as "start"')
        args = data.get("args", "")
        if not isinstance(args, str):
            raise JsonlError('"args" must be a string')
        return ScriptLine({"command": name, "args": args}, now)
    if key == "button" and not value:
        raise JsonlError('"button" must be a payload')
    return ScriptLine({key: value}, now)


def _parse_now(value: Any) -> datetime:
    if not isinstance(value, str):
        raise JsonlError('"now" must be an ISO datetime string')
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise JsonlError(f'"now" is not an ISO datetime: {value!r}') from exc
    return as_utc(at)


def _parse_location_object(value: Any) -> Location:
    if not isinstance(value, dict) or set(value) != {"lat", "lon"}:
        raise JsonlError('"location" must be {"lat": ..., "lon": ...}')
    lat, lon = value["lat"], value["lon"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
        raise JsonlError('"lat" and "lon" must be numbers')
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise JsonlError('"lat" and "lon" must be finite')
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise JsonlError("coordinates out of range")
    return Location(lat=float(lat), lon=float(lon))


def reply_json(reply: Reply) -> dict[str, Any]:
    """One reply as the contract's JSON object (text in plain form)."""
    return {
        "text": to_plain(reply.text),
        "buttons": [{"label": b.label, "payload": b.payload} for b in reply.buttons],
        "request_location": reply.request_location,
        "attachments": [
            {"filename": a.filename, "mime_type": a.mime_type, "size": a.size}
            for a in reply.attachments
        ],
    }


class Clock(Protocol):
    def set(self, at: datetime) -> None: ...

    def now(self) -> datetime: ...


def _dump(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": ")) + "\n"


END_OF_TURN = _dump({"end_of_turn": True})


async def run_jsonl(
    engine: ConversationEngine,
    *,
    tenant: str,
    identity: str,
    clock: Clock,
    read_line: Callable[[], Awaitable[bytes | str | None]],
    write: Callable[[str], None],
    flush: Callable[[], None],
    language_hint: str | None = None,
    before_first_event: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """The scripted console: one event per line in, replies and
    ``{"end_of_turn": true}`` out, flushed after every turn. Never raises for
    a bad line; ends at the end of input."""
    ready = before_first_event is None
    clock_set = False
    while True:
        raw = await read_line()
        if raw is None:
            return 0
        if not raw.strip():
            continue  # blank lines are no events
        try:
            line = parse_jsonl_line(raw)
        except JsonlError as exc:
            write(_dump({"error": str(exc)}))
            write(END_OF_TURN)
            flush()
            continue
        if line.now is not None:
            clock.set(line.now)
            clock_set = True
        if line.event is not None:
            if not ready:
                assert before_first_event is not None
                await before_first_event()
                ready = True
            incoming = Incoming(
                identity=identity,
                tenant=tenant,
                language_hint=language_hint,
                now=clock.now() if clock_set else None,
                **line.event,
            )
            try:
                replies = await engine.handle(incoming)
            except Exception as exc:
                log.exception("scripted console turn failed (identity %s)", identity)
                write(_dump({"error": f"internal error ({type(exc).__name__})"}))
            else:
                for reply in replies:
                    write(_dump(reply_json(reply)))
        write(END_OF_TURN)
        flush()

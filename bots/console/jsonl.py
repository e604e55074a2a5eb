"""Programs: the scripted console contract, ``ehrenamt chat --jsonl``
(DESIGN.md, "Scripted console contract").

One event per input line (``text``, ``button``, ``location`` or ``command``,
optionally ``now``), the replies as JSON objects and ``{"end_of_turn": true}``
out, flushed after every turn. Buttons are pressed by payload: a program
needs no choice rule.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bots.console.render import reply_json
from core.clock import as_utc
from dialogue.messages import Incoming, Location
from dialogue.ports import ConversationEngine

__all__ = ["ConsoleClock", "JsonlError", "ScriptLine", "parse_jsonl_line", "run_jsonl"]

log = logging.getLogger(__name__)


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

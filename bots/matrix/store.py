"""The per-tenant store directory of a Matrix bot: ``<data_dir>/matrix/<slug>/``.

- ``session.json``: user id, device id and access token (mode 0600), so a
  restart logs in as the same device;
- ``<user>_<device>.db``: matrix-nio's encryption store (Olm account, Megolm
  sessions, known devices), so the bot can still decrypt after a restart;
- ``state.json``: the sync token of the last fully handled batch, the ids of
  recently handled events, the buttons last offered per room, messages still
  waiting for their room key, and the direct room per person.

Files are replaced atomically (write, fsync, rename); the I/O runs in a
worker thread so the event loop never blocks on the disk.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.matrix.render import Offer

HANDLED_LIMIT = 5000  # event ids remembered; far more than one sync batch can bring


@dataclass(frozen=True, slots=True)
class Session:
    user_id: str
    device_id: str
    access_token: str = field(repr=False)


@dataclass(slots=True)
class PendingEvent:
    """An encrypted message whose room key has not arrived (yet)."""

    room_id: str
    source: dict[str, Any]
    first_seen: float  # epoch seconds


@dataclass(slots=True)
class SyncState:
    next_batch: str | None = None
    handled: OrderedDict[str, None] = field(default_factory=OrderedDict)
    buttons: dict[str, list[Offer]] = field(default_factory=dict)  # room id -> offers
    direct: dict[str, str] = field(default_factory=dict)  # user id -> room id
    pending: dict[str, PendingEvent] = field(default_factory=dict)  # event id -> event

    def was_handled(self, event_id: str) -> bool:
        return event_id in self.handled

    def mark_handled(self, event_id: str) -> None:
        self.handled[event_id] = None
        self.handled.move_to_end(event_id)
        while len(self.handled) > HANDLED_LIMIT:
            self.handled.popitem(last=False)

    def forget_room(self, room_id: str) -> None:
        self.buttons.pop(room_id, None)
        for user_id in [u for u, r in self.direct.items() if r == room_id]:
            del self.direct[user_id]
        for event_id in [e for e, p in self.pending.items() if p.room_id == room_id]:
            del self.pending[event_id]

    def forget_user(self, user_id: str) -> None:
        """DSGVO erasure: their direct room, what was offered there and their
        messages waiting for a room key."""
        room_id = self.direct.pop(user_id, None)
        if room_id is not None:
            self.forget_room(room_id)
        for event_id in [e for e, p in self.pending.items() if p.source.get("sender") == user_id]:
            del self.pending[event_id]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "next_batch": self.next_batch,
            "handled": list(self.handled),
            "buttons": {room: [list(o) for o in offers] for room, offers in self.buttons.items()},
            "direct": self.direct,
            "pending": {
                event_id: {"room_id": p.room_id, "source": p.source, "first_seen": p.first_seen}
                for event_id, p in self.pending.items()
            },
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SyncState:
        return cls(
            next_batch=raw.get("next_batch"),
            handled=OrderedDict((e, None) for e in raw.get("handled", [])),
            buttons={
                room: [tuple(str(x) for x in offered) for offered in offers]
                for room, offers in raw.get("buttons", {}).items()
            },
            direct=dict(raw.get("direct", {})),
            pending={
                event_id: PendingEvent(p["room_id"], p["source"], float(p["first_seen"]))
                for event_id, p in raw.get("pending", {}).items()
            },
        )


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    return data if isinstance(data, dict) else None


class MatrixStore:
    """One tenant's store directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = asyncio.Lock()

    @property
    def session_file(self) -> Path:
        return self.directory / "session.json"

    @property
    def state_file(self) -> Path:
        return self.directory / "state.json"

    async def open(self) -> None:
        await asyncio.to_thread(self.directory.mkdir, mode=0o700, parents=True, exist_ok=True)

    async def load_session(self) -> Session | None:
        raw = await asyncio.to_thread(_read, self.session_file)
        if not raw:
            return None
        try:
            return Session(raw["user_id"], raw["device_id"], raw["access_token"])
        except KeyError:
            return None

    async def save_session(self, session: Session) -> None:
        data = {
            "user_id": session.user_id,
            "device_id": session.device_id,
            "access_token": session.access_token,
        }
        async with self._lock:
            await asyncio.to_thread(_write_atomic, self.session_file, data)

    async def load_state(self) -> SyncState:
        raw = await asyncio.to_thread(_read, self.state_file)
        return SyncState.from_json(raw) if raw else SyncState()

    async def save_state(self, state: SyncState) -> None:
        data = state.to_json()  # snapshot on the loop, write in a thread
        async with self._lock:
            await asyncio.to_thread(_write_atomic, self.state_file, data)

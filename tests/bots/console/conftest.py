"""For the console's tests: the scripted engine (``tests.fakes``; no NLU, no database) and
a driver for ``ehrenamt chat --jsonl`` as a subprocess (``start_chat``)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import ScriptedEngine


@pytest.fixture
def scripted() -> type[ScriptedEngine]:
    """The scripted engine class (``tests.fakes``): ``scripted([[Reply(...)], ...])``."""
    return ScriptedEngine


EHRENAMT = Path(sys.executable).with_name("ehrenamt")
TURN_TIMEOUT = 30.0
REPLY_KEYS = {"text", "buttons", "request_location", "attachments"}


class Chat:
    """One ``ehrenamt chat --jsonl`` process: send an event, read its turn."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, db: str, *extra: str, env: dict[str, str] | None = None) -> Chat:
        process = await asyncio.create_subprocess_exec(
            str(EHRENAMT), "chat", "--jsonl", "--db", db, *extra,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        return cls(process)

    async def send_raw(self, line: str) -> list[dict[str, Any]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line.encode("utf-8") + b"\n")
        await self.process.stdin.drain()
        out: list[dict[str, Any]] = []
        while True:
            raw = await asyncio.wait_for(self.process.stdout.readline(), TURN_TIMEOUT)
            assert raw, f"chat ended mid-turn: {await self._stderr()}"
            item = json.loads(raw)  # every stdout line is JSON
            if item == {"end_of_turn": True}:
                return out
            out.append(item)

    async def send(self, **event: Any) -> list[dict[str, Any]]:
        replies = await self.send_raw(json.dumps(event, ensure_ascii=False))
        for reply in replies:
            assert set(reply) == REPLY_KEYS, reply
        assert replies, f"no reply to {event}"
        return replies

    async def close(self) -> tuple[int, bytes, bytes]:
        assert self.process.stdin is not None
        self.process.stdin.close()
        stdout, stderr = await asyncio.wait_for(self.process.communicate(), TURN_TIMEOUT)
        return self.process.returncode or 0, stdout, stderr

    async def _stderr(self) -> str:
        assert self.process.stderr is not None
        self.process.kill()
        return (await self.process.stderr.read()).decode("utf-8", "replace")[-2000:]


StartChat = Callable[..., Awaitable[Chat]]


@pytest.fixture
async def start_chat() -> AsyncIterator[StartChat]:
    """``await start_chat(db_url, "--user", "luisa")``; killed at the end if still running."""
    pytest.importorskip("dialogue.engine", reason="the dialogue engine is not built yet")
    started: list[Chat] = []

    async def start(db: str, *extra: str, env: dict[str, str] | None = None) -> Chat:
        chat = await Chat.start(db, *extra, env=env)
        started.append(chat)
        return chat

    yield start
    for chat in started:
        if chat.process.returncode is None:
            chat.process.kill()
            await chat.process.wait()

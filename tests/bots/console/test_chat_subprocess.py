"""``ehrenamt chat`` as a program drives it and as a person starts it: a real
subprocess, the real engine, a fresh SQLite file per test."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("dialogue.engine", reason="the dialogue engine is not built yet")

EHRENAMT = Path(sys.executable).with_name("ehrenamt")
TURN_TIMEOUT = 30.0
NOW = "2026-12-01T10:00:00"  # Tuesday morning in Aachen
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


def payloads(replies: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for r in replies for b in r["buttons"]]


def first(replies: list[dict[str, Any]], prefix: str) -> str:
    found = [p for p in payloads(replies) if p.startswith(prefix)]
    assert found, f"no button {prefix}… in {payloads(replies)}"
    return found[0]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/x.db"


@pytest.fixture
async def chat(db_url: str) -> AsyncIterator[Chat]:
    process = await Chat.start(db_url, "--user", "luisa")
    yield process
    code, rest, stderr = await process.close()
    assert code == 0, stderr.decode()
    assert rest == b""
    assert b"Traceback" not in stderr


async def test_a_program_onboards_by_buttons_with_a_set_clock(chat: Chat) -> None:
    welcome = await chat.send(command="start", now=NOW)
    interests = await chat.send(button=first(welcome, "f:consent:yes"))
    assert any(p.startswith("f:interests:") for p in payloads(interests))
    await chat.send(button="f:interests:umwelt")
    where = await chat.send(button="f:interests:done")
    assert any(r["request_location"] for r in where)
    await chat.send(location={"lat": 50.7753, "lon": 6.0839})


async def test_restart_between_two_turns_continues_the_flow(db_url: str) -> None:
    before = await Chat.start(db_url, "--user", "heinrich")
    welcome = await before.send(command="start", now=NOW)
    asked = await before.send(button=first(welcome, "f:consent:yes"))
    assert (await before.close())[0] == 0

    after = await Chat.start(db_url, "--user", "heinrich")
    # The interests question is still open: its answer is understood.
    again = await after.send(button=first(asked, "f:interests:"), now=NOW)
    assert any(p.startswith("f:interests:") for p in payloads(again))
    assert not any(p.startswith("f:consent:") for p in payloads(again))
    assert (await after.close())[0] == 0


async def test_invalid_lines_get_an_error_and_the_chat_goes_on(chat: Chat) -> None:
    for line in ("kein json", '{"txt": "hallo"}', '{"location": {"lat": 500, "lon": 6}}'):
        turn = await chat.send_raw(line)
        assert len(turn) == 1 and set(turn[0]) == {"error"}
    assert await chat.send(text="Hallo", now=NOW)


async def test_every_person_has_their_own_conversation(db_url: str) -> None:
    luisa = await Chat.start(db_url, "--user", "luisa")
    welcome = await luisa.send(command="start", now=NOW)
    await luisa.send(button=first(welcome, "f:consent:yes"))
    await luisa.close()
    other = await Chat.start(db_url, "--user", "heinrich")
    fresh = await other.send(command="start", now=NOW)
    assert any(p.startswith("f:consent:") for p in payloads(fresh))
    await other.close()


async def test_plain_chat_works_on_a_fresh_checkout(tmp_path: Path) -> None:
    """No arguments: SQLite under the data dir, demo seeded, a polite goodbye."""
    env = {**os.environ, "EHRENAMT_DATA_DIR": str(tmp_path / "var"), "LANG": "C.UTF-8"}
    env.pop("EHRENAMT_DATABASE_URL", None)
    process = await asyncio.create_subprocess_exec(
        str(EHRENAMT), "chat", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(
        process.communicate(b"/start\n1\n/location 50.77 6.08\n/quit\n"), 60
    )
    text = stdout.decode("utf-8")
    assert process.returncode == 0, stderr.decode()
    assert "Engagement-Bot Aachen" in text
    assert "  1) " in text
    assert "Tschüss" in text
    assert "Traceback" not in text + stderr.decode()
    assert (tmp_path / "var" / "ehrenamt.db").exists()

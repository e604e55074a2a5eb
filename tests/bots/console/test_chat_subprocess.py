"""``ehrenamt chat`` as a program drives it and as a person starts it: a real
subprocess, the real engine, a fresh SQLite file per test."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

NOW = "2026-12-01T10:00:00+01:00"  # Tuesday morning in Aachen


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
async def chat(db_url: str, start_chat: Any) -> AsyncIterator[Any]:
    process = await start_chat(db_url, "--user", "luisa")
    yield process
    code, rest, stderr = await process.close()
    assert code == 0, stderr.decode()
    assert rest == b""
    assert b"Traceback" not in stderr


async def test_a_program_onboards_by_buttons_with_a_set_clock(chat: Any) -> None:
    welcome = await chat.send(command="start", now=NOW)
    interests = await chat.send(button=first(welcome, "f:consent:yes"))
    assert any(p.startswith("f:interests:") for p in payloads(interests))
    await chat.send(button="f:interests:umwelt")
    where = await chat.send(button="f:interests:done")
    assert any(r["request_location"] for r in where)
    await chat.send(location={"lat": 50.7753, "lon": 6.0839})


async def test_restart_between_two_turns_continues_the_flow(db_url: str, start_chat: Any) -> None:
    before = await start_chat(db_url, "--user", "heinrich")
    welcome = await before.send(command="start", now=NOW)
    asked = await before.send(button=first(welcome, "f:consent:yes"))
    assert (await before.close())[0] == 0

    after = await start_chat(db_url, "--user", "heinrich")
    # The interests question is still open: its answer is understood.
    again = await after.send(button=first(asked, "f:interests:"), now=NOW)
    assert any(p.startswith("f:interests:") for p in payloads(again))
    assert not any(p.startswith("f:consent:") for p in payloads(again))
    assert (await after.close())[0] == 0


async def test_invalid_lines_get_an_error_and_the_chat_goes_on(chat: Any) -> None:
    for line in ("kein json", '{"txt": "hallo"}', '{"location": {"lat": 500, "lon": 6}}'):
        turn = await chat.send_raw(line)
        assert len(turn) == 1 and set(turn[0]) == {"error"}
    assert await chat.send(text="Hallo", now=NOW)


async def test_every_person_has_their_own_conversation(db_url: str, start_chat: Any) -> None:
    luisa = await start_chat(db_url, "--user", "luisa")
    welcome = await luisa.send(command="start", now=NOW)
    await luisa.send(button=first(welcome, "f:consent:yes"))
    await luisa.close()
    other = await start_chat(db_url, "--user", "heinrich")
    fresh = await other.send(command="start", now=NOW)
    assert any(p.startswith("f:consent:") for p in payloads(fresh))
    await other.close()


async def test_plain_chat_works_on_a_fresh_checkout(tmp_path: Path, start_chat: Any) -> None:
    """No arguments: SQLite under the data dir, demo seeded, a polite goodbye."""
    env = {**os.environ, "EHRENAMT_DATA_DIR": str(tmp_path / "var"), "LANG": "C.UTF-8"}
    env.pop("EHRENAMT_DATABASE_URL", None)
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("ehrenamt")), "chat", stdin=asyncio.subprocess.PIPE,
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

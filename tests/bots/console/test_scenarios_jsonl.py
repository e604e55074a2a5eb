"""Every golden conversation in ``tests/conversations/*.yml`` played through
``ehrenamt chat --jsonl`` as a subprocess, with the same expectations as the
in-process run (format: the top of ``tests/conversations/onboarding_buttons.yml``).

One process per speaking person (``--user``), started when they first speak;
``restart`` ends them all, so the next turn comes from a new process on the
same database. ``setup`` and ``state_flow`` are done and read directly in the
database file the processes share.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from core.db import Database, create_engine
from core.models import ConversationState, Membership, Organisation, Role
from core.services.people import person_for_identity

CONVERSATIONS = Path(__file__).resolve().parents[2] / "conversations"
SCENARIOS = sorted(CONVERSATIONS.glob("*.yml"))
LOADED = {p: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SCENARIOS}
DEFAULT_NOW = "2026-12-01T09:00:00+00:00"  # tests/conftest.py NOW, the in-process default


def _plain(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


def _buttons(replies: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(b["label"], b["payload"]) for r in replies for b in r["buttons"]]


def _pick(replies: list[dict[str, Any]], wanted: str) -> str:
    """As the in-process runner: the payload itself, else a label, else a payload containing it."""
    buttons = _buttons(replies)
    for _, payload in buttons:
        if payload == wanted:
            return payload
    for label, payload in buttons:
        if wanted.casefold() in label.casefold():
            return payload
    for _, payload in buttons:
        if wanted in payload:
            return payload
    raise AssertionError(f"no button like {wanted!r} in {buttons}")


def _check(where: str, replies: list[dict[str, Any]], expect: dict[str, Any]) -> None:
    text = _plain(replies).casefold()
    assert replies, f"{where}: no reply"
    assert "traceback" not in text, where
    for wanted in expect.get("text_contains", []):
        assert wanted.casefold() in text, f"{where}: {wanted!r} not in {_plain(replies)!r}"
    for unwanted in expect.get("text_not_contains", []):
        assert unwanted.casefold() not in text, f"{where}: {unwanted!r} in {_plain(replies)!r}"
    buttons = _buttons(replies)
    for wanted in expect.get("buttons_include", []):
        assert any(wanted in (label, payload) or wanted in label for label, payload in buttons), (
            f"{where}: button {wanted!r} not in {buttons}"
        )
    if "attachment" in expect:
        names = [a["filename"] for r in replies for a in r["attachments"]]
        assert any(n.endswith(expect["attachment"]) for n in names), f"{where}: {names}"
    if "request_location" in expect:
        wanted_location = expect["request_location"]
        assert any(r["request_location"] for r in replies) == wanted_location, where


async def _flow(db: Database, identity: str, tenant: str) -> str | None:
    async with db.sessions() as session:
        row = await session.get(ConversationState, (identity, tenant))
    return (row.data or {}).get("flow") if row else None


async def _link(db: Database, identity: str, tenant: str, organisation: str, now: datetime) -> None:
    person = await person_for_identity(db, identity, tenant)
    assert person is not None, "setup member_of needs a person (consent first)"
    async with db.transaction() as session:
        org = (
            await session.execute(select(Organisation).where(Organisation.name == organisation))
        ).scalar_one()
        session.add(
            Membership(
                tenant_id=org.tenant_id, organisation_id=org.id, person_id=person.id,
                role=Role.MEMBER, created_at=now,
            )
        )  # fmt: skip


def _event(step: dict[str, Any], last: list[dict[str, Any]]) -> dict[str, Any]:
    if "text" in step:
        return {"text": str(step["text"])}
    if "button" in step:
        return {"button": str(step["button"])}
    if "press" in step:
        return {"button": _pick(last, str(step["press"]))}
    if "location" in step:
        return {"location": {"lat": step["location"]["lat"], "lon": step["location"]["lon"]}}
    if "command" in step:
        return {"command": str(step["command"]), "args": str(step.get("args", ""))}
    raise AssertionError("no input")


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
async def test_scenario_through_the_scripted_console(
    path: Path, tmp_path: Path, start_chat: Any
) -> None:
    scenario = LOADED[path]
    url = f"sqlite+aiosqlite:///{tmp_path}/scenario.db"
    options = ["--tenant", scenario.get("tenant", "aachen")]
    options += ["--lang", scenario.get("language_hint", "de")]
    if not scenario.get("demo", True):
        options.append("--no-demo")
    now = str(scenario.get("now") or DEFAULT_NOW)
    chats: dict[str, Any] = {}
    last: dict[str, list[dict[str, Any]]] = {}
    db: Database | None = None

    async def close_all() -> None:
        for user, chat in list(chats.items()):
            code, rest, stderr = await chat.close()
            assert code == 0 and rest == b"", f"{path.name} ({user}): {stderr.decode()[-2000:]}"
            assert b"Traceback" not in stderr, stderr.decode()[-2000:]
        chats.clear()

    try:
        for i, step in enumerate(scenario["steps"]):
            where = f"{path.name} step {i + 1}"
            user = str(step.get("user", "u1"))
            now = str(step.get("now") or now)
            if step.get("restart"):
                await close_all()
                continue
            if db is None and chats:
                db = Database(create_engine(url))
            if "setup" in step:
                assert db is not None, f"{where}: setup before anyone spoke"
                at = datetime.fromisoformat(now)
                await _link(db, f"console:{user}", options[1], step["setup"]["member_of"], at)
                continue
            if user not in chats:
                chats[user] = await start_chat(url, "--user", user, *options)
            event = {**_event(step, last.get(user, [])), "now": now}
            replies = await chats[user].send_raw(json.dumps(event, ensure_ascii=False))
            last[user] = replies
            expect = step.get("expect") or {}
            _check(where, replies, expect)
            if "state_flow" in expect:
                db = db or Database(create_engine(url))
                flow = await _flow(db, f"console:{user}", options[1])
                assert flow == expect["state_flow"], f"{where}: flow {flow!r}"
        await close_all()
    finally:
        for chat in chats.values():
            chat.process.kill()
        if db is not None:
            await db.dispose()

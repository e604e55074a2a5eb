"""A Rasa server can replace the built-in NLU (EHRENAMT_RASA_URL); when it is
down, the built-in NLU answers that turn and the bot never goes quiet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web

from bots.bootstrap import App
from core.clock import FixedClock
from core.db import Database
from core.tenants import TenantConfig
from tests.dialogue.conftest import make_app
from tests.dialogue.harness import Conversation


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[str, list[str], web.AppRunner]]:
    asked: list[str] = []

    async def parse(request: web.Request) -> web.Response:
        text = (await request.json())["text"]
        asked.append(text)
        return web.json_response(
            {"text": text, "intent": {"name": "help", "confidence": 0.97}, "entities": []}
        )

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", asked, runner
    await runner.cleanup()


async def remote_app(
    sqlite_db: Database,
    clock: FixedClock,
    tenants: dict[str, TenantConfig],
    tmp_path: Path,
    url: str,
) -> App:
    app = await make_app(sqlite_db, clock, tenants, tmp_path)
    app.settings = replace(app.settings, rasa_url=url)
    app.understanding = None
    app.engine = None  # rebuilt with the remote NLU
    return app


async def test_the_rasa_server_decides_the_intent(
    sqlite_db: Database,
    clock: FixedClock,
    tenants: dict[str, TenantConfig],
    tmp_path: Path,
    rasa: tuple[str, list[str], web.AppRunner],
) -> None:
    url, asked, _ = rasa
    app = await remote_app(sqlite_db, clock, tenants, tmp_path, url)
    conversation = Conversation(app)
    await conversation.say("Quatsch mit Soße")  # our NLU would not call this "help"
    assert asked == ["Quatsch mit Soße"]
    help_text = (await Conversation(app, identity="test:2").command("hilfe"))[0].text
    assert conversation.replies[0].text == help_text


async def test_when_rasa_is_down_the_built_in_nlu_answers(
    sqlite_db: Database,
    clock: FixedClock,
    tenants: dict[str, TenantConfig],
    tmp_path: Path,
    rasa: tuple[str, list[str], web.AppRunner],
) -> None:
    url, _, runner = rasa
    await runner.cleanup()
    app = await remote_app(sqlite_db, clock, tenants, tmp_path, url)
    conversation = Conversation(app)
    await conversation.command("start")
    await conversation.say("ja")
    assert "Wofür" in conversation.text  # consent understood by our own NLU


def _tenant_on_rasa(
    tenants: dict[str, TenantConfig], url: str, timeout: float
) -> dict[str, TenantConfig]:
    from core.tenants import NluConfig

    aachen = replace(tenants["aachen"], nlu=NluConfig("rasa", {"de": url}, timeout))
    return {**tenants, "aachen": aachen}


async def test_a_tenant_file_puts_its_bot_on_rasa_per_language(
    sqlite_db: Database,
    clock: FixedClock,
    tenants: dict[str, TenantConfig],
    tmp_path: Path,
    rasa: tuple[str, list[str], web.AppRunner],
) -> None:
    url, asked, _ = rasa
    app = await make_app(sqlite_db, clock, _tenant_on_rasa(tenants, url, 2.0), tmp_path)
    german = Conversation(app)
    await german.say("Quatsch mit Soße")
    assert asked == ["Quatsch mit Soße"]
    english = Conversation(app, identity="test:en", language_hint="en")
    await english.say("what a lovely day")  # no English URL: the built-in NLU reads it
    assert asked == ["Quatsch mit Soße"]
    stolberg = Conversation(app, identity="test:st", tenant="stolberg")
    await stolberg.say("Quatsch mit Soße")  # another tenant, built-in
    assert asked == ["Quatsch mit Soße"]


async def test_a_slow_rasa_gives_way_to_the_built_in_nlu_and_is_logged_once_a_minute(
    sqlite_db: Database,
    clock: FixedClock,
    tenants: dict[str, TenantConfig],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import time

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({"intent": {"name": "help", "confidence": 1.0}, "entities": []})

    server = web.Application()
    server.router.add_post("/model/parse", slow)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        app = await make_app(
            sqlite_db, clock, _tenant_on_rasa(tenants, f"http://127.0.0.1:{port}", 0.3), tmp_path
        )
        now = [1000.0]
        app.engine.understanding._monotonic = lambda: now[0]
        conversation = Conversation(app)
        await conversation.command("start")
        started = time.perf_counter()
        # A typed "ja" presses the consent button (dialogue/choices.py): no parse.
        await conversation.say("ja")
        await conversation.say("Ich möchte in Burtscheid mit Kindern helfen")
        assert time.perf_counter() - started < 3.0  # the timeout, not Rasa's 5 s, per turn
        # The built-in NLU read topic and place: the form goes on to the times.
        assert "Wann hast du Zeit?" in conversation.text
        await conversation.say("Hallo")  # parsed: Rasa is asked and times out
        now[0] += 61
        await conversation.say("samstags")
    finally:
        await runner.cleanup()
    logged = [r for r in caplog.records if "Rasa NLU" in r.getMessage()]
    assert app.engine.understanding.fallbacks == 3
    assert len(logged) == 2  # the first failure, then one a minute later
    assert "1 more" in logged[1].getMessage()

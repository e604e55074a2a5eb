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
    app.extras.pop("understanding", None)
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

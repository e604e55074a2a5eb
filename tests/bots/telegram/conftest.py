"""Fixtures for the Telegram adapter: the Bot API fake, a bot on it, a running
channel, and a person in a private chat."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bots.telegram import TelegramChannel
from core.tenants import TenantConfig
from tests.bots.telegram.fake_bot_api import FakeBot, FakeBotAPI
from tests.bots.telegram.harness import TOKEN, ChatUser, Handled, journey, make_tenant
from tests.fakes import ScriptedEngine


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
def tg_bot(fake: FakeBotAPI) -> FakeBot:
    return fake.add_bot(TOKEN, "EngagementAachenBot", "Engagement-Bot Aachen")


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine(journey)


@pytest.fixture
def handled() -> Handled:
    return Handled()


@pytest.fixture
def unreachable() -> list[tuple[str, str]]:
    return []


@pytest.fixture
async def start_channel(
    fake: FakeBotAPI, handled: Handled, unreachable: list[tuple[str, str]]
) -> AsyncIterator[Callable[..., Any]]:
    """``await start_channel(engine, token=..., tenant=...)`` -> a running channel, stopped after the test."""
    started: list[TelegramChannel] = []

    async def mark(tenant: str, identity: str) -> None:
        unreachable.append((tenant, identity))

    async def start(
        engine: Any, token: str = TOKEN, tenant: TenantConfig | None = None, **options: Any
    ) -> TelegramChannel:
        options.setdefault("polling_timeout", 2.0)
        options.setdefault("on_handled", handled)
        channel = TelegramChannel(tenant or make_tenant(fake.url), engine, token, mark, **options)
        await channel.start()
        started.append(channel)
        return channel

    yield start
    for channel in started:
        await channel.stop()


@pytest.fixture
def user(tg_bot: FakeBot, handled: Handled) -> ChatUser:
    return ChatUser(tg_bot, handled)

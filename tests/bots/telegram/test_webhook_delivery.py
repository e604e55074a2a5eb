"""A webhook update is acknowledged only once it is handled and answered:
a database that is back within the channel's patience answers the update
in the same request, one away longer gets 503 (Telegram delivers the update
again), a Bot API that fails is tried again, and the same update delivered
twice is answered once."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette

from bots.telegram import TelegramChannel
from bots.telegram.factory import build_telegram_channels
from bots.telegram.webhook import webhook_routes
from core.db import DatabaseUnavailable
from dialogue.messages import Incoming, Reply
from tests.bots.telegram.fake_bot_api import FakeBot, FakeBotAPI
from tests.bots.telegram.harness import TOKEN, make_tenant

SECRET = "s3cret-value"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@dataclass
class CountingEngine:
    """Answers "Echo n" with n = how often it really handled something; an
    event it saw before gets the answer it got then (as the engine does)."""

    down: bool = False
    handled: int = 0
    answers: dict[str, list[Reply]] = field(default_factory=dict)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        if self.down:
            raise DatabaseUnavailable()
        if incoming.event_id in self.answers:
            return self.answers[incoming.event_id]
        self.handled += 1
        replies = [Reply(f"Echo {self.handled}"), Reply("Zweite Nachricht")]
        self.answers[str(incoming.event_id)] = replies
        return replies


def _update(update_id: int, chat_id: int = 4711) -> str:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "text": "Hallo",
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "H"},
            },
        }
    )


@pytest.fixture
async def webhook(
    fake: FakeBotAPI,
    tg_bot: FakeBot,
) -> AsyncIterator[tuple[httpx.AsyncClient, CountingEngine, TelegramChannel]]:
    engine = CountingEngine()
    tenant = make_tenant(
        fake.url,
        webhook_url="https://bot.example.org/telegram/aachen",
        webhook_secret_env="AACHEN_WEBHOOK_SECRET",
    )
    (channel,) = build_telegram_channels(
        [tenant], engine, {"AACHEN_TELEGRAM_TOKEN": TOKEN, "AACHEN_WEBHOOK_SECRET": SECRET}
    )
    channel.send_patience = 3.0
    channel.database_patience = 0.5
    await channel.start()
    app = Starlette(routes=webhook_routes([channel]))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://web"
        ) as client:
            yield client, engine, channel
    finally:
        await channel.stop()


def _texts(bot: FakeBot, chat_id: int = 4711) -> list[str]:
    return [s.plain or "" for s in bot.sent_to(chat_id)]


async def test_database_away_means_503_and_the_update_is_handled_when_delivered_again(
    webhook: tuple[httpx.AsyncClient, CountingEngine, TelegramChannel], tg_bot: FakeBot
) -> None:
    client, engine, _ = webhook
    engine.down = True
    refused = await client.post("/telegram/aachen", content=_update(1), headers=HEADERS)
    assert refused.status_code == 503  # before: 200 at once, and the message was lost
    assert _texts(tg_bot) == []
    engine.down = False
    again = await client.post("/telegram/aachen", content=_update(1), headers=HEADERS)
    assert again.status_code == 200
    assert _texts(tg_bot) == ["Echo 1", "Zweite Nachricht"]


async def test_a_database_back_within_the_patience_is_answered_in_the_same_request(
    webhook: tuple[httpx.AsyncClient, CountingEngine, TelegramChannel], tg_bot: FakeBot
) -> None:
    client, engine, channel = webhook
    channel.database_patience = 5.0
    engine.down = True

    async def restart() -> None:
        await asyncio.sleep(0.6)
        engine.down = False

    back = asyncio.create_task(restart())
    started = time.monotonic()
    response = await client.post("/telegram/aachen", content=_update(3), headers=HEADERS)
    await back
    # Before: 503 at once, and the answer waited for Telegram's next delivery.
    assert response.status_code == 200
    assert time.monotonic() - started < 2.0
    assert _texts(tg_bot) == ["Echo 1", "Zweite Nachricht"]
    assert engine.handled == 1


async def test_the_same_update_twice_is_answered_once(
    webhook: tuple[httpx.AsyncClient, CountingEngine, TelegramChannel], tg_bot: FakeBot
) -> None:
    client, engine, _ = webhook
    for _ in range(2):
        response = await client.post("/telegram/aachen", content=_update(7), headers=HEADERS)
        assert response.status_code == 200
    # Acknowledged the first time: Telegram had no reason to send it again,
    # and had it, the engine's record answers without a second message.
    assert engine.handled == 1


async def test_a_failing_bot_api_is_tried_again_and_nothing_is_sent_twice(
    webhook: tuple[httpx.AsyncClient, CountingEngine, TelegramChannel], tg_bot: FakeBot
) -> None:
    client, engine, _ = webhook
    tg_bot.failing_until = time.monotonic() + 1.0  # 500 for a second: patience bridges it
    response = await client.post("/telegram/aachen", content=_update(8), headers=HEADERS)
    assert response.status_code == 200
    assert _texts(tg_bot) == ["Echo 1", "Zweite Nachricht"]

    # Longer than the channel's patience: 503, and Telegram delivers again;
    # what was sent before the outage is not sent a second time.
    tg_bot.failing_until = time.monotonic() + 60.0
    response = await client.post("/telegram/aachen", content=_update(9), headers=HEADERS)
    assert response.status_code == 503
    tg_bot.failing_until = 0.0
    response = await client.post("/telegram/aachen", content=_update(9), headers=HEADERS)
    assert response.status_code == 200
    assert _texts(tg_bot) == ["Echo 1", "Zweite Nachricht", "Echo 2", "Zweite Nachricht"]
    assert engine.handled == 2

"""Telegram benchmark against the Bot API fake on loopback (``make bench``).

- Round trip: 50 people chat at once, each a few turns at a brisk human pace
  (2-4 s between messages, about 17 messages/s together, inside Telegram's 30/s).
  Measured at the fake from the moment ``getUpdates`` hands the update out to
  the moment the reply arrives (``telegram_roundtrip_p95_ms``, budget <= 100 ms).
  The engine is a scripted echo, so this is the adapter, PTB and HTTP alone.
- Broadcast: an urgent alert to 5,000 people through ``TelegramChannel.notify``
  inside ``bulk_sending``, as the outbox sends it (bulk leaves 1 of 30 slots
  to replies; ``broadcast_msgs_per_s`` >= 25, ``broadcast_max_in_any_second``
  <= 30, as the fake saw them). ``quick`` sends 300.

Run alone: ``python -m tests.perf.telegram_bench [--quick]``.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from bots.telegram import TelegramChannel
from core.notify import bulk_sending
from dialogue.messages import Button, Incoming, Reply
from dialogue.ports import Delivery
from tests.bots.telegram.fake_bot_api import FakeBot, FakeBotAPI
from tests.bots.telegram.harness import TOKEN, make_tenant


@dataclass
class EchoEngine:
    async def handle(self, incoming: Incoming) -> list[Reply]:
        return [
            Reply(
                f"Du schriebst: <i>{len(incoming.text or '')} Zeichen</i>",
                buttons=(Button("Passt", "menu:matches"), Button("Suche", "menu:search")),
                buttons_per_row=2,
            )
        ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def max_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def _roundtrips(api: FakeBotAPI, bot: FakeBot, users: int, turns: int) -> list[float]:
    rng = random.Random(42)
    latencies: list[float] = []

    async def person(chat_id: int) -> None:
        await asyncio.sleep(rng.uniform(0, 3))  # people do not start in lockstep
        for turn in range(turns):
            before = sum(1 for s in bot.sent if s.chat_id == chat_id)
            update_id = bot.user_message(chat_id, f"Nachricht {turn}")
            await api.wait_for(
                lambda n=before: sum(1 for s in bot.sent if s.chat_id == chat_id) > n, 30.0
            )
            reply = [s for s in bot.sent if s.chat_id == chat_id][before]
            latencies.append((reply.at - bot.delivered_at[update_id]) * 1000)
            await asyncio.sleep(rng.uniform(2.0, 4.0))

    await asyncio.gather(*(person(20_000 + i) for i in range(users)))
    return latencies


async def _broadcast(channel: TelegramChannel, bot: FakeBot, recipients: int) -> dict[str, Any]:
    mark = len(bot.sent)
    rejected = bot.rejected_429
    alert = Reply(
        "<b>Dringend:</b> Heute 14–18 Uhr Helfer für die Tafel gesucht.",
        buttons=(Button("Ich helfe", "need:42:signup"), Button("Nein", "alert:no")),
    )
    began = time.monotonic()
    with bulk_sending():
        results = await asyncio.gather(
            *(
                channel.notify("aachen", f"telegram:{30_000 + i}", [alert])
                for i in range(recipients)
            )
        )
    elapsed = time.monotonic() - began
    times = [s.at for s in bot.sent[mark:]]
    span = max(times) - min(times) if len(times) > 1 else 0.0
    return {
        "broadcast_recipients": recipients,
        "broadcast_delivered": results.count(Delivery.DELIVERED),
        "broadcast_msgs_per_s": round((len(times) - 1) / span, 1) if span else 0.0,
        "broadcast_max_in_any_second": max_in_any_second(times),
        "broadcast_429s": bot.rejected_429 - rejected,
        "broadcast_seconds": round(elapsed, 1),
    }


async def run_telegram_bench(quick: bool = False) -> dict[str, Any]:
    api = FakeBotAPI()
    await api.start()
    bot = api.add_bot(TOKEN, "EngagementAachenBot")
    channel = TelegramChannel(make_tenant(api.url), EchoEngine(), TOKEN, None, polling_timeout=10)
    await channel.start()
    try:
        users, turns = 50, (2 if quick else 6)
        latencies = await _roundtrips(api, bot, users, turns)
        result: dict[str, Any] = {
            "telegram_roundtrip_p95_ms": round(percentile(latencies, 0.95), 1),
            "telegram_roundtrip_p50_ms": round(statistics.median(latencies), 1),
            "telegram_roundtrip_turns": len(latencies),
        }
        result.update(await _broadcast(channel, bot, 300 if quick else 5000))
        return result
    finally:
        await channel.stop()
        await api.close()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run_telegram_bench("--quick" in sys.argv)), indent=2))

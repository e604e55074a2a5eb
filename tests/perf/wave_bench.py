"""Replies during an alert wave (``make bench``): how long people chatting
with the Telegram bot wait for an answer while the outbox sends a 500-message
wave, with replies first (``core.notify.bulk_sending`` marks the wave) and
with the same rate limit as one first-come-first-served queue
(``replies_first=False``: the same window, no priority, no reserve, no spacing).

The real python-telegram-bot against the Bot API fake on loopback; the
engine is a scripted echo. Twenty people write every 2-4 s while the wave
lasts (Telegram's 1 message per chat and second holds); a reply's latency is
measured at the fake, from ``getUpdates`` handing the message out to the
answer's arrival, as ``telegram_bench`` does. Two waves:

- ``wave_*``: sent the way the outbox sends (``deliver_due``), one message
  after the other. Without priority a reply waits for the burst of bulk in
  the current second to leave the window (up to a second).
- ``wave_queued_*``: all 500 handed to the bot at once (several senders, or
  a channel used by something else than the outbox). Without priority a
  reply waits behind everything queued before it.

``wave_reply_idle_p95_ms`` is the floor: the same people, no wave. Also
reported per run: the wave's messages per second as the fake saw them and
the most messages (wave and replies) in any second (never more than 30).
No budget of DESIGN.md covers this; the numbers are for comparison.
``quick``: a 150-message wave and ten people.

Run alone: ``python -m tests.perf.wave_bench [--quick]``.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

from bots.telegram import TelegramChannel
from core.notify import bulk_sending
from dialogue.messages import Button, Reply
from dialogue.ports import Delivery
from tests.bots.telegram.fake_bot_api import FakeBot, FakeBotAPI
from tests.bots.telegram.harness import TOKEN, make_tenant
from tests.perf.telegram_bench import EchoEngine, max_in_any_second, percentile

ALERT = Reply(
    "<b>Dringend:</b> Heute 14–18 Uhr Helfer für die Tafel gesucht.",
    buttons=(Button("Ich helfe", "need:42:signup"), Button("Nein", "alert:no")),
)
FIRST_RECIPIENT = 40_000
FIRST_CHATTER = 20_000


async def _chat(
    api: FakeBotAPI, bot: FakeBot, people: int, until: asyncio.Event, seed: int
) -> list[float]:
    """People write at a human pace until ``until`` is set; reply latencies in ms."""
    rng = random.Random(seed)
    latencies: list[float] = []

    async def person(chat_id: int, start: float) -> None:
        await asyncio.sleep(start)
        turn = 0
        while not until.is_set():
            before = sum(1 for s in bot.sent if s.chat_id == chat_id)
            update_id = bot.user_message(chat_id, f"Nachricht {turn}")
            await api.wait_for(
                lambda n=before: sum(1 for s in bot.sent if s.chat_id == chat_id) > n, 60.0
            )
            reply = [s for s in bot.sent if s.chat_id == chat_id][before]
            latencies.append((reply.at - bot.delivered_at[update_id]) * 1000)
            turn += 1
            pause = rng.uniform(2.0, 4.0)
            with_pause = asyncio.create_task(until.wait())
            await asyncio.wait({with_pause}, timeout=pause)
            with_pause.cancel()

    starts = [rng.uniform(0.2, 2.0) for _ in range(people)]
    await asyncio.gather(*(person(FIRST_CHATTER + i, starts[i]) for i in range(people)))
    return latencies


async def _wave(channel: TelegramChannel, size: int, queued: bool) -> list[Delivery]:
    def alert(i: int) -> Any:
        return channel.notify("aachen", f"telegram:{FIRST_RECIPIENT + i}", [ALERT])

    with bulk_sending():
        if queued:
            return list(await asyncio.gather(*(alert(i) for i in range(size))))
        return [await alert(i) for i in range(size)]


async def _run(
    *, size: int, people: int, replies_first: bool, queued: bool | None, seed: int = 7
) -> dict[str, Any]:
    """One run on a fresh fake; ``queued=None``: no wave, people chat for 8 s."""
    api = FakeBotAPI()
    await api.start()
    bot = api.add_bot(TOKEN, "EngagementAachenBot")
    channel = TelegramChannel(
        make_tenant(api.url), EchoEngine(), TOKEN, None, replies_first=replies_first
    )
    await channel.start()
    try:
        done = asyncio.Event()
        chatting = asyncio.create_task(_chat(api, bot, people, done, seed))
        began = time.monotonic()
        if queued is None:
            await asyncio.sleep(8.0)
            deliveries: list[Delivery] = []
        else:
            await asyncio.sleep(0.5)  # people are about to write when the wave begins
            deliveries = await _wave(channel, size, queued)
        elapsed = time.monotonic() - began
        done.set()
        latencies = await chatting
        wave = [s.at for s in bot.sent if s.chat_id >= FIRST_RECIPIENT]
        span = max(wave) - min(wave) if len(wave) > 1 else 0.0
        return {
            "replies": len(latencies),
            "p50": round(percentile(latencies, 0.50), 1),
            "p95": round(percentile(latencies, 0.95), 1),
            "max": round(max(latencies), 1),
            "delivered": deliveries.count(Delivery.DELIVERED),
            "msgs_per_s": round((len(wave) - 1) / span, 1) if span else 0.0,
            "max_in_any_second": max_in_any_second([s.at for s in bot.sent]),
            "429s": bot.rejected_429,
            "seconds": round(elapsed, 1),
        }
    finally:
        await channel.stop()
        await api.close()


async def run_wave_bench(quick: bool = False) -> dict[str, Any]:
    size, people = (150, 10) if quick else (500, 20)
    result: dict[str, Any] = {"wave_messages": size, "wave_people_chatting": people}
    idle = await _run(size=0, people=people, replies_first=True, queued=None)
    result["wave_reply_idle_p95_ms"] = idle["p95"]
    for prefix, queued in (("wave", False), ("wave_queued", True)):
        for suffix, replies_first in (("", True), ("_fifo", False)):
            run = await _run(size=size, people=people, replies_first=replies_first, queued=queued)
            result[f"{prefix}_reply_p95_ms{suffix}"] = run["p95"]
            result[f"{prefix}_reply_p50_ms{suffix}"] = run["p50"]
            result[f"{prefix}_reply_max_ms{suffix}"] = run["max"]
            result[f"{prefix}_replies{suffix}"] = run["replies"]
            result[f"{prefix}_delivered{suffix}"] = run["delivered"]
            result[f"{prefix}_msgs_per_s{suffix}"] = run["msgs_per_s"]
            result[f"{prefix}_max_in_any_second{suffix}"] = run["max_in_any_second"]
            result[f"{prefix}_429s{suffix}"] = run["429s"]
            result[f"{prefix}_seconds{suffix}"] = run["seconds"]
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run_wave_bench("--quick" in sys.argv)), indent=2))

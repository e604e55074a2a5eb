"""A person chatting with the bot during an alert wave gets the answer at once,
not after the wave: the real python-telegram-bot against the Bot API fake,
the wave sent as the outbox sends (inside ``bulk_sending``)."""

from __future__ import annotations

import asyncio

from core.notify import bulk_sending
from dialogue.messages import Button, Reply
from dialogue.ports import Delivery
from tests.bots.telegram.fake_bot_api import FakeBot, FakeBotAPI
from tests.bots.telegram.harness import ChatUser, texts_of
from tests.bots.telegram.test_telegram_adapter import max_in_any_second

WAVE = 60  # about two seconds at Telegram's 30 messages a second
ALERT = Reply(
    "<b>Dringend:</b> Heute 14–18 Uhr Helfer für die Tafel gesucht.",
    buttons=(Button("Ich helfe", "need:42:signup"), Button("Nein", "alert:no")),
)


async def _chat_during_wave(
    channel: object, fake: FakeBotAPI, tg_bot: FakeBot, user: ChatUser
) -> tuple[int, int, list[Delivery]]:
    """Luisa writes while the wave is under way; returns (alerts still waiting
    when she wrote, alerts sent after her answer, the wave's deliveries)."""

    def alerts() -> list[int]:
        return [i for i, s in enumerate(tg_bot.sent) if s.chat_id != user.chat_id]

    async def wave() -> list[Delivery]:
        with bulk_sending():
            return await asyncio.gather(
                *(channel.notify("aachen", f"telegram:{8000 + i}", [ALERT]) for i in range(WAVE))  # type: ignore[attr-defined]
            )

    sending = asyncio.create_task(wave())
    await fake.wait_for(lambda: len(alerts()) >= 10)
    waiting = WAVE - len(alerts())
    answer = await user.say("Hallo")
    assert texts_of(answer) == ["Echo: Hallo"]
    deliveries = await sending
    reply_at = tg_bot.sent.index(answer[0])
    return waiting, sum(1 for i in alerts() if i > reply_at), deliveries


async def test_reply_during_a_wave_goes_out_before_the_rest_of_the_wave(
    start_channel, engine, fake, tg_bot, user
):
    channel = await start_channel(engine)
    waiting, after_reply, deliveries = await _chat_during_wave(channel, fake, tg_bot, user)
    # Only the few alerts already on their way while the bot answered went first.
    assert waiting >= 40 and after_reply >= waiting - 10
    assert set(deliveries) == {Delivery.DELIVERED}
    assert max_in_any_second(sorted(s.at for s in tg_bot.sent)) <= 30
    assert tg_bot.rejected_429 == 0


async def test_without_replies_first_the_reply_waits_for_the_whole_wave(
    start_channel, engine, fake, tg_bot, user
):
    # The plain first-come-first-served window (the benchmark's baseline):
    # what people chatting during a wave saw before.
    channel = await start_channel(engine, replies_first=False)
    waiting, after_reply, deliveries = await _chat_during_wave(channel, fake, tg_bot, user)
    assert waiting >= 40 and after_reply == 0
    assert set(deliveries) == {Delivery.DELIVERED}

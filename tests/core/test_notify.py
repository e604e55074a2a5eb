"""Sends are answers to people chatting now unless the outbox marks them bulk."""

from __future__ import annotations

import asyncio

from core.notify import Traffic, bulk_sending, current_traffic


async def test_sends_are_replies_unless_inside_bulk_sending() -> None:
    assert current_traffic() is Traffic.REPLY
    with bulk_sending():
        assert current_traffic() is Traffic.BULK
        # what the outbox starts inside (PTB's request tasks) is bulk too
        assert await asyncio.create_task(_traffic()) is Traffic.BULK
    assert current_traffic() is Traffic.REPLY


async def test_a_conversation_running_beside_a_wave_stays_a_reply() -> None:
    wave_started = asyncio.Event()
    seen: list[Traffic] = []

    async def wave() -> None:
        with bulk_sending():
            wave_started.set()
            await asyncio.sleep(0)
            seen.append(current_traffic())

    async def conversation() -> None:
        await wave_started.wait()
        seen.append(current_traffic())

    await asyncio.gather(wave(), conversation())
    assert sorted(t.value for t in seen) == ["bulk", "reply"]


async def _traffic() -> Traffic:
    return current_traffic()

"""The order in which the Telegram rate limit lets messages go: answers to
people chatting now before the outbox's bulk, bulk in its own order, and a
few slots that bulk never takes.

Windows here have ``period=0``: a slot is free again the moment its request
ends, so the tests decide when slots free up by ending requests themselves;
nothing waits for a clock.
"""

from __future__ import annotations

import asyncio

from bots.telegram.ratelimit import SlidingWindow
from core.notify import Traffic

REPLY, BULK = Traffic.REPLY, Traffic.BULK


class Requests:
    """Requests through one window; ``started`` lists their names in the order they got a slot."""

    def __init__(self, window: SlidingWindow) -> None:
        self.window = window
        self.started: list[str] = []
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.traffic: dict[str, Traffic] = {}

    async def send(self, name: str, traffic: Traffic) -> None:
        """A request asks for a slot: it gets one now or joins the queue."""

        async def take() -> None:
            await self.window.acquire(traffic)
            self.started.append(name)

        self.traffic[name] = traffic
        self.tasks[name] = asyncio.create_task(take())
        await asyncio.sleep(0)  # it reaches the window before the next one is sent

    async def settle(self) -> None:
        """Let every request that can get a slot now take it."""
        for _ in range(20):
            await asyncio.sleep(0)

    async def finish(self, name: str) -> None:
        """The response to ``name`` arrived: its slot is free again."""
        assert name in self.started, f"{name} never started"
        self.window.release(self.traffic[name])
        await self.settle()


async def test_a_reply_waiting_behind_a_wave_goes_first() -> None:
    requests = Requests(SlidingWindow(1, 0.0))
    await requests.send("alert 1", BULK)
    await requests.settle()
    for n in (2, 3, 4):
        await requests.send(f"alert {n}", BULK)
    await requests.send("answer to Luisa", REPLY)
    await requests.settle()
    assert requests.started == ["alert 1"]  # the only slot is taken

    await requests.finish("alert 1")
    assert requests.started == ["alert 1", "answer to Luisa"]
    await requests.finish("answer to Luisa")
    await requests.finish("alert 2")
    await requests.finish("alert 3")
    assert requests.started == ["alert 1", "answer to Luisa", "alert 2", "alert 3", "alert 4"]


async def test_replies_keep_their_order_among_themselves() -> None:
    requests = Requests(SlidingWindow(1, 0.0))
    await requests.send("alert 1", BULK)
    await requests.settle()
    await requests.send("alert 2", BULK)
    await requests.send("answer to Luisa", REPLY)
    await requests.send("answer to Heinrich", REPLY)
    await requests.finish("alert 1")
    await requests.finish("answer to Luisa")
    await requests.finish("answer to Heinrich")
    assert requests.started == ["alert 1", "answer to Luisa", "answer to Heinrich", "alert 2"]


async def test_bulk_leaves_the_reserved_slots_to_replies() -> None:
    requests = Requests(SlidingWindow(4, 0.0, reserve=2))
    for n in (1, 2, 3):
        await requests.send(f"alert {n}", BULK)
    await requests.settle()
    assert requests.started == ["alert 1", "alert 2"]  # two of four slots, however many wait

    await requests.send("answer to Luisa", REPLY)
    await requests.send("answer to Heinrich", REPLY)
    await requests.settle()
    assert requests.started[2:] == ["answer to Luisa", "answer to Heinrich"]  # no waiting

    await requests.finish("alert 1")
    assert requests.started[-1] == "alert 3"


async def test_replies_may_use_every_slot() -> None:
    requests = Requests(SlidingWindow(3, 0.0, reserve=2))
    for name in ("Luisa", "Heinrich", "Aylin"):
        await requests.send(name, REPLY)
    await requests.send("alert 1", BULK)
    await requests.settle()
    assert requests.started == ["Luisa", "Heinrich", "Aylin"]  # bulk waits for a free slot
    await requests.finish("Luisa")
    assert requests.started[-1] == "alert 1"


async def test_plain_window_serves_first_come_first_served() -> None:
    # The benchmark's baseline: the same window without priority or reserve.
    requests = Requests(SlidingWindow(2, 0.0, reserve=1, replies_first=False))
    for n in (1, 2, 3):
        await requests.send(f"alert {n}", BULK)
    await requests.send("answer to Luisa", REPLY)
    await requests.settle()
    assert requests.started == ["alert 1", "alert 2"]  # no slot kept back
    await requests.finish("alert 1")
    await requests.finish("alert 2")
    assert requests.started == ["alert 1", "alert 2", "alert 3", "answer to Luisa"]


async def test_a_reply_given_up_on_does_not_hold_up_the_wave() -> None:
    requests = Requests(SlidingWindow(1, 0.0))
    await requests.send("alert 1", BULK)
    await requests.settle()
    await requests.send("alert 2", BULK)
    await requests.send("answer to Luisa", REPLY)
    await requests.settle()
    requests.tasks["answer to Luisa"].cancel()  # e.g. the update's handler was stopped
    await requests.finish("alert 1")
    assert requests.started == ["alert 1", "alert 2"]

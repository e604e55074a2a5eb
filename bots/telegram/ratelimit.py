"""Telegram's flood limits for one bot.

``AIORateLimiter``'s overall limiter is a leaky bucket: it lets 30 requests
through at once and then 30 more per second, so a burst puts up to ~59
messages into the first second. Telegram asks for at most 30 per second, so
chat-bound requests here pass through a sliding window instead (see
``SlidingWindow``). Everything else (the per-group limit, pausing all requests
and retrying after a 429 ``retry_after``) is ``AIORateLimiter``'s.

Replies first: the window knows two kinds of traffic (``core.notify.Traffic``).
Sends the outbox makes inside ``core.notify.bulk_sending`` (alerts, digests,
reminders) are bulk; everything else answers someone chatting now. A waiting
reply goes before every waiting bulk send, and bulk keeps a few slots of each
window free and is spread over the window instead of sent in one burst, so a
reply during an alert wave goes out at once instead of after the wave.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

from core.notify import Traffic, current_traffic

JSONDict = dict[str, Any]

# Methods a bot calls once at start-up. Telegram throttles them hard (a 429 for
# setMyName may ask for an hour); they are tried once and never block the bot.
_NO_RETRY = frozenset({"setMyCommands", "setMyName", "setMyDescription", "setMyShortDescription"})
# Calls with a chat_id that are not messages: they do not count against the
# 30 messages a second, so they neither wait for nor take a slot of the window.
_NOT_MESSAGES = frozenset({"sendChatAction"})
# Slots of each window that bulk leaves to replies. One: the first answer in
# a window of a wave goes out at once, the others wait at most for the next
# slot of the evenly spread bulk (~35 ms), and 29 of 30 keep an alert to
# 5,000 people near Telegram's rate (DESIGN.md: >= 25 a second; each slot is
# also held for the request's own round trip, so 3 cost ~10% of the rate).
REPLY_RESERVE = 1


class SlidingWindow:
    """At most ``limit`` requests in any ``period`` seconds, as the server sees them.

    A slot is held from the start of a request until ``period`` after its
    response: the server accepted it somewhere in between, so however the
    requests were delayed on the way, no ``period`` at the server holds more
    than ``limit`` of them.

    Replies first (``replies_first``): waiting replies go before waiting bulk
    sends, each kind in order of arrival. Bulk holds at most ``limit -
    reserve`` slots (at least one) and starts at most one request every
    ``period / (limit - reserve)`` seconds, so slots come free all the time
    rather than once a window after a burst. Without ``replies_first`` it is
    one first-come-first-served queue with neither reserve nor spacing.
    """

    def __init__(
        self, limit: int, period: float, *, reserve: int = 0, replies_first: bool = True
    ) -> None:
        self.limit = limit
        self.period = period
        self.replies_first = replies_first
        self.bulk_limit = max(1, limit - reserve) if replies_first else limit
        self.bulk_spacing = period / self.bulk_limit if replies_first else 0.0
        self._finished: deque[tuple[float, Traffic]] = deque()  # responses still inside
        self._in_flight = {Traffic.REPLY: 0, Traffic.BULK: 0}
        self._finished_bulk = 0
        self._next_bulk = -math.inf  # when the next bulk request may start
        # Who waits, per kind, in order; each waiter's event is set when it
        # should look again. Only the first of each kind looks: a wave of
        # hundreds does not wake hundreds of tasks for every slot.
        self._waiting: dict[Traffic, deque[asyncio.Event]] = {
            Traffic.REPLY: deque(),
            Traffic.BULK: deque(),
        }

    async def acquire(self, traffic: Traffic = Traffic.REPLY) -> None:
        loop = asyncio.get_running_loop()
        queue = self._waiting[self._queue_of(traffic)]
        ticket = asyncio.Event()
        queue.append(ticket)
        try:
            while True:
                now = loop.time()
                wait = self._wait(traffic, ticket, now)
                if wait == 0.0:
                    break
                ticket.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ticket.wait(), wait)
        except BaseException:
            queue.remove(ticket)
            self._wake()
            raise
        queue.popleft()
        self._in_flight[traffic] += 1
        if traffic is Traffic.BULK:
            # on a schedule, not "a spacing after the last one": the time it
            # takes to wake up does not slow the wave, and after a pause the
            # schedule starts again from now
            self._next_bulk = max(self._next_bulk, now - self.bulk_spacing) + self.bulk_spacing
        self._wake()  # the next in line may fit too

    def release(self, traffic: Traffic = Traffic.REPLY) -> None:
        self._in_flight[traffic] -= 1
        self._finished.append((asyncio.get_running_loop().time(), traffic))
        self._finished_bulk += traffic is Traffic.BULK
        self._wake()

    def _queue_of(self, traffic: Traffic) -> Traffic:
        return traffic if self.replies_first else Traffic.REPLY

    def _wait(self, traffic: Traffic, ticket: asyncio.Event, now: float) -> float | None:
        """0 when ``ticket`` may start now; else how long to wait at most
        before looking again (None: until something changes)."""
        while self._finished and self._finished[0][0] + self.period <= now:
            _, done = self._finished.popleft()
            self._finished_bulk -= done is Traffic.BULK
        kind = self._queue_of(traffic)
        if self._waiting[kind][0] is not ticket:
            return None  # first come, first served within a kind
        if kind is Traffic.BULK and self._waiting[Traffic.REPLY]:
            return None  # a reply is waiting: it goes first
        next_free = self._finished[0][0] + self.period - now if self._finished else None
        held = self._in_flight[Traffic.REPLY] + self._in_flight[Traffic.BULK] + len(self._finished)
        if held >= self.limit:
            return next_free
        if kind is Traffic.BULK:
            if self._in_flight[Traffic.BULK] + self._finished_bulk >= self.bulk_limit:
                return next_free
            if self._next_bulk > now:
                return self._next_bulk - now
        return 0.0

    def _wake(self) -> None:
        """Something changed: the first waiter of each kind looks again."""
        for queue in self._waiting.values():
            if queue:
                queue[0].set()


class TelegramRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` with a sliding window for messages and no retries for set-up calls.

    ``window`` is a hair over a second for clock granularity; the window itself
    is counted from responses, so delays on the way cannot squeeze more in.
    Replies go first and keep ``reply_reserve`` slots of each window for
    themselves (``SlidingWindow``); ``replies_first=False`` is the plain
    first-come-first-served window, the benchmark's baseline.
    """

    def __init__(
        self,
        max_per_window: int = 30,
        window: float = 1.01,
        max_retries: int = 3,
        *,
        replies_first: bool = True,
        reply_reserve: int = REPLY_RESERVE,
    ) -> None:
        super().__init__(overall_max_rate=0, overall_time_period=0, max_retries=max_retries)
        self._window = SlidingWindow(
            max_per_window, window, reserve=reply_reserve, replies_first=replies_first
        )

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if endpoint in _NO_RETRY:
            return await callback(*args, **kwargs)
        if data.get("chat_id") is None or endpoint in _NOT_MESSAGES:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        traffic = current_traffic()

        async def windowed(*a: Any, **kw: Any) -> bool | JSONDict | list[JSONDict]:
            await self._window.acquire(traffic)
            try:
                return await callback(*a, **kw)
            finally:
                self._window.release(traffic)

        return await super().process_request(
            windowed, args, kwargs, endpoint, data, rate_limit_args
        )

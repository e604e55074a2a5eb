"""Telegram's flood limits for one bot.

``AIORateLimiter``'s overall limiter is a leaky bucket: it lets 30 requests
through at once and then 30 more per second, so a burst puts up to ~59
messages into the first second. Telegram asks for at most 30 per second, so
chat-bound requests here pass through a sliding window instead (see
``SlidingWindow``). Everything else (the per-group limit, pausing all requests
and retrying after a 429 ``retry_after``) is ``AIORateLimiter``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]

# Methods a bot calls once at start-up. Telegram throttles them hard (a 429 for
# setMyName may ask for an hour); they are tried once and never block the bot.
_NO_RETRY = frozenset({"setMyCommands", "setMyName", "setMyDescription", "setMyShortDescription"})
# Calls with a chat_id that are not messages: they do not count against the
# 30 messages a second, so they neither wait for nor take a slot of the window.
_NOT_MESSAGES = frozenset({"sendChatAction"})


class SlidingWindow:
    """At most ``limit`` requests in any ``period`` seconds, as the server sees them.

    A slot is held from the start of a request until ``period`` after its
    response: the server accepted it somewhere in between, so however the
    requests were delayed on the way, no ``period`` at the server holds more
    than ``limit`` of them.
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._finished: deque[float] = deque()  # response times still inside the window
        self._in_flight = 0
        self._queue = asyncio.Lock()  # first come, first served; only the head waits
        self._freed = asyncio.Event()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._queue:
            while True:
                now = loop.time()
                while self._finished and self._finished[0] + self.period <= now:
                    self._finished.popleft()
                if self._in_flight + len(self._finished) < self.limit:
                    self._in_flight += 1
                    return
                self._freed.clear()
                wait = self._finished[0] + self.period - now if self._finished else None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._freed.wait(), wait)

    def release(self) -> None:
        self._in_flight -= 1
        self._finished.append(asyncio.get_running_loop().time())
        self._freed.set()


class TelegramRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` with a sliding window for messages and no retries for set-up calls.

    ``window`` is a hair over a second for clock granularity; the window itself
    is counted from responses, so delays on the way cannot squeeze more in.
    """

    def __init__(
        self, max_per_window: int = 30, window: float = 1.01, max_retries: int = 3
    ) -> None:
        super().__init__(overall_max_rate=0, overall_time_period=0, max_retries=max_retries)
        self._window = SlidingWindow(max_per_window, window)

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

        async def windowed(*a: Any, **kw: Any) -> bool | JSONDict | list[JSONDict]:
            await self._window.acquire()
            try:
                return await callback(*a, **kw)
            finally:
                self._window.release()

        return await super().process_request(
            windowed, args, kwargs, endpoint, data, rate_limit_args
        )

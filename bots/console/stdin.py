"""Reading stdin without blocking the event loop (both console modes)."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["LineReader"]


class LineReader:
    """Reads one line per request in a daemon thread.

    The event loop never blocks on the terminal or pipe, and — unlike
    ``asyncio.to_thread`` — a pending read does not keep the process alive
    after Ctrl-C. Works for terminals, pipes and files alike.
    ``read`` returns a line, or ``None`` / raises ``EOFError`` at the end."""

    def __init__(self, read: Callable[[], Any]) -> None:
        self._read = read
        self._requests: queue.SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]]
        self._requests = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def readline(self) -> Any:
        """The next line, or ``None`` at the end of input."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._requests.put((loop, future))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="console-stdin", daemon=True)
            self._thread.start()
        return await future

    def _run(self) -> None:
        while True:
            loop, future = self._requests.get()
            error: BaseException | None = None
            line: Any = None
            try:
                line = self._read()
                if line in (b"", ""):
                    line = None
            except EOFError:
                line = None
            except BaseException as exc:  # handed to the awaiting coroutine
                error = exc
            try:
                loop.call_soon_threadsafe(_resolve, future, line, error)
            except RuntimeError:  # the loop is closed: nobody waits any more
                return


def _resolve(future: asyncio.Future[Any], line: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(line)

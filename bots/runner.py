"""``ehrenamt run``: starting and stopping what ``bootstrap`` wired (every
configured channel of every tenant, the web server, the reminder scheduler).

A channel that fails to start is reported and the others keep running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from dialogue.ports import Channel

log = logging.getLogger(__name__)


async def start_channels(channels: Sequence[Channel]) -> list[Channel]:
    started = []
    for channel in channels:
        try:
            await channel.start()
        except Exception:  # one tenant's broken bot must not stop the others
            log.exception("channel %s failed to start", channel.name)
            continue
        started.append(channel)
    return started


async def stop_channels(channels: Sequence[Channel]) -> None:
    """Stop all at once: each bot may wait for its long poll to end, and twenty
    tenants one after another would keep a shutdown waiting for minutes."""

    async def stop(channel: Channel) -> None:
        try:
            await channel.stop()
        except Exception:
            log.exception("channel %s failed to stop cleanly", channel.name)

    await asyncio.gather(*(stop(c) for c in channels))


async def wait_for_stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()

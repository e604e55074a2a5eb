"""``ehrenamt run``: every configured channel of every tenant in one process.

Channels come from factories that read the tenant files (Telegram, Matrix);
a channel that fails to start is reported and the others keep running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping

from bots.bootstrap import App
from core.services.people import mark_unreachable
from dialogue.ports import Channel

log = logging.getLogger(__name__)


def build_channels(app: App, environ: Mapping[str, str] | None = None) -> list[Channel]:
    """The chat channels the tenant files configure."""
    env = os.environ if environ is None else environ
    channels: list[Channel] = []

    async def on_unreachable(tenant: str, identity: str) -> None:
        await mark_unreachable(app.db, identity, app.now())

    if any(t.telegram for t in app.tenants.values()):
        from bots.telegram import build_telegram_channels

        channels += build_telegram_channels(app.tenants, app.engine, env, on_unreachable)
    if any(t.matrix for t in app.tenants.values()):
        from bots.matrix import build_matrix_channels

        channels += build_matrix_channels(
            app.tenants, app.engine, env, app.settings.data_dir, on_unreachable
        )
    return channels


async def start_channels(channels: list[Channel]) -> list[Channel]:
    started = []
    for channel in channels:
        try:
            await channel.start()
        except Exception:  # one tenant's broken bot must not stop the others
            log.exception("channel %s failed to start", channel.name)
            continue
        started.append(channel)
    return started


async def stop_channels(channels: list[Channel]) -> None:
    for channel in reversed(channels):
        try:
            await channel.stop()
        except Exception:
            log.exception("channel %s failed to stop cleanly", channel.name)


async def wait_for_stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()

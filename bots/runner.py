"""``ehrenamt run``: every configured channel of every tenant, the web server
and the reminder scheduler in one process.

Channels come from factories that read the tenant files (Telegram, Matrix);
a channel that fails to start is reported and the others keep running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bots.bootstrap import App
from core.notify import Delivery
from core.reminders.alerts import run_alert_wave
from core.reminders.housekeeping import run_housekeeping
from core.reminders.scheduler import ReminderScheduler
from core.services.people import mark_unreachable
from dialogue.messages import Reply
from dialogue.notifications import ChannelSender, Renderer
from dialogue.ports import Channel, Notifier

log = logging.getLogger(__name__)


@dataclass
class TenantRouter:
    """One notifier per channel kind that hands each message to the bot of
    the recipient's municipality (one Telegram bot per tenant, …)."""

    channel: str
    by_tenant: dict[str, Notifier] = field(default_factory=dict)

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        notifier = self.by_tenant.get(tenant)
        if notifier is None:
            return Delivery.NO_CHANNEL
        return await notifier.notify(tenant, identity, replies)


def notifiers_of(channels: Sequence[Channel]) -> dict[str, TenantRouter]:
    routers: dict[str, TenantRouter] = {}
    for channel in channels:
        if channel.tenant is None or not isinstance(channel, Notifier):
            continue  # serves every tenant, or sends nothing on its own
        router = routers.setdefault(channel.kind, TenantRouter(channel.kind))
        router.by_tenant[channel.tenant.slug] = channel
    return routers


def build_channels(app: App, environ: Mapping[str, str] | None = None) -> list[Channel]:
    """The chat channels the tenant files configure."""
    env = os.environ if environ is None else environ
    channels: list[Channel] = []

    async def on_unreachable(tenant: str, identity: str) -> None:
        await mark_unreachable(app.db, identity, tenant, app.now())

    if any(t.telegram for t in app.tenants.values()):
        from bots.telegram import build_telegram_channels

        channels += build_telegram_channels(app.tenants, app.engine, env, on_unreachable)
    if any(t.matrix for t in app.tenants.values()):
        from bots.matrix import build_matrix_channels

        matrix = build_matrix_channels(
            app.tenants, app.engine, env, app.settings.data_dir, on_unreachable
        )
        # Erasure reaches the bots' state in memory too (core.services.privacy).
        app.personal_files.hooks.extend(channel.forget for channel in matrix)
        channels += matrix
    return channels


def build_scheduler(app: App, notifiers: Mapping[str, Notifier]) -> ReminderScheduler:
    sender = ChannelSender(Renderer(app.db, app.tenants), notifiers, app.clock)

    async def housekeeping(now):  # type: ignore[no-untyped-def]
        await run_housekeeping(app.db, now, files=app.personal_files)

    return ReminderScheduler(
        app.db, sender, app.clock, {"alert_wave": run_alert_wave}, housekeeping_work=housekeeping
    )


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

"""The composition root: the one place that builds the database, clock,
tenants, geocoder, NLU, dialogue engine, the channels with their notifiers,
the reminder scheduler and the mail sender. The runner, the web app and the
tests call ``bootstrap`` (tests with overrides); nothing is built at import."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from core.clock import Clock, SystemClock
from core.db import Database, create_engine
from core.geo.gazetteer import Gazetteer
from core.migrate import upgrade
from core.notify import Delivery
from core.reminders.alerts import run_alert_wave
from core.reminders.housekeeping import run_housekeeping
from core.reminders.scheduler import ReminderScheduler
from core.services.people import mark_unreachable
from core.services.privacy import PersonalFiles
from core.services.tenants import sync_tenants
from core.settings import Settings
from core.taxonomy import Taxonomy
from core.tenants import TenantConfig, load_tenants
from dialogue.messages import Reply
from dialogue.notifications import ChannelSender, Renderer
from dialogue.ports import Channel, Notifier
from dialogue.understanding import Parser, Understanding

if TYPE_CHECKING:
    from bots.web.mail import MailSender
    from dialogue.engine import Engine

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TenantPlaces:
    """Resolves place names for a tenant: its districts and region first."""

    tenants: Mapping[str, TenantConfig]
    gazetteer: Gazetteer

    def resolve(self, name: str, tenant_slug: str) -> tuple[float, float, str]:
        from core.geo.geocoder import resolve_place

        place = resolve_place(name, self.tenants[tenant_slug], self.gazetteer)
        return place.lat, place.lon, place.name


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


@dataclass(slots=True)
class App:
    """Everything a process runs on, built once by ``bootstrap``. Dialogue
    flows see it through a narrow protocol (``dialogue.ports.DialogueServices``:
    db, clock, tenants, tenant_ids, taxonomy, gazetteer, places,
    personal_files, public_url)."""

    settings: Settings
    db: Database
    clock: Clock
    tenants: dict[str, TenantConfig]
    tenant_ids: dict[str, int]
    taxonomy: Taxonomy
    gazetteer: Gazetteer
    places: TenantPlaces
    personal_files: PersonalFiles
    # channel kind ("telegram", "matrix", "web") -> its notifier; the only way
    # out for messages the service sends on its own is the scheduler's delivery
    notifiers: dict[str, Notifier]
    scheduler: ReminderScheduler
    channels: list[Channel] = field(default_factory=list)
    mail_sender: MailSender | None = None
    nlu: Parser | None = None  # the trained built-in NLU (shared by tests)
    understanding: Understanding | None = None
    _engine: Engine | None = None

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def public_url(self) -> str:
        return self.settings.site_url

    @property
    def engine(self) -> Engine:
        """The dialogue engine, built on first use (it trains the NLU)."""
        if self._engine is None:
            from dialogue.engine import build_engine

            self._engine = build_engine(self)
            freeze_startup_objects()
        return self._engine

    @engine.setter
    def engine(self, value: Engine | None) -> None:
        self._engine = value

    async def close(self) -> None:
        await self.db.dispose()


_frozen = False


def freeze_startup_objects() -> None:
    """Once per process, when the first engine is built (it trains the NLU,
    the last of the big start-up allocations): the objects built at start-up
    (gazetteer, taxonomy, texts, the NLU's tables; about 250,000) live as
    long as the process, yet every full garbage collection walked them all,
    a pause of tens to hundreds of milliseconds in the middle of some turn
    (and a fifth of the dialogue's CPU time in the bench). ``gc.freeze``
    leaves them out of those walks; objects made later are collected as
    before."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()


def build_scheduler(
    db: Database,
    clock: Clock,
    tenants: Mapping[str, TenantConfig],
    notifiers: Mapping[str, Notifier],
    files: PersonalFiles,
) -> ReminderScheduler:
    """Delivery: renders outbox rows per channel and language through
    ``notifiers`` (the app's dict, filled as channels are wired)."""
    sender = ChannelSender(Renderer(db, tenants), notifiers, clock)

    async def housekeeping(now: datetime) -> None:
        await run_housekeeping(db, now, files=files)

    return ReminderScheduler(
        db, sender, clock, {"alert_wave": run_alert_wave}, housekeeping_work=housekeeping
    )


def chat_channels(app: App, environ: Mapping[str, str] | None = None) -> list[Channel]:
    """The chat channels the tenant files configure (Telegram, Matrix)."""
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


def notifiers_of(channels: Sequence[Channel]) -> dict[str, TenantRouter]:
    routers: dict[str, TenantRouter] = {}
    for channel in channels:
        if channel.tenant is None or not isinstance(channel, Notifier):
            continue  # serves every tenant, or sends nothing on its own
        router = routers.setdefault(channel.kind, TenantRouter(channel.kind))
        router.by_tenant[channel.tenant.slug] = channel
    return routers


def wire_channels(app: App, *, web: bool, environ: Mapping[str, str] | None = None) -> None:
    """Chat channels, their notifiers, the web server (with the Telegram
    webhooks it receives) and the mail sender: what ``ehrenamt run`` starts."""
    channels = chat_channels(app, environ)
    app.notifiers.update(notifiers_of(channels))
    if web:
        from bots.telegram.webhook import webhook_routes
        from bots.web.app import WebChannel

        # Telegram bots in webhook mode receive their updates on this server.
        webhooks = webhook_routes(c for c in channels if c.kind == "telegram")
        channels.append(
            WebChannel(app, app.settings.host, app.settings.web_port, extra_routes=webhooks)
        )
    app.channels = channels
    from bots.web.app import mail_sender

    # Every process sends mail (rows are claimed before sending, so never twice).
    app.mail_sender = mail_sender(app)


async def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    tenants: dict[str, TenantConfig] | None = None,
    migrate: bool = True,
    channels: bool = False,
    web: bool = True,
    environ: Mapping[str, str] | None = None,
) -> App:
    """Build the application. ``migrate`` runs Alembic up to head first;
    ``channels`` wires the chat channels from the tenant files (and, with
    ``web``, the web server) for ``ehrenamt run``. The scheduler is always
    built; whoever runs the process starts it."""
    settings = settings or Settings.from_env()
    if db is None:
        if migrate:
            await upgrade(settings.database_url)
        db = Database(create_engine(settings.database_url))
    tenants = tenants if tenants is not None else load_tenants(settings.tenants_dir)
    tenant_ids = await sync_tenants(db, tenants)
    gazetteer = Gazetteer.default()
    clock = clock or SystemClock()
    notifiers: dict[str, Notifier] = {}
    # Personal data outside the database, for erasure (running channels add
    # their forget hooks here).
    files = PersonalFiles.of(settings.data_dir, settings.outbox_dir)
    app = App(
        settings=settings,
        db=db,
        clock=clock,
        tenants=tenants,
        tenant_ids=tenant_ids,
        taxonomy=Taxonomy.load(),
        gazetteer=gazetteer,
        places=TenantPlaces(tenants, gazetteer),
        personal_files=files,
        notifiers=notifiers,
        scheduler=build_scheduler(db, clock, tenants, notifiers, files),
    )
    if channels:
        wire_channels(app, web=web, environ=environ)
    return app


__all__ = [
    "App",
    "TenantPlaces",
    "TenantRouter",
    "bootstrap",
    "build_scheduler",
    "notifiers_of",
    "wire_channels",
]

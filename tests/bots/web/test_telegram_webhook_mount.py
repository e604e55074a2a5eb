"""The web server carries the Telegram webhook endpoints of bots in webhook
mode: an update posted there reaches that tenant's bot, with its secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import httpx

from bots.bootstrap import bootstrap
from bots.telegram.webhook import SECRET_HEADER, webhook_routes
from bots.web import create_app
from core.clock import FixedClock
from core.db import Database
from core.settings import Settings
from tests.bots.web.conftest import web_config


@dataclass
class WebhookBot:
    """Stands in for a TelegramChannel at its webhook boundary."""

    tenant: SimpleNamespace
    webhook_url: str = "https://example.org/telegram/aachen"
    received: list[bytes] = field(default_factory=list)

    async def handle_webhook(self, secret: str | None, body: bytes) -> int:
        if secret != "s3cret":
            return 403
        self.received.append(body)
        return 200


async def test_updates_reach_the_tenants_bot(
    sqlite_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings.from_env({"EHRENAMT_DATA_DIR": str(tmp_path)}, database_url=sqlite_db.url)
    app = await bootstrap(settings, clock=clock, db=sqlite_db, migrate=False)
    bot = WebhookBot(SimpleNamespace(slug="aachen"))
    asgi = create_app(app, web_config(tmp_path), webhook_routes([bot]))  # type: ignore[list-item]
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        ok = await client.post(
            "/telegram/aachen", content=b'{"update_id": 1}', headers={SECRET_HEADER: "s3cret"}
        )
        forged = await client.post(
            "/telegram/aachen", content=b"{}", headers={SECRET_HEADER: "wrong"}
        )
        unknown = await client.post(
            "/telegram/stolberg", content=b"{}", headers={SECRET_HEADER: "s3cret"}
        )
    assert (ok.status_code, forged.status_code, unknown.status_code) == (200, 403, 404)
    assert bot.received == [b'{"update_id": 1}']

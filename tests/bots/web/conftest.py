"""Fixtures for the web: the real app over a fresh SQLite database, the demo
tenants, a fixed clock, mail into a temporary outbox, and an async HTTP
client on the ASGI app (no server, no threads)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from bots.bootstrap import App, bootstrap
from bots.web import create_app, mail_sender
from bots.web.config import WebConfig
from bots.web.mail import MailSender, outbox_mails
from core.clock import FixedClock
from core.db import Database
from core.reminders.delivery import deliver_due
from core.settings import Settings

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LINK = re.compile(r"(http://testserver\S+)")


@dataclass
class Web:
    app: App
    asgi: Starlette
    client: httpx.AsyncClient
    outbox: Path
    clock: FixedClock
    sender: MailSender

    async def mails(self) -> list[Message]:
        """Every mail so far, after the sender delivered what the queue holds."""
        await self.sender.run_once()
        return [message_from_bytes(p.read_bytes()) for p in outbox_mails(self.outbox)]

    async def deliver(self) -> None:
        """What the scheduler does on its tick: deliver the outbox rows due now."""
        scheduler = self.app.scheduler
        await deliver_due(self.app.db, scheduler.sender, self.clock.now(), scheduler.system)

    async def last_link(self) -> str:
        body = (await self.mails())[-1].get_payload(decode=True).decode()  # type: ignore[union-attr]
        return LINK.findall(body)[-1].replace("http://testserver", "")

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        found = CSRF.search(page.text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    async def post(
        self, path: str, data: dict[str, object], *, form_page: str | None = None
    ) -> httpx.Response:
        token = await self.csrf(form_page or path)
        return await self.client.post(path, data={"csrf": token, **data})

    def new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.asgi), base_url="http://testserver"
        )


def web_config(tmp_path: Path) -> WebConfig:
    return WebConfig(
        public_url="http://testserver",
        secret_key="test-secret-key",
        smtp_url="",
        mail_from="test@localhost",
        outbox_dir=tmp_path / "outbox",
        frame_ancestors="https://www.example.org",
        max_body_bytes=64 * 1024,
        telegram_usernames={"aachen": "AachenEngagementBot"},
    )


@pytest.fixture
async def web_app(sqlite_db: Database, clock: FixedClock, tmp_path: Path) -> AsyncIterator[Web]:
    settings = Settings.from_env({"EHRENAMT_DATA_DIR": str(tmp_path)}, database_url=sqlite_db.url)
    app = await bootstrap(settings, clock=clock, db=sqlite_db, migrate=False)
    config = web_config(tmp_path)
    asgi = create_app(app, config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
    ) as client:
        yield Web(app, asgi, client, config.outbox_dir, clock, mail_sender(app, config))

"""The web chat on the municipality's own website: a page served by a second
server on another site (http://localhost:<port>) frames
``http://127.0.0.1:<port>/embed/t/aachen/chat``, and a volunteer completes the
onboarding inside the frame in real Chromium. Cross-site, the session cookie
is never sent; the chat carries its session in the page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web as aioweb
from sqlalchemy import func, select

from bots.bootstrap import bootstrap
from bots.web import WebChannel
from bots.web.config import WebConfig
from bots.web.routes.editor import embed_snippet
from core.clock import FixedClock
from core.db import Database
from core.models import Person, VolunteerProfile
from core.services.demo import seed_demo
from core.settings import Settings
from tests.bots.web.test_browser import ARGS, CHROMIUM, SHOTS, _free_port

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium from apt is missing")


async def _host_page(port: int, snippet: str) -> AsyncIterator[str]:
    """The municipality's website: one page with the embed snippet."""
    html = (
        "<!doctype html><html lang='de'><head><meta charset='utf-8'><title>Stadt Aachen</title>"
        f"</head><body><h1>Ehrenamt in Aachen</h1>{snippet}</body></html>"
    )

    async def page(_: aioweb.Request) -> aioweb.Response:
        return aioweb.Response(text=html, content_type="text/html")

    app = aioweb.Application()
    app.router.add_get("/ehrenamt", page)
    runner = aioweb.AppRunner(app)
    await runner.setup()
    site = aioweb.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://localhost:{port}/ehrenamt"
    finally:
        await runner.cleanup()


@pytest.fixture
async def servers(
    sqlite_db: Database, clock: FixedClock, tmp_path: Path
) -> AsyncIterator[tuple[str, Database]]:
    service_port, host_port = _free_port(), _free_port()
    settings = Settings.from_env({"EHRENAMT_DATA_DIR": str(tmp_path)}, database_url=sqlite_db.url)
    app = await bootstrap(settings, clock=clock, db=sqlite_db, migrate=False)
    await seed_demo(
        app.db,
        tenants=app.tenants,
        tenant_ids=app.tenant_ids,
        taxonomy=app.taxonomy,
        places=app.places,
        now=app.now(),
    )
    service = f"http://127.0.0.1:{service_port}"
    config = WebConfig(
        public_url=service,
        secret_key="embed-test-secret",
        smtp_url="",
        mail_from="test@localhost",
        outbox_dir=tmp_path / "outbox",
        frame_ancestors=f"http://localhost:{host_port}",
        telegram_usernames={},
    )
    channel = WebChannel(app, "127.0.0.1", service_port, config)
    await channel.start()
    snippet = embed_snippet(service, "aachen", "Chat – Engagement-Bot Aachen")
    try:
        async for host_url in _host_page(host_port, snippet):
            yield host_url, sqlite_db
    finally:
        await channel.stop()


async def test_onboarding_in_a_cross_site_frame(servers: tuple[str, Database]) -> None:
    from playwright.async_api import async_playwright

    host_url, db = servers
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(
                locale="de-DE", viewport={"width": 900, "height": 900}
            )
            context.set_default_timeout(10_000)
            page = await context.new_page()
            await page.goto(host_url)
            assert page.url.startswith("http://localhost:")  # another site than the service
            frame = page.frame_locator("iframe")

            async def press(payload: str) -> None:
                await frame.locator(f'button[value="{payload}"]').first.click()

            await frame.get_by_text("Stadt Aachen (Demo)").first.wait_for()
            await press("f:consent:yes")
            await frame.get_by_text("Wofür").first.wait_for()
            await press("f:interests:umwelt")
            await frame.get_by_text("Gewählt: Umwelt").first.wait_for()
            await press("f:interests:done")
            # A press reloads the frame: typing before the next question is shown could
            # land in the page that is being replaced (CI saw the postcode lost that way).
            await frame.get_by_text("Wo bist du unterwegs").first.wait_for()
            await frame.get_by_label("Deine Nachricht").fill("52062")
            await frame.get_by_role("button", name="Senden").click()
            await frame.get_by_text("Wie weit darf es").first.wait_for()
            await press("f:radius:10")
            await press("f:availability:weekend")
            await frame.get_by_text("Bisher:").first.wait_for()
            await press("f:availability:done")
            await press("f:qualifications:done")
            await press("f:alerts:yes")
            await frame.get_by_text("gemerkt").first.wait_for()
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / "embed-cross-site.png"), full_page=True)
            # The session travelled in the page, not in a cookie the frame could not send.
            inner = page.frames[1]
            assert inner.url.startswith("http://127.0.0.1:") and "?s=" in inner.url
        finally:
            await browser.close()
    async with db.sessions() as session:
        people = await session.scalar(
            select(func.count()).select_from(Person).where(Person.consented_at.is_not(None))
        )
        profiles = (await session.scalars(select(VolunteerProfile))).all()
    demo_people = 3
    assert people == demo_people + 1  # one new volunteer, not one per request
    assert any(p.home_label and "Aachen" in p.home_label and p.radius_km == 10 for p in profiles)

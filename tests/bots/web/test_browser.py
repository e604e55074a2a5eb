"""The web in a real browser: Debian's Chromium driven by Playwright, the
server running as the runner runs it (``WebChannel`` in this event loop).

One journey from sign-up to a relayed message; a form that keeps its input;
another organisation's need (403); another tenant's editor (403). axe-core
checks the main pages (no serious or critical violations), every page is
checked at 360 px for horizontal scrolling, screenshots go to
``var/screenshots/``."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest

from bots.bootstrap import App, bootstrap
from bots.web import WebChannel, ensure_demo_editor, mail_sender
from bots.web.config import WebConfig
from bots.web.mail import MailSender, outbox_mails
from core.clock import FixedClock
from core.db import Database
from core.reminders.delivery import deliver_due
from core.services.demo import seed_demo
from core.settings import PROJECT_ROOT, Settings
from tests.bots.web.helpers import BERLIN

CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT_ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = PROJECT_ROOT / "var" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() or not AXE.exists(),
    reason="run tests/bots/web/install_browser.sh (Chromium from apt, axe-core from npm)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    app: App
    url: str
    outbox: Path
    clock: FixedClock
    browser: object  # playwright Browser
    sender: MailSender


@pytest.fixture
async def site(sqlite_db: Database, clock: FixedClock, tmp_path: Path) -> AsyncIterator[Site]:
    from playwright.async_api import async_playwright

    port = _free_port()
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
    url = f"http://127.0.0.1:{port}"
    config = WebConfig(
        public_url=url,
        secret_key="browser-test-secret",
        smtp_url="",
        mail_from="test@localhost",
        outbox_dir=tmp_path / "outbox",
        frame_ancestors="",
        telegram_usernames={},
    )
    channel = WebChannel(app, "127.0.0.1", port, config)
    await channel.start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                yield Site(app, url, tmp_path / "outbox", clock, browser, mail_sender(app, config))
            finally:
                await browser.close()
    finally:
        await channel.stop()


async def _context(site: Site, width: int = 1100):  # type: ignore[no-untyped-def]
    context = await site.browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": 900}, locale="de-DE", base_url=site.url
    )
    context.set_default_timeout(10_000)
    return context


async def check_page(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """axe-core finds nothing serious or critical; no horizontal scroll at 360 px;
    screenshots at desktop and phone width."""
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    # Injected through DevTools (page.evaluate), so the page's CSP stays enforced.
    await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;window.axe = axe;")
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target).slice(0, 3)}))"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: " + json.dumps(bad)
    width = page.viewport_size["width"]
    await page.set_viewport_size({"width": 360, "height": 800})
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: scrolls sideways by {overflow}px at 360px"
    await page.screenshot(path=str(SHOTS / f"{name}-360.png"), full_page=True)
    await page.set_viewport_size({"width": width, "height": 900})


async def _last_link(site: Site) -> str:
    await site.sender.run_once()  # what the runner's sender does in the background
    mail = message_from_bytes(outbox_mails(site.outbox)[-1].read_bytes())
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    return re.findall(r"(http://127\.0\.0\.1:\d+/\S+)", body)[-1]


async def _sign_up(site: Site, page, name: str, email: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto("/t/aachen/signup")
    await page.get_by_label("Name der Organisation").fill(name)
    await page.get_by_label("Art der Organisation").select_option("verein")
    await page.get_by_label("Ansprechperson").fill("Petra")
    await page.get_by_label("E-Mail-Adresse").fill(email)
    await page.get_by_label("Passwort").fill("sicheres-passwort-1")
    await page.get_by_role("button", name="Registrieren").click()
    await page.get_by_role("heading", name="Fast geschafft!").wait_for()
    await page.goto(await _last_link(site))
    await page.get_by_role("heading", name="Meine Bedarfe").wait_for()


async def _fill_need(site: Site, page, title: str, place: str = "Burtscheid") -> None:  # type: ignore[no-untyped-def]
    day = (site.clock.now().astimezone(BERLIN) + timedelta(days=5)).date().isoformat()
    await page.get_by_label("Titel").fill(title)
    await page.get_by_label("Beschreibung").fill("Lebensmittel sortieren und ausgeben.")
    await page.get_by_label("Bereich").select_option("soziales")
    await page.get_by_label("Adresse, Postleitzahl oder Ortsname").fill(place)
    await page.get_by_label("Datum", exact=True).fill(day)
    await page.get_by_label("Beginn", exact=True).fill("10:00")
    await page.get_by_label("Ende", exact=True).fill("14:00")
    await page.get_by_label("Wie viele Helfende?").fill("2")


async def test_journey_from_sign_up_to_a_relayed_message(site: Site):
    org_ctx, editor_ctx, volunteer_ctx = [await _context(site) for _ in range(3)]
    org = await org_ctx.new_page()
    # An organisation signs up and verifies by the outbox link.
    await _sign_up(site, org, "Aachener Tafel", "tafel@example.org")
    await check_page(org, "org-dashboard")
    # It posts a need, checking the place first.
    await org.get_by_role("link", name="Neuer Bedarf").click()
    await _fill_need(site, org, "Helfende für die Tafel-Ausgabe")
    await org.get_by_role("button", name="Ort prüfen").click()
    await org.get_by_text("Gefunden: ").wait_for()
    await check_page(org, "need-form")
    await org.get_by_role("button", name="Bedarf veröffentlichen").click()
    await org.get_by_text("wird jetzt von der Redaktion geprüft").wait_for()
    need_id = int(re.search(r"/needs/(\d+)", org.url).group(1))  # type: ignore[union-attr]
    # The editor approves it.
    email, password = await ensure_demo_editor(site.app, "aachen")
    editor = await editor_ctx.new_page()
    await editor.goto("/t/aachen/login")
    await editor.get_by_label("E-Mail-Adresse").fill(email)
    await editor.get_by_label("Passwort").fill(password)
    await editor.get_by_role("button", name="Anmelden").click()
    await editor.get_by_role("heading", name="Bedarfe prüfen").wait_for()
    await check_page(editor, "editor-queue")
    card = editor.locator(f"#need-{need_id}")
    await card.get_by_role("button", name="Freigeben").click()
    await editor.get_by_text("Freigegeben.").wait_for()
    await editor.goto("/t/aachen/editor/statistics")
    await check_page(editor, "editor-statistics")
    # A volunteer finds it and signs up in the web chat.
    volunteer = await volunteer_ctx.new_page()
    await volunteer.goto("/t/aachen/?text=Tafel-Ausgabe")
    await check_page(volunteer, "public-list")
    await volunteer.get_by_role("link", name="Helfende für die Tafel-Ausgabe").click()
    await check_page(volunteer, "need-page")
    await volunteer.get_by_role("link", name="Im Web-Chat anmelden").click()
    await volunteer.get_by_text("Helfende für die Tafel-Ausgabe").first.wait_for()
    await volunteer.get_by_role("button", name="Mitmachen").click()
    await volunteer.get_by_role("button", name="Einverstanden").click()
    await volunteer.get_by_text("du bist dabei").wait_for()
    await check_page(volunteer, "chat")
    # The organisation sees the sign-up and relays a message.
    await org.goto(f"/t/aachen/org/needs/{need_id}")
    await org.get_by_text("angemeldet").first.wait_for()
    await check_page(org, "org-need")
    await org.get_by_label(re.compile("^Nachricht an")).fill("Bitte feste Schuhe mitbringen.")
    await org.get_by_role("button", name="Nachricht senden").click()
    await org.get_by_text("geht über den Chat an die Person").wait_for()
    # The scheduler's tick delivers it (the web sends nothing itself).
    scheduler = site.app.scheduler
    await deliver_due(site.app.db, scheduler.sender, site.clock.now(), scheduler.system)
    await volunteer.reload()
    await volunteer.get_by_text("Bitte feste Schuhe mitbringen.").wait_for()
    for ctx in (org_ctx, editor_ctx, volunteer_ctx):
        await ctx.close()


async def test_errors_keep_input_and_others_are_kept_out(site: Site):
    a_ctx, b_ctx, editor_ctx = [await _context(site) for _ in range(3)]
    a = await a_ctx.new_page()
    await _sign_up(site, a, "Aachener Tafel", "tafel@example.org")
    await a.goto("/t/aachen/org/needs/new")
    await _fill_need(site, a, "", place="Atlantis-Süd")
    await a.get_by_label("Wie viele Helfende?").fill("0")
    await a.get_by_role("button", name="Bedarf veröffentlichen").click()
    await a.get_by_text("Bitte prüfen Sie diese Angaben").wait_for()
    assert (
        await a.get_by_label("Adresse, Postleitzahl oder Ortsname").input_value() == "Atlantis-Süd"
    )
    assert (
        await a.get_by_label("Beschreibung").input_value() == "Lebensmittel sortieren und ausgeben."
    )
    assert await a.get_by_label("Bereich").input_value() == "soziales"
    assert await a.locator("#f-title").get_attribute("aria-invalid") == "true"
    await check_page(a, "need-form-errors")
    await a.get_by_label("Titel").fill("Tafel-Ausgabe")
    await a.get_by_label("Adresse, Postleitzahl oder Ortsname").fill("Burtscheid")
    await a.get_by_label("Wie viele Helfende?").fill("2")
    await a.get_by_role("button", name="Bedarf veröffentlichen").click()
    await a.get_by_text("wird jetzt von der Redaktion geprüft").wait_for()
    need_path = a.url.split("?")[0].replace(site.url, "")
    # Another organisation cannot open it.
    b = await b_ctx.new_page()
    await _sign_up(site, b, "TSV Eintracht", "tsv@example.org")
    response = await b.goto(need_path)
    assert response is not None and response.status == 403
    await b.get_by_role("heading", name="Kein Zugriff").wait_for()
    # Stolberg's editor cannot moderate Aachen.
    email, password = await ensure_demo_editor(site.app, "stolberg")
    editor = await editor_ctx.new_page()
    await editor.goto("/t/stolberg/login")
    await editor.get_by_label("E-Mail-Adresse").fill(email)
    await editor.get_by_label("Passwort").fill(password)
    await editor.get_by_role("button", name="Anmelden").click()
    await editor.get_by_role("heading", name="Bedarfe prüfen").wait_for()
    response = await editor.goto("/t/aachen/editor/")
    assert response is not None and response.status == 403
    for page, name in ((await a_ctx.new_page(), "signup"), (await a_ctx.new_page(), "login")):
        await page.goto(f"/t/aachen/{name}")
        await check_page(page, name)
    for ctx in (a_ctx, b_ctx, editor_ctx):
        await ctx.close()


async def test_an_organisation_answers_a_fitting_offer_in_the_browser(site: Site):
    """ "Passende Angebote": the offer with the reasons the chat shows
    ("Kinder & Jugend · … km", as written), the answer sent through the relay."""
    from sqlalchemy import select

    from core.models import RelayMessage
    from core.services import moderation
    from core.services.offers import OfferDraft, post_person_offer
    from core.services.people import register_with_consent

    ctx = await _context(site)
    org = await ctx.new_page()
    await _sign_up(site, org, "Aachener Tafel", "tafel@example.org")
    await org.get_by_role("link", name="Neuer Bedarf").click()
    await _fill_need(site, org, "Hausaufgabenhilfe")
    await org.get_by_label("Bereich").select_option("kinder_jugend")
    await org.get_by_role("button", name="Bedarf veröffentlichen").click()
    await org.get_by_text("wird jetzt von der Redaktion geprüft").wait_for()
    need_id = int(re.search(r"/needs/(\d+)", org.url).group(1))  # type: ignore[union-attr]
    app, now = site.app, site.clock.now()
    await moderation.review(
        app.db, app.tenant_ids["aachen"], need_id, approve=True, reason="", actor="t", now=now
    )
    person = await register_with_consent(
        app.db, tenant_slug="aachen", identity="telegram:4711", consent_version="2026-11",
        language="de", now=now,
    )  # fmt: skip
    offer_id = await post_person_offer(
        app.db,
        person.id,
        OfferDraft(
            title="Ich helfe gern bei Hausaufgaben",
            kind="time",
            category="kinder_jugend",
            lat=50.7606,
            lon=6.0939,
            place_label="Burtscheid",
        ),
        now=now,
    )
    await org.goto("/t/aachen/org/offers/fitting")
    card = org.locator("li.card", has_text="Ich helfe gern bei Hausaufgaben")
    await card.get_by_role("link", name="Hausaufgabenhilfe").wait_for()
    reasons = await card.locator(".reasons").inner_text()
    assert reasons.startswith("Kinder & Jugend · ") and " km" in reasons, reasons
    await check_page(org, "org-fitting-offers")
    await card.get_by_label("Nachricht an die Person").fill("Kommen Sie gern am Samstag vorbei!")
    await card.get_by_role("button", name="Senden").click()
    await org.get_by_text("Gesendet.").wait_for()
    async with app.db.sessions() as session:
        sent = await session.scalar(select(RelayMessage).where(RelayMessage.offer_id == offer_id))
    assert sent is not None and sent.body == "Kommen Sie gern am Samstag vorbei!"
    await ctx.close()

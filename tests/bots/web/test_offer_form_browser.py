"""The offer form in a real browser (``tests/bots/web/test_browser.py``'s
site: Debian's Chromium driven by Playwright): a company offers its van on
weekends; a first try with a mistake keeps everything typed and says what to
fix in German; axe-core finds nothing serious on the form with its errors."""

from __future__ import annotations

from datetime import timedelta

from tests.bots.web.helpers import BERLIN
from tests.bots.web.test_browser import (  # noqa: F401 (``site`` is a fixture)
    Site,
    _context,
    _sign_up,
    check_page,
    pytestmark,
    site,
)


async def test_a_van_on_weekends_offered_with_one_mistake_fixed(site: Site):  # noqa: F811
    ctx = await _context(site)
    page = await ctx.new_page()
    await _sign_up(site, page, "Autohaus Müller", "autohaus@example.org")
    await page.goto("/t/aachen/org/offers/new")
    await page.get_by_label("Art des Angebots").select_option("resource:van")
    await page.get_by_label("Beschreibung (optional)").fill("9-Sitzer mit Anhängerkupplung")
    await page.get_by_label("Wo steht es zur Verfügung?").fill("Brand")
    await page.get_by_label("Samstag").check()
    await page.get_by_label("Sonntag").check()
    await page.get_by_label("Gültig bis (optional)").fill("2020-01-01")
    await page.get_by_role("button", name="Angebot speichern").click()
    await page.get_by_text("Bitte prüfen Sie diese Angaben").wait_for()
    summary = await page.locator(".error-summary").inner_text()
    # What to fix, in the order of the form.
    assert summary.index("Was bieten Sie an?: Bitte ausfüllen.") < summary.index(
        "Gültig bis (optional): Dieser Zeitpunkt liegt in der Vergangenheit."
    ), summary
    assert await page.locator("#f-title").get_attribute("aria-invalid") == "true"
    # Nothing typed is lost.
    assert await page.get_by_label("Art des Angebots").input_value() == "resource:van"
    assert (
        await page.get_by_label("Beschreibung (optional)").input_value()
        == "9-Sitzer mit Anhängerkupplung"
    )
    assert await page.get_by_label("Wo steht es zur Verfügung?").input_value() == "Brand"
    assert await page.get_by_label("Samstag").is_checked()
    assert await page.get_by_label("Sonntag").is_checked()
    assert not await page.get_by_label("Montag").is_checked()
    await check_page(page, "offer-form-errors")
    until = (site.clock.now().astimezone(BERLIN) + timedelta(days=60)).date().isoformat()
    await page.get_by_label("Was bieten Sie an?").fill("Transporter am Wochenende")
    await page.get_by_label("Gültig bis (optional)").fill(until)
    await page.get_by_role("button", name="Angebot speichern").click()
    await page.get_by_role("heading", name="Meine Angebote").wait_for()
    assert await page.get_by_text("Transporter am Wochenende").count() == 1
    await ctx.close()

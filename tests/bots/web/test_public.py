"""Public pages: the list with the bot's filters, a need's page with chat
links and QR code, ICS feeds with stable UIDs, branding and languages."""

from __future__ import annotations

import pytest

from core.services.demo import seed_demo
from tests.bots.web.conftest import Web


@pytest.fixture
async def demo(web_app: Web) -> Web:
    app = web_app.app
    await seed_demo(
        app.db,
        tenants=app.tenants,
        tenant_ids=app.tenant_ids,
        taxonomy=app.taxonomy,
        places=app.places,
        now=app.now(),
    )
    return web_app


async def test_list_filters_by_category_and_place(demo: Web):
    every = await demo.client.get("/t/aachen/")
    only = await demo.client.get("/t/aachen/?category=tiere")
    assert every.status_code == only.status_code == 200
    assert only.text.count('class="card"') < every.text.count('class="card"')
    assert only.text.count('class="card"') >= 1
    assert "Tiere" in only.text
    near = await demo.client.get("/t/aachen/?place=Burtscheid&radius=2")
    assert "In der Nähe von Burtscheid" in near.text and "km entfernt" in near.text


async def test_unknown_place_in_the_filter_is_explained_and_kept(demo: Web):
    response = await demo.client.get("/t/aachen/?place=Atlantis")
    assert response.status_code == 400
    assert 'value="Atlantis"' in response.text and 'id="e-place"' in response.text


async def test_need_page_has_chat_links_qr_code_and_calendar(demo: Web):
    page = await demo.client.get("/t/aachen/needs/1")
    assert page.status_code == 200
    assert "/t/aachen/chat?start=need_1" in page.text
    assert "https://t.me/AachenEngagementBot?start=need_1" in page.text
    qr = await demo.client.get("/t/aachen/needs/1/qr.svg")
    assert qr.headers["content-type"].startswith("image/svg+xml") and b"<svg" in qr.content
    assert 'alt="QR-Code' in page.text


async def test_feeds_have_stable_uids_per_tenant_category_and_organisation(demo: Web):
    feed = await demo.client.get("/t/aachen/calendar.ics")
    assert feed.headers["content-type"].startswith("text/calendar")
    body = feed.text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    uids = [line for line in body.split("\r\n") if line.startswith("UID:")]
    assert len(uids) > 5 and all(u.endswith("-aachen@ehrenamt-bot") for u in uids)
    assert uids == [
        line
        for line in (await demo.client.get("/t/aachen/calendar.ics")).text.split("\r\n")
        if line.startswith("UID:")
    ]
    assert "RRULE:FREQ=WEEKLY" in body and "BEGIN:VTIMEZONE" in body
    category = await demo.client.get("/t/aachen/calendar/category/umwelt.ics")
    assert 0 < category.text.count("BEGIN:VEVENT") < body.count("BEGIN:VEVENT")
    org = await demo.client.get("/t/aachen/calendar/organisation/1.ics")
    assert org.status_code == 200
    assert (await demo.client.get("/t/aachen/calendar/category/nope.ics")).status_code == 404
    assert (await demo.client.get("/t/stolberg/calendar/organisation/1.ics")).status_code == 404


async def test_branding_and_language_choice(demo: Web):
    css = await demo.client.get("/t/aachen/brand.css")
    assert "--brand: #00609c;" in css.text
    english = await demo.client.get("/t/aachen/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Volunteering near you" in english.text
    chosen = await demo.client.get("/t/aachen/?lang=de", headers={"accept-language": "en"})
    assert '<html lang="de">' in chosen.text
    # The choice sticks (cookie) over the browser's preference.
    again = await demo.client.get("/t/aachen/", headers={"accept-language": "en"})
    assert '<html lang="de">' in again.text
    page = await demo.client.get("/t/aachen/")
    assert "https://demo.ehrenamt-bot.example/aachen/impressum" in page.text
    assert "/static/logos/aachen.svg" in page.text


async def test_unknown_tenant_and_need_are_404(demo: Web):
    assert (await demo.client.get("/t/atlantis/")).status_code == 404
    assert (await demo.client.get("/t/aachen/needs/99999")).status_code == 404
    # A need of another tenant is not shown under this tenant's address.
    from sqlalchemy import select

    from core.models import Need

    async with demo.app.db.sessions() as session:
        stolberg_need = await session.scalar(
            select(Need.id).where(Need.tenant_id == demo.app.tenant_ids["stolberg"])
        )
    assert (await demo.client.get(f"/t/aachen/needs/{stolberg_need}")).status_code == 404


async def _need_id(web: Web, title: str) -> int:
    from sqlalchemy import select

    from core.models import Need

    async with web.app.db.sessions() as session:
        found = await session.scalar(select(Need.id).where(Need.title == title))
    assert found is not None
    return int(found)


async def test_an_anonymous_visitor_sees_the_spielgruppe_with_its_requirement(demo: Web):
    """Every children's need asks for the erweitertes Führungszeugnis; a visitor
    who said nothing about it still sees them, with the requirement and how to
    get the certificate free of charge."""
    page = await demo.client.get("/t/aachen/?place=Burtscheid&radius=2")
    assert page.status_code == 200
    cards = page.text.split('class="card"')[1:]
    spielgruppe = next(c for c in cards if "Samstags-Spielgruppe im Jugendtreff" in c)
    assert "Erweitertes Führungszeugnis nötig" in spielgruppe
    assert "kostenlos" in spielgruppe and "Bürgeramt" in spielgruppe
    # Its own page: the requirement and the help.
    need_id = await _need_id(demo, "Samstags-Spielgruppe im Jugendtreff")
    detail = await demo.client.get(f"/t/aachen/needs/{need_id}")
    assert "Voraussetzungen: gut zu wissen" in detail.text
    assert "Bestätigung" in detail.text and "gebührenfrei" in detail.text
    # Filtering by the category lists it too.
    children = await demo.client.get("/t/aachen/?category=kinder_jugend")
    assert "Samstags-Spielgruppe im Jugendtreff" in children.text


async def test_the_requirement_and_its_help_are_in_english_too(demo: Web):
    page = await demo.client.get(
        "/t/aachen/?category=kinder_jugend", headers={"accept-language": "en"}
    )
    assert "Police certificate (Führungszeugnis) required" in page.text
    assert "free for volunteers" in page.text


async def test_a_need_closed_early_says_so_without_free_places(demo: Web):
    from core.services.needs import need_detail
    from core.services.organisations import mark_filled

    app = demo.app
    before = await demo.client.get("/t/aachen/needs/1")
    assert "Plätzen frei" in before.text and "keine neuen Anmeldungen" not in before.text
    need = await need_detail(app.db, 1)
    await mark_filled(app.db, need.organisation_id, 1, now=app.now(), actor="test")
    page = await demo.client.get("/t/aachen/needs/1")
    assert page.status_code == 200
    assert "Plätzen frei" not in page.text and "Alle Plätze sind vergeben" not in page.text
    assert f"{need.helpers_taken} von {need.helpers_wanted} Plätzen belegt" in page.text
    assert "nimmt keine neuen Anmeldungen mehr an" in page.text


async def test_the_search_word_finds_needs_by_words_compounds_and_english(demo: Web):
    """``?text=`` ranks as the chat's search does (``core.search_words``):
    compounds by their parts, English words in German, no accidental
    prefixes, and says so when nothing holds the word."""

    async def titles(text: str) -> str:
        response = await demo.client.get("/t/aachen/", params={"text": text})
        assert response.status_code == 200
        return response.text

    dogs = await titles("dogs")
    assert "Gassigehen mit unseren Tierheimhunden" in dogs and dogs.count('class="card"') == 1
    hund = await titles("Hund")
    assert "Gassigehen mit unseren Tierheimhunden" in hund
    assert "Alte Fotos für die Heimatstube" not in hund  # "Hunderte alte Fotos …"
    lesen = await titles("Lesen")
    assert "Vorlesestunde in der Stadtbibliothek" in lesen and "Lesepatin oder Lesepate" in lesen
    animals = await titles("was mit Tieren")
    assert "Gassigehen" in animals and "Lebensmittel sortieren" not in animals
    food_bank = await titles("food bank")
    assert "Lebensmittelausgabe in Atsch" in food_bank and "Gassigehen" not in food_bank
    nothing = await titles("Kreuzfahrt")
    assert 'class="card"' not in nothing and 'value="Kreuzfahrt"' in nothing

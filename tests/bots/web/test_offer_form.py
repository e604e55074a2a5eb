"""The web offer form of an organisation or company (issue 14): "Was bieten
Sie an?", the kind of offer with the resource (a van, a room), place, day
ticks, valid until; errors in the user's language with nothing typed lost;
the stored offer matched only to the needs its resource suits."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.models import Offer
from core.schedule import day_mask
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of, sign_up_organisation


async def test_the_form_asks_what_is_offered_with_resource_kinds_and_days(web_app: Web):
    client = await sign_up_organisation(web_app, name="Autohaus Müller")
    page = (await client.get("/t/aachen/org/offers/new")).text
    assert "Was bieten Sie an?" in page and "Art des Angebots" in page
    assert "An welchen Tagen?" in page and "Gültig bis (optional)" in page
    assert "Art der Organisation" not in page  # the sign-up form's label, not this one's
    for value, label in (("resource:van", "Zum Teilen: Transporter"), ("resource:room", "Zum Teilen: Raum"),
                         ("resource:staff", "Zum Teilen: Mitarbeitende")):  # fmt: skip
        assert f'<option value="{value}"' in page and label in page
    assert 'name="days" value="sa"' in page


async def test_a_van_on_weekends_is_saved_with_its_resource_and_days(web_app: Web):
    client = await sign_up_organisation(web_app, name="Autohaus Müller")
    token = await csrf_of(client, "/t/aachen/org/offers/new")
    ok = await client.post(
        "/t/aachen/org/offers/new",
        data={"csrf": token, "title": "Unser Firmenwagen", "kind": "resource:van",
              "place": "Brand", "days": ["sa", "so"], "available_until": "2027-03-31"},
    )  # fmt: skip
    assert ok.status_code == 303
    async with web_app.app.db.sessions() as session:
        offer = (await session.scalars(select(Offer))).one()
    assert (offer.kind, offer.resource, offer.place_label) == ("resource", "van", "Brand")
    assert offer.cell_mask == day_mask(("sa", "so"))
    # The edit form shows it as it was saved.
    edit = (await client.get(f"/t/aachen/org/offers/{offer.id}/edit")).text
    assert re.search(r'<option value="resource:van" selected>', edit)
    assert re.search(r'value="sa" checked', edit) and re.search(r'value="so" checked', edit)
    assert not re.search(r'value="mo" checked', edit)
    assert 'value="2027-03-31"' in edit


async def test_errors_keep_everything_typed_in_german(web_app: Web):
    client = await sign_up_organisation(web_app, name="Autohaus Müller")
    token = await csrf_of(client, "/t/aachen/org/offers/new")
    bad = await client.post(
        "/t/aachen/org/offers/new",
        data={"csrf": token, "title": "", "kind": "resource:room", "description": "20 Plätze",
              "place": "Brand", "days": ["mi"], "available_until": "2020-01-01"},
    )  # fmt: skip
    assert bad.status_code == 400
    page = bad.text
    assert "Bitte prüfen Sie diese Angaben" in page
    assert "Was bieten Sie an?</a>: Bitte ausfüllen." in page
    assert "Dieser Zeitpunkt liegt in der Vergangenheit." in page
    assert "20 Plätze" in page and 'value="Brand"' in page and 'value="2020-01-01"' in page
    assert '<option value="resource:room" selected>' in page
    assert 'value="mi" checked' in page
    async with web_app.app.db.sessions() as session:
        assert (await session.scalars(select(Offer))).all() == []


async def test_errors_in_english_for_an_english_reader(web_app: Web):
    client = await sign_up_organisation(web_app, name="Autohaus Müller")
    token = await csrf_of(client, "/t/aachen/org/offers/new")
    page = (await client.get("/t/aachen/org/offers/new?lang=en")).text
    assert "What do you offer?" in page and "To share: Van" in page
    bad = await client.post(
        "/t/aachen/org/offers/new?lang=en",
        data={"csrf": token, "title": "Van", "kind": "resource:boat", "available_until": "soon"},
    )
    assert bad.status_code == 400
    assert "Kind of offer</a>: Please choose one option." in bad.text, bad.text
    assert "Valid until (optional)</a>:" in bad.text
    assert "Bitte" not in bad.text

"""Issue 14, part 3: "Meine Angebote" for Renate vom Repair-Café, a member of
the Café whose chat is linked. The Café's offers are hers to look after too,
whether she posted one by chat "for" the Café or a colleague posted one on
the web: each is listed with the organisation's name and can be withdrawn
from the chat. /meine_angebote is in the command menus and in the help.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bots.bootstrap import App
from core.models import Offer, Organisation
from core.services.organisations import OfferInput, save_offer
from dialogue.commands import command_menu, help_commands, menu_names
from dialogue.texts import Texts
from tests.dialogue.harness import Conversation
from tests.dialogue.test_offers_and_relay import REPAIR_CAFE, org_member


async def _cafe(app: App) -> int:
    async with app.db.sessions() as session:
        org = await session.scalar(select(Organisation.id).where(Organisation.name == REPAIR_CAFE))
    assert org is not None
    return int(org)


async def _web_offer(app: App, org: int) -> int:
    """A colleague posts a room on the Café's web page."""
    return await save_offer(
        app.db,
        org,
        OfferInput("Werkstattraum für Kurse", "Für 10 Personen", "resource", None, "Eilendorf",
                   None, app.now() + timedelta(days=30), resource="room"),
        taxonomy=app.taxonomy, places=app.places, now=app.now(), actor="org",
    )  # fmt: skip


async def test_a_members_offers_for_the_organisation_are_hers_to_withdraw(app: App) -> None:
    cafe = await _cafe(app)
    web = await _web_offer(app, cafe)
    renate = await org_member(app, REPAIR_CAFE, identity="test:renate")
    await renate.command("angebot", "Wir können samstags Fahrräder reparieren, in Eilendorf")
    await renate.press("off:post")
    await renate.press(f"off:for:{cafe}")
    assert "Das Angebot von Repair-Café Eilendorf (Demo) ist veröffentlicht" in renate.text
    # The needs it fits are other organisations' (the Jugendtreff's repairs),
    # not the Café's own "Reparieren im Repair-Café".
    assert "Kleine Reparaturen im Jugendtreff" in renate.text, renate.text
    assert "Reparieren im Repair-Café" not in renate.text, renate.text
    async with app.db.sessions() as session:
        chat = await session.scalar(select(Offer.id).order_by(Offer.id.desc()))
    assert chat is not None and chat != web

    await renate.command("meine_angebote")
    text = renate.text
    assert "Wir können samstags Fahrräder reparieren" in text, text
    assert "Werkstattraum für Kurse" in text, text
    assert text.count(f"(für {REPAIR_CAFE})") == 2, text
    assert {f"off:wd:{chat}", f"off:wd:{web}"} <= set(renate.payloads()), renate.buttons

    # The web's offer withdrawn from the chat, after a yes.
    await renate.press(f"off:wd:{web}")
    assert "Werkstattraum für Kurse" in renate.text and REPAIR_CAFE in renate.text, renate.text
    await renate.press(f"off:wd:{web}:yes")
    assert "zurückgezogen" in renate.text
    async with app.db.sessions() as session:
        offer = await session.get(Offer, web)
    assert offer is not None and offer.active is False
    assert f"off:wd:{web}" not in renate.payloads() and f"off:wd:{chat}" in renate.payloads()

    # /angebote lists them too, with their fitting needs.
    await renate.command("angebote")
    assert "Wir können samstags Fahrräder reparieren" in renate.text, renate.text
    assert f"off:needs:{chat}" in renate.payloads()


async def test_another_organisations_offer_is_not_hers(app: App) -> None:
    cafe = await _cafe(app)
    web = await _web_offer(app, cafe)
    tom = await org_member(app, "Aachener Tafel (Demo) e.V.", identity="test:tom")
    await tom.command("meine_angebote")
    assert "Werkstattraum" not in tom.text, tom.text
    await tom.press(f"off:wd:{web}")
    await tom.press(f"off:wd:{web}:yes")
    async with app.db.sessions() as session:
        offer = await session.get(Offer, web)
    assert offer is not None and offer.active is True


async def test_meine_angebote_is_in_the_menus_and_the_help(app: App) -> None:
    tenant = app.tenants["aachen"]
    assert "meine_angebote" in menu_names("de") and "my_offers" in menu_names("en")
    assert command_menu("de", Texts(tenant, "de"))["meine_angebote"] == (
        "Meine Angebote ansehen oder zurückziehen"
    )
    assert command_menu("en", Texts(tenant, "en"))["my_offers"] == "See or withdraw my offers"
    heinrich = Conversation(app)
    await heinrich.command("hilfe")
    assert "/meine_angebote" in heinrich.text and help_commands("de") in heinrich.text
    english = Conversation(app, identity="test:en", language_hint="en")
    await english.command("help")
    assert "/my_offers" in english.text, english.text

"""A tenant's own texts (description, short description, privacy summary)
appear in the page's language; a single string still works."""

from __future__ import annotations

from tests.bots.web.conftest import Web


async def test_descriptions_follow_the_page_language(web_app: Web) -> None:
    german = await web_app.client.get("/t/aachen/?lang=de")
    english = await web_app.client.get("/t/aachen/?lang=en")
    assert "Finde ein Ehrenamt in Aachen" in german.text
    assert "Find volunteering in Aachen that suits you" in english.text
    assert "Finde ein Ehrenamt" not in english.text
    listing = await web_app.new_client().get("/?lang=en")
    assert "Find volunteering in Aachen and join in." in listing.text
    # Stolberg has one German string: English pages fall back to it.
    assert (
        "Ehrenamtliche Aufgaben in Stolberg"
        in (await web_app.client.get("/t/stolberg/?lang=en")).text
    )


async def test_the_privacy_summary_stands_beside_the_chat(web_app: Web) -> None:
    chat = await web_app.client.get("/t/aachen/chat?lang=en")
    assert "keeps your details only to show you volunteering" in chat.text
    embedded = await web_app.new_client().get("/embed/t/aachen/chat?lang=de")
    assert "speichert deine Angaben nur" in embedded.text

"""Texts the municipality's editors change on the web are what the bot says."""

from __future__ import annotations

from core.services.moderation import set_text
from tests.dialogue.harness import Conversation


async def test_an_editors_wording_reaches_the_chat(conversation: Conversation) -> None:
    app = conversation.app
    await conversation.command("hilfe")
    default = conversation.replies[0].text
    await set_text(
        app.db,
        app.tenant_ids["aachen"],
        "de",
        "help.text",
        "Hilfe gibt es auch im Bürgerbüro, Tel. 0241 000.",
        actor="account:1",
        now=app.now(),
    )
    app.engine.edited.ttl = 0  # no waiting for the cache in a test
    await conversation.command("hilfe")
    assert conversation.replies[0].text != default
    assert "Bürgerbüro" in conversation.text
    other = Conversation(app, identity="test:en", language_hint="en")
    await other.command("help")
    assert "Bürgerbüro" not in other.text  # the English text is untouched

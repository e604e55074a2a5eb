"""An empty search says how far it looked and offers to look further."""

from __future__ import annotations

from tests.dialogue.harness import Conversation
from tests.dialogue.test_search_words import onboard_in_aachen


async def test_an_empty_search_names_its_radius_and_widens_it(conversation: Conversation) -> None:
    await onboard_in_aachen(conversation)  # 10 km around Aachen
    await conversation.say("Notfall heute")
    assert "Im Umkreis von 10 km um Aachen habe ich dazu gerade nichts gefunden" in (
        conversation.text
    )
    payloads = conversation.payloads()
    assert payloads[0] == "widen:25"
    assert {"menu:search", "menu:profile", "nav:menu"} <= set(payloads)  # the ways on stay
    await conversation.press("Im Umkreis von 25 km suchen")
    assert "Im Umkreis von 25 km um Aachen" in conversation.text
    assert "widen:50" in conversation.payloads()
    await conversation.press("widen:50")
    await conversation.press("widen:100")
    assert "Im Umkreis von 100 km" in conversation.text
    assert not any(p.startswith("widen:") for p in conversation.payloads())  # the most there is


async def test_a_search_for_a_place_without_a_profile_names_that_place(
    conversation: Conversation,
) -> None:
    conversation.language_hint = "en"
    await conversation.command("search")
    await conversation.say("emergency in Stolberg today")
    # No profile: the municipality's radius, around the place named.
    assert "within 15 km of Stolberg" in conversation.text, conversation.text
    assert "widen:25" in conversation.payloads()


async def test_an_old_widen_button_without_a_search_is_answered(
    conversation: Conversation,
) -> None:
    await conversation.command("start")
    await conversation.press("widen:25")
    assert conversation.replies and conversation.payloads()

"""A search by one word ("Fahrdienst") shows the needs that are about it
first, whatever their topic, then the rest of the word's topic."""

from __future__ import annotations

import pytest

from tests.dialogue.harness import Conversation


async def onboard_in_aachen(conversation: Conversation) -> None:
    """The QA walk-through: every topic, Aachen, 10 km, any time."""
    await conversation.command("start")
    for step in ("f:consent:yes", "f:interests:done"):
        await conversation.press(step)
    await conversation.say("Aachen")
    for step in ("f:radius:10", "f:availability:done", "f:qualifications:done", "f:alerts:no"):
        await conversation.press(step)
    assert "Das könnte zu dir passen" in conversation.text


def first_card(conversation: Conversation) -> str:
    assert "Das habe ich gefunden" in conversation.text, conversation.text
    return conversation.text.split("1. ", 1)[1].splitlines()[0]


@pytest.mark.parametrize(
    ("word", "first"),
    [
        # "Fahrdienst" names the topic Nachbarschaft, but the Fahrdienst is a
        # need of Senioren: it used to be hidden behind a hedge to cut.
        ("Fahrdienst", "Fahrdienst zum Arzt für ältere Nachbarn"),
        ("Nachhilfe", "Online-Nachhilfe in Mathe (Klasse 5–8)"),
        ("Hunde", "Gassigehen mit unseren Tierheimhunden"),
    ],
)
async def test_a_searched_word_shows_the_need_named_by_it_first(
    conversation: Conversation, word: str, first: str
) -> None:
    await onboard_in_aachen(conversation)
    await conversation.say(word)
    assert first_card(conversation).endswith(first)


async def test_a_word_the_need_only_mentions_comes_after_the_needs_about_it(
    conversation: Conversation,
) -> None:
    """ "Tafel": the Tafeln's own needs first; the bakery's open day, whose
    proceeds go to the Tafel, after them, and nothing of "Hunderte" for "Hunde"."""
    await onboard_in_aachen(conversation)
    await conversation.say("Tafel")
    text = conversation.text
    assert first_card(conversation) and "Tafel (Demo)" in text.split("\n2. ")[0]
    assert text.index("Aachener Tafel") < text.index("Tag der offenen Backstube")
    await conversation.say("Hunde")
    assert "Fotos" not in conversation.text and "Zweifall" not in conversation.text


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        # Small words around the word: a search, not "Ich bin nicht sicher".
        ("bei der Tafel", "Großspende: Kühlware schnell verteilen"),
        # A feminine plural finds the Seniorenhilfe's needs before one that
        # only mentions "Seniorinnen" in its description.
        ("Seniorinnen", "Kaffee, Kuchen und Gesellschaftsspiele"),
        ("Fahrerinnen", "Fahrerin oder Fahrer für die Abholtour"),
        # An umlaut plural finds the garden work written in the singular.
        ("Gärten", "Hecke schneiden und Laub rechen"),
    ],
)
async def test_a_word_in_another_german_form_finds_the_needs_about_it(
    conversation: Conversation, typed: str, first: str
) -> None:
    await onboard_in_aachen(conversation)
    await conversation.say(typed)
    assert first_card(conversation).endswith(first)


async def test_a_district_typed_alone_is_the_place_not_a_word(conversation: Conversation) -> None:
    """ "forst" in lower case is the district Forst (a search around it),
    not the word "Forst" in a description; "Frankenberger Viertel" is the
    place, not the Nachbarschaft of "Viertel"."""
    await onboard_in_aachen(conversation)
    await conversation.say("forst")
    assert (await conversation.state()).view["filter"].get("label") == "Forst"
    assert "Begleitung beim inklusiven Schwimmtreff" in conversation.text  # 0,0 km from Forst
    await conversation.say("Tiere im Frankenberger Viertel")
    assert "nicht verstanden" not in conversation.text
    flt = (await conversation.state()).view["filter"]
    assert (flt.get("label"), flt.get("categories")) == ("Frankenberger Viertel", ["tiere"])


@pytest.mark.parametrize(
    ("typed", "not_this"),
    [
        # The classifier guessed these from letters: "sortieren" is close to
        # "exportieren", "Kleidung" got the feedback form, "Hundeschulen"
        # the deletion of the data.
        ("Bücher sortieren", "Hier sind alle Daten"),
        ("Kleidung", "Was möchtest du uns sagen?"),
        ("Hundeschulen", "löschen"),
    ],
)
async def test_a_short_text_is_a_search_unless_its_words_say_otherwise(
    conversation: Conversation, typed: str, not_this: str
) -> None:
    await onboard_in_aachen(conversation)
    await conversation.say(typed)
    assert not_this not in conversation.text
    assert (
        "Das habe ich gefunden" in conversation.text or "habe ich im Umkreis" in conversation.text
    )
    assert (await conversation.state()).flow is None


async def test_the_words_of_a_data_request_still_say_it(conversation: Conversation) -> None:
    await onboard_in_aachen(conversation)
    await conversation.say("Meine Daten exportieren")
    assert "Hier sind alle Daten" in conversation.text

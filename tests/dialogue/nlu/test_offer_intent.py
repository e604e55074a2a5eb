"""Issue 14: an offer by message is its own intent, ``post_offer`` (added to
DESIGN's list, docs/flows.md "Offers"), with the entities its read-back needs;
wanting to be shown something stays ``find_engagement``. None of these
sentences is a training example."""

from __future__ import annotations

import pytest

from dialogue.nlu import NLU
from dialogue.nlu.training_data import DEFAULT_DATA_DIR, load
from tests.dialogue.nlu.conftest import NOW

OFFERS = [
    # text, lang, (category, place, weekday) the read-back shows
    ("Ich kann samstags Fahrräder reparieren, in Eilendorf", "de", ("handwerk", "Eilendorf", "sa")),
    ("I can repair bikes on Saturdays in Eilendorf", "en", ("handwerk", "Eilendorf", "sa")),
    ("Ich biete samstags Fahrradreparaturen an, in Eilendorf", "de", ("handwerk", "Eilendorf", "sa")),
    ("I offer bike repairs on Saturdays in Eilendorf", "en", ("handwerk", "Eilendorf", "sa")),
]  # fmt: skip
SURE = 0.75  # dialogue.free_text.SURE


@pytest.mark.parametrize(("text", "lang", "wanted"), OFFERS)
def test_an_offer_is_post_offer_with_its_category_place_and_day(
    nlu: NLU, text: str, lang: str, wanted: tuple[str, str, str]
) -> None:
    result = nlu.parse(text, lang=lang, now=NOW)
    assert (result.intent, result.confidence >= SURE) == ("post_offer", True), result.ranking[:3]
    category, place, weekday = wanted
    assert result.values("category") == [category]
    assert result.values("place") == [place]
    assert result.values("weekday") == [weekday]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ich biete Hilfe beim Umzug an, am Wochenende", "de"),
        ("Ich habe einen Transporter, den ich am Wochenende verleihen kann", "de"),
        ("Wir können am Wochenende unseren Transporter verleihen, in Haaren", "de"),
        ("Unser Verein kann einen Raum zur Verfügung stellen", "de"),
        ("We can lend our van at the weekend", "en"),
        ("I'd like to offer my time as a reading mentor", "en"),
    ],
)
def test_skills_time_and_things_offered_are_post_offer(nlu: NLU, text: str, lang: str) -> None:
    result = nlu.parse(text, lang=lang, now=NOW)
    assert result.intent == "post_offer", result.ranking[:3]
    assert result.confidence >= 0.5  # acted on, not asked back


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ich möchte mich mit Kindern engagieren", "de"),
        ("Ich möchte helfen", "de"),
        ("Ich kann Russisch und möchte Ukrainern helfen", "de"),
        ("Ich möchte samstags vormittags in Burtscheid mit Kindern helfen", "de"),
        ("I'd like to volunteer with kids on Saturdays", "en"),
        # what one likes doing is an interest, not feedback about the bot
        ("Ich lese Kindern gerne vor", "de"),
        ("I love reading to children", "en"),
    ],
)
def test_wanting_to_be_shown_something_stays_find_engagement(
    nlu: NLU, text: str, lang: str
) -> None:
    assert nlu.parse(text, lang=lang, now=NOW).intent == "find_engagement"


# Asking to make an offer ("Angebot erstellen" is trained; these are not):
# an offer, not a need an organisation posts.
MAKE_AN_OFFER = [
    ("Ein Angebot erstellen", "de"),
    ("Neues Angebot erstellen", "de"),
    ("Ich möchte gern ein Angebot erstellen", "de"),
    ("Angebot anlegen", "de"),
    ("create offer", "en"),
    ("I'd like to create an offer", "en"),
]


@pytest.mark.parametrize(("text", "lang"), MAKE_AN_OFFER)
def test_making_an_offer_is_post_offer_not_post_need(nlu: NLU, text: str, lang: str) -> None:
    result = nlu.parse(text, lang=lang, now=NOW)
    assert result.intent == "post_offer", result.ranking[:3]
    assert result.confidence >= 0.5, result.ranking[:3]  # acted on, not asked back


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Bedarf erstellen", "de"), ("Neuen Bedarf anlegen", "de"), ("Post a need", "en")],
)
def test_making_a_need_stays_post_need(nlu: NLU, text: str, lang: str) -> None:
    assert nlu.parse(text, lang=lang, now=NOW).intent == "post_need"


@pytest.mark.parametrize(
    ("text", "lang", "not_this"),
    [
        ("keine", "de", "pause_notifications"),
        ("none", "en", "pause_notifications"),
        ("Speichern", "de", "export_data"),
        ("Save", "en", "export_data"),
    ],
)
def test_short_answers_are_not_read_as_settings(
    nlu: NLU, text: str, lang: str, not_this: str
) -> None:
    """ "keine" answers "Bringst du etwas davon mit?", "Speichern" a read-back."""
    result = nlu.parse(text, lang=lang, now=NOW)
    assert result.intent != not_this or result.confidence < SURE, result.ranking[:3]
    assert result.intent in ("deny", "affirm"), result.ranking[:3]


def test_no_sentence_of_these_tests_is_a_training_example() -> None:
    for lang in ("de", "en"):
        trained = {e.text.casefold() for e in load(DEFAULT_DATA_DIR / f"{lang}.yml").examples}
        assert not {t.casefold() for t, _, _ in OFFERS} & trained
        assert not {t.casefold() for t, _ in MAKE_AN_OFFER} & trained

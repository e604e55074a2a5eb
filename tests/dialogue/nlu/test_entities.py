"""Each entity the dialogue relies on, from the phrasings people use."""

from __future__ import annotations

from datetime import datetime

import pytest

from dialogue.nlu import NLU

# A Thursday; relative dates refer to it (as in the held-out files).
NOW = datetime(2026, 11, 26, 10, 0)


def values(nlu: NLU, text: str, entity: str, lang: str = "de") -> list[str]:
    return nlu.parse(text, lang=lang, now=NOW).values(entity)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Kindr", ["kinder_jugend"]),
        ("umwellt", ["umwelt"]),
        ("Senjoren", ["senioren"]),
        ("mit Kindern und Jugendlichen", ["kinder_jugend"]),
        ("Ich gehe gern mit dem Hund raus", ["tiere"]),
        ("im Tierheim", ["tiere"]),
        ("Flüchtlinge und Geflüchtete", ["integration"]),
        ("Hausaufgabenhilfe", ["bildung"]),
        ("bei der Tafel", ["soziales"]),
        ("im Jugendzentrum", ["kinder_jugend"]),
        # reading with children is what a Lesepate does: both topics
        ("Ich möchte gerne mit Kindern lesen", ["kinder_jugend", "bildung"]),
    ],
)
def test_category_from_words_forms_and_typos(nlu: NLU, text: str, codes: list[str]) -> None:
    assert values(nlu, text, "category") == codes


@pytest.mark.parametrize(
    "text",
    [
        "Ich habe heute und morgen Zeit und helfe gerne",
        "Kannst du mir helfen, das zu bedienen?",
        "Hundert Leute sind und bleiben hier",
        "Wir brauchen Leute, bitte melden",
        "Kannst du das lösen?",  # one letter from "lesen"
    ],
)
def test_ordinary_words_are_no_category(nlu: NLU, text: str) -> None:
    assert values(nlu, text, "category") == []


def test_english_categories(nlu: NLU) -> None:
    assert values(nlu, "I love animals and the enviroment", "category", "en") == [
        "tiere",
        "umwelt",
    ]


def test_qualifications_and_spoken_languages(nlu: NLU) -> None:
    text = "Ich bin Erzieherin, habe einen Führerschein und spreche Arabisch"
    assert values(nlu, text, "qualification") == ["paedagogik", "fuehrerschein", "sprache:ar"]
    assert values(nlu, "I have first aid training", "qualification", "en") == ["erste_hilfe"]


def test_a_district_named_by_a_topic_word_is_the_place(nlu: NLU) -> None:
    """ "Frankenberger Viertel": a place, not the Nachbarschaft of "Viertel"."""
    districts = {"Frankenberger Viertel": (50.77, 6.097)}
    result = nlu.parse("Frankenberger Viertel", now=NOW, districts=districts)
    assert [(e.entity, e.value) for e in result.entities] == [("place", "Frankenberger Viertel")]
    result = nlu.parse("Tiere im Frankenberger Viertel", now=NOW, districts=districts)
    assert result.values("place") == ["Frankenberger Viertel"]
    assert result.values("category") == ["tiere"]
    # Without the district the word is the topic, as before.
    assert nlu.parse("im Viertel helfen", now=NOW).values("category") == ["nachbarschaft"]


@pytest.fixture(scope="module")
def gazetteer_nlu() -> NLU:
    return NLU.train()  # the real place finder (the gazetteer)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Wadern", "Wadern"),  # a town, not a typo of "Waden" (Sport)
        ("Ich wohne in Wadern", "Wadern"),
        ("in Hude", "Hude"),  # not "Hunde"
    ],
)
def test_a_real_place_beats_a_typos_guess(gazetteer_nlu: NLU, text: str, place: str) -> None:
    result = gazetteer_nlu.parse(text, now=NOW)
    assert result.values("place") == [place]
    assert result.values("category") == []


def test_a_typo_that_is_no_place_is_still_guessed(gazetteer_nlu: NLU) -> None:
    assert gazetteer_nlu.parse("Senjoren", now=NOW).values("category") == ["senioren"]
    assert gazetteer_nlu.parse("Hunde in Brand", now=NOW).values("category") == ["tiere"]


@pytest.mark.parametrize(
    ("text", "lang", "iso"),
    [("auf Englisch", "de", "en"), ("English please", "en", "en"), ("Deutsch", "de", "de")],
)
def test_chat_language(nlu: NLU, text: str, lang: str, iso: str) -> None:
    assert values(nlu, text, "language", lang) == [iso]


def test_postcode_and_place(nlu: NLU) -> None:
    result = nlu.parse("Ich wohne in Burtscheid, 52066", now=NOW)
    assert result.values("postcode") == ["52066"]
    assert result.values("place") == ["Burtscheid"]


def test_tenant_districts_reach_the_place_finder(nlu: NLU) -> None:
    result = nlu.parse("in Walheim", now=NOW, districts={"Walheim": (50.7, 6.1)})
    assert result.values("place") == ["Walheim"]


@pytest.mark.parametrize(
    ("text", "lang", "iso"),
    [
        ("morgen", "de", "2026-11-27"),
        ("übermorgen", "de", "2026-11-28"),
        ("heute", "de", "2026-11-26"),
        ("nächsten Samstag", "de", "2026-11-28"),
        ("am 5.12.", "de", "2026-12-05"),
        ("5. Dezember", "de", "2026-12-05"),
        ("am 3.1.", "de", "2027-01-03"),
        ("tomorrow", "en", "2026-11-27"),
        ("next Saturday", "en", "2026-11-28"),
    ],
)
def test_dates(nlu: NLU, text: str, lang: str, iso: str) -> None:
    assert values(nlu, text, "date", lang) == [iso]


def test_good_morning_is_no_date(nlu: NLU) -> None:
    assert values(nlu, "Guten Morgen", "date") == []
    assert values(nlu, "am 31.2.", "date") == []


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("um 10 Uhr", ["10:00"]),
        ("10-14 Uhr", ["10:00", "14:00"]),
        ("von 9 bis 12:30", ["09:00", "12:30"]),
        ("Mo-Fr 10-18", ["10:00", "18:00"]),
        ("9am to 3pm", ["09:00", "15:00"]),
        ("3-4 Leute", []),
        # spoken times
        ("samstags ab halb 10", ["09:30"]),
        ("um viertel nach 3", ["15:15"]),
        ("dreiviertel 8", ["07:45"]),
        ("viertel vor acht", ["07:45"]),
        ("von halb 10 bis 12", ["09:30", "12:00"]),
        ("sonntags von neun bis zwölf", ["09:00", "12:00"]),
        ("um zehn Uhr", ["10:00"]),
        ("halb 1 am Samstag", ["12:30"]),  # "am" before a day is no a.m.
        ("eine halbe Stunde", []),
    ],
)
def test_times(nlu: NLU, text: str, times: list[str]) -> None:
    assert [e.value for e in nlu.parse(text, now=NOW).entities if e.entity == "time"] == times


def test_the_organisation_posting_a_need(nlu: NLU) -> None:
    result = nlu.parse("Wir brauchen morgen 3 Leute für die Tafel, 10-14 Uhr", now=NOW)
    assert result.intent == "post_need"
    assert result.values("date") == ["2026-11-27"]
    assert result.values("count") == ["3"]
    assert result.values("category") == ["soziales"]
    assert result.values("time") == ["10:00", "14:00"]
    assert result.availability == ()  # a one-off date, not a weekly habit


@pytest.mark.parametrize(
    ("text", "lang", "entity", "value"),
    [
        ("im Umkreis von 5 km", "de", "radius_km", "5"),
        ("5km", "de", "radius_km", "5"),
        ("within 10 km", "en", "radius_km", "10"),
        ("drei Helfer", "de", "count", "3"),
        ("two volunteers", "en", "count", "2"),
        ("für 2 Stunden", "de", "duration", "PT2H"),
        ("zwei Wochen Pause", "de", "duration", "P2W"),
        ("dringend", "de", "urgency", "urgent"),
        ("asap", "en", "urgency", "urgent"),
        ("sofort", "de", "urgency", "urgent"),
        ("urgent help", "en", "urgency", "urgent"),
        ("Samstag", "de", "weekday", "sa"),
        ("Di+Do", "de", "weekday", "di"),
        ("abends", "de", "daypart", "abend"),
        ("afternoons", "en", "daypart", "nachmittag"),
    ],
)
def test_quantities_days_and_urgency(
    nlu: NLU, text: str, lang: str, entity: str, value: str
) -> None:
    assert value in values(nlu, text, entity, lang)


def test_abbreviations_that_are_words_are_no_days(nlu: NLU) -> None:
    assert values(nlu, "So ist das eben", "weekday") == []
    assert values(nlu, "Do you need help?", "weekday", "en") == []


def test_entities_point_at_the_text(nlu: NLU) -> None:
    text = "Ich möchte samstags vormittags in Burtscheid mit Kindern helfen"
    result = nlu.parse(text, now=NOW)
    assert result.intent == "find_engagement"
    shown = {(e.entity, text[e.start : e.end]) for e in result.entities}
    assert shown == {
        ("weekday", "samstags"),
        ("daypart", "vormittags"),
        ("place", "Burtscheid"),
        ("category", "Kindern"),
    }
    assert result.availability == ("sa:vormittag",)


def test_a_spoken_time_points_at_its_words(nlu: NLU) -> None:
    text = "Ich kann Samstag ab halb 10 bis viertel nach 12"
    found = [(e.value, text[e.start : e.end]) for e in nlu.parse(text, now=NOW).entities]
    assert ("09:30", "halb 10") in found
    assert ("12:15", "viertel nach 12") in found


def test_spoken_times_give_the_day_parts(nlu: NLU) -> None:
    assert nlu.parse("montags ab halb 10", now=NOW).availability == (
        "mo:vormittag",
        "mo:nachmittag",
        "mo:abend",
    )
    assert nlu.parse("dienstags viertel nach 3 bis 5", now=NOW).availability == ("di:nachmittag",)


@pytest.mark.parametrize(
    ("text", "intent", "says"),
    [
        ("Meine Daten exportieren", "export_data", True),
        ("Datn exportiern", "export_data", True),  # forms and typos begin alike
        ("Bücher sortieren", "export_data", False),  # letters alike, no word
        ("Kleidung", "feedback", False),
        ("Konto löschen", "delete_data", True),
    ],
)
def test_whether_the_words_of_a_text_say_an_intent(
    nlu: NLU, text: str, intent: str, says: bool
) -> None:
    assert nlu.says(text, intent) is says

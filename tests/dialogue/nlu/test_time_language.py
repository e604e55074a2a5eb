"""Everyday time language: each phrase and the exact grid cells it means.

The grid is 7 days x vormittag (08-12), nachmittag (12-17), abend (17-22).
Rules the table protects: a compound ("Mittwochabend") is one day and one
part; a part without a day is every day, a day without a part the whole
day; "ab X" alone means working days; time windows after a day range
belong to that range; "außer"/"except" takes cells out.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from core.availability import ALL_CELLS, DAYS
from dialogue.nlu import NLU
from dialogue.nlu.evaluation import evaluate
from dialogue.nlu.training_data import load, parse_example

# A Thursday; relative dates refer to it (as in the held-out files).
NOW = datetime(2026, 11, 26, 10, 0)

VM, NM, AB = "vormittag", "nachmittag", "abend"
ALL_PARTS = (VM, NM, AB)
WORKDAYS = DAYS[:5]
WEEKEND = ("sa", "so")


def cells(*groups: tuple[str | tuple[str, ...], tuple[str, ...]]) -> tuple[str, ...]:
    """``cells((("di", "do"), (VM,)), ("sa", ALL_PARTS))`` in grid order."""
    wanted: set[str] = set()
    for days, parts in groups:
        for d in [days] if isinstance(days, str) else days:
            wanted |= {f"{d}:{p}" for p in parts}
    return tuple(c for c in ALL_CELLS if c in wanted)


GERMAN = [
    # weekday + day part compounds, with and without "s"
    ("Mittwochabend", cells(("mi", (AB,)))),
    ("mittwochabends", cells(("mi", (AB,)))),
    ("sonntagnachmittag", cells(("so", (NM,)))),
    ("sonntagnachmittags", cells(("so", (NM,)))),
    ("Samstagvormittag", cells(("sa", (VM,)))),
    ("montagmorgens", cells(("mo", (VM,)))),
    ("Freitagmittag", cells(("fr", (NM,)))),
    ("Dienstagabend und Freitagvormittag", cells(("di", (AB,)), ("fr", (VM,)))),
    ("Dienstag- und Donnerstagabend", cells((("di", "do"), (AB,)))),
    ("Mittwochabend hätte ich Zeit", cells(("mi", (AB,)))),
    ("Mi abends", cells(("mi", (AB,)))),
    ("Sa vormittag und So nachmittag", cells(("sa", (VM,)), ("so", (NM,)))),
    ("mittwochabends und samstags", cells(("mi", (AB,)), ("sa", ALL_PARTS))),
    # weekend, working days, whole days
    ("nur am Wochenende", cells((WEEKEND, ALL_PARTS))),
    ("am Wochenende vormittags", cells((WEEKEND, (VM,)))),
    ("wochenends abends", cells((WEEKEND, (AB,)))),
    ("werktags", cells((WORKDAYS, ALL_PARTS))),
    ("werktags abends", cells((WORKDAYS, (AB,)))),
    ("unter der Woche", cells((WORKDAYS, ALL_PARTS))),
    ("unter der Woche nachmittags", cells((WORKDAYS, (NM,)))),
    ("ganztags", cells((DAYS, ALL_PARTS))),
    ("samstags ganztags", cells(("sa", ALL_PARTS))),
    ("werktags ganztags", cells((WORKDAYS, ALL_PARTS))),
    # exceptions
    ("jeden Abend außer Sonntag", cells((DAYS[:6], (AB,)))),
    ("jeden Abend außer sonntags", cells((DAYS[:6], (AB,)))),
    ("abends, bis auf freitags", cells((("mo", "di", "mi", "do", "sa", "so"), (AB,)))),
    # "ab X": the parts that end after X, on the days named or else Mo-Fr
    ("ab 18 Uhr", cells((WORKDAYS, (AB,)))),
    ("ab 16:30", cells((WORKDAYS, (NM, AB)))),
    ("Fr ab 14 Uhr", cells(("fr", (NM, AB)))),
    ("fr ab 14 uhr", cells(("fr", (NM, AB)))),
    ("freitags ab 14 Uhr", cells(("fr", (NM, AB)))),
    ("Sa und So ab 10 Uhr", cells((WEEKEND, ALL_PARTS))),
    ("Di von 9 bis 12", cells(("di", (VM,)))),
    ("ab 18 Uhr, außer freitags", cells((("mo", "di", "mi", "do"), (AB,)))),
    # day ranges with several time windows
    (
        "Mo 8-12, Di-Fr 8-12 und 15-18 Uhr",
        cells(("mo", (VM,)), (("di", "mi", "do", "fr"), (VM, NM))),
    ),
    ("Mo-Fr 9-11 und 17-20 Uhr", cells((WORKDAYS, (VM, AB)))),
    ("samstags vormittags und abends", cells(("sa", (VM, AB)))),
    ("Mo 18-21 Uhr", cells(("mo", (AB,)))),
    ("mittwochs zwischen 18 und 20 Uhr", cells(("mi", (AB,)))),
    ("Samstag ab 15", cells(("sa", (NM, AB)))),
    # a negation after the day
    ("sonntags nicht", cells((DAYS[:6], ALL_PARTS))),
    ("am Wochenende leider nicht", cells((WORKDAYS, ALL_PARTS))),
    ("außer Sonntagvormittag", tuple(c for c in ALL_CELLS if c != "so:vormittag")),
    ("keine Wochenenden und nicht abends", cells((WORKDAYS, (VM, NM)))),
    # parts, then days across "und": both, not their product
    ("abends und am Wochenende", cells((DAYS, (AB,)), (WEEKEND, ALL_PARTS))),
    ("Freitags ab 15 Uhr und am Wochenende", cells(("fr", (NM, AB)), (WEEKEND, ALL_PARTS))),
    ("vormittags am Samstag und nachmittags am Sonntag", cells(("sa", (VM,)), ("so", (NM,)))),
]

ENGLISH = [
    ("Tuesday and Thursday mornings", cells((("di", "do"), (VM,)))),
    ("weekends", cells((WEEKEND, ALL_PARTS))),
    ("on weekends", cells((WEEKEND, ALL_PARTS))),
    ("weekend mornings", cells((WEEKEND, (VM,)))),
    ("weekday evenings", cells((WORKDAYS, (AB,)))),
    ("weeknights", cells((WORKDAYS, (AB,)))),
    ("Saturday afternoons", cells(("sa", (NM,)))),
    ("after 6pm", cells((WORKDAYS, (AB,)))),
    ("Fridays after 2pm", cells(("fr", (NM, AB)))),
    ("every evening except Sunday", cells((DAYS[:6], (AB,)))),
    ("all day Saturday", cells(("sa", ALL_PARTS))),
    ("during the week", cells((WORKDAYS, ALL_PARTS))),
    ("Mon 8-12, Tue-Fri 8-12 and 3-6pm", cells(("mo", (VM,)), (DAYS[1:5], (VM, NM)))),
    ("Mondays and Wednesdays after 5", cells((("mo", "mi"), (AB,)))),
    ("Sunday afternoons from 2 to 5", cells(("so", (NM,)))),
    ("Tue/Thu 6-8pm", cells((("di", "do"), (AB,)))),
    ("Saturdays, but not in the evening", cells(("sa", (VM, NM)))),
    ("evenings and weekends", cells((DAYS, (AB,)), (WEEKEND, ALL_PARTS))),
    ("anytime except Sunday morning", tuple(c for c in ALL_CELLS if c != "so:vormittag")),
]


@pytest.mark.parametrize(("text", "expected"), GERMAN)
def test_german_time_phrases_mean_exactly_these_cells(
    nlu: NLU, text: str, expected: tuple[str, ...]
) -> None:
    assert nlu.parse(text, lang="de", now=NOW).availability == expected


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_english_time_phrases_mean_exactly_these_cells(
    nlu: NLU, text: str, expected: tuple[str, ...]
) -> None:
    assert nlu.parse(text, lang="en", now=NOW).availability == expected


@pytest.mark.parametrize(
    ("text", "lang", "times"),
    [
        ("18-21 Uhr", "de", ["18:00", "21:00"]),
        ("von 9 bis 20 Uhr", "de", ["09:00", "20:00"]),
        ("zwischen 18 und 20 Uhr", "de", ["18:00", "20:00"]),
        ("Samstag ab 9", "de", ["09:00"]),
        ("Mondays after 5", "en", ["17:00"]),
        ("from 2 to 5", "en", ["14:00", "17:00"]),
        ("ab 9 Leuten", "de", []),
        ("Ich bin ab 18", "de", []),
        ("zwischen 3 und 4 Leute", "de", []),
    ],
)
def test_clock_times_in_availability_phrases(
    nlu: NLU, text: str, lang: str, times: list[str]
) -> None:
    assert nlu.parse(text, lang=lang, now=NOW).values("time") == times


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Mittwochabend", [("Mittwochabend", "daypart", AB), ("Mittwochabend", "weekday", "mi")]),
        (
            "sonntagnachmittags",
            [("sonntagnachmittags", "daypart", NM), ("sonntagnachmittags", "weekday", "so")],
        ),
        (
            "Dienstagabend und Freitagvormittag",
            [
                ("Dienstagabend", "daypart", AB),
                ("Dienstagabend", "weekday", "di"),
                ("Freitagvormittag", "daypart", VM),
                ("Freitagvormittag", "weekday", "fr"),
            ],
        ),
    ],
)
def test_a_compound_is_a_weekday_and_a_daypart_over_the_same_words(
    nlu: NLU, text: str, shown: list[tuple[str, str, str]]
) -> None:
    result = nlu.parse(text, now=NOW)
    assert [(text[e.start : e.end], e.entity, e.value) for e in result.entities] == shown


def test_words_that_merely_contain_a_day_are_no_compound(nlu: NLU) -> None:
    result = nlu.parse("Der Sonntagsbraten war gut, Feierabend!", now=NOW)
    assert result.values("weekday") == []
    assert result.availability == ()


@pytest.mark.parametrize(
    ("text", "lang", "dates", "dayparts"),
    [
        ("nächsten Mittwochabend", "de", ["2026-12-02"], [AB]),
        ("kommenden Samstagvormittag", "de", ["2026-11-28"], [VM]),
        ("dieses Wochenende", "de", ["2026-11-28", "2026-11-29"], []),
        ("am nächsten Wochenende", "de", ["2026-11-28", "2026-11-29"], []),
        ("this weekend", "en", ["2026-11-28", "2026-11-29"], []),
        ("next Wednesday evening", "en", ["2026-12-02"], [AB]),
        ("nächste Woche Dienstagabend", "de", ["2026-12-01"], [AB]),
        ("Samstag, den 5.12. vormittags", "de", ["2026-12-05"], [VM]),
    ],
)
def test_a_named_coming_day_or_weekend_is_a_date_not_a_habit(
    nlu: NLU, text: str, lang: str, dates: list[str], dayparts: list[str]
) -> None:
    result = nlu.parse(text, lang=lang, now=NOW)
    assert result.values("date") == dates
    assert result.values("daypart") == dayparts
    assert result.availability == ()


def test_weekends_in_general_are_no_date(nlu: NLU) -> None:
    result = nlu.parse("am Wochenende", now=NOW)
    assert result.values("date") == []
    assert result.availability == cells((WEEKEND, ALL_PARTS))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # Answers in the middle of a form: a radius or a time, not a farewell.
        ("höchstens 5 km von zuhause", "de"),
        ("Mittwochabend hätte ich Zeit", "de"),
        ("sonntagnachmittag", "de"),
        ("maximal 8 km von daheim", "de"),
        ("Donnerstagabend würde gehen", "de"),
        ("samstagvormittags bin ich frei", "de"),
        ("Fr ab 14 Uhr", "de"),
        ("nicht weiter als 2 km bitte", "de"),
        ("no more than 5 km from home", "en"),
        ("Saturday afternoons would work", "en"),
        ("weekday evenings after 6pm", "en"),
        ("nach 18 Uhr", "de"),
        ("jeden Dienstagabend", "de"),
        ("evenings except Fridays", "en"),
    ],
)
def test_short_answers_with_a_radius_or_time_are_inform(nlu: NLU, text: str, lang: str) -> None:
    assert nlu.parse(text, lang=lang, now=NOW).intent == "inform"


@pytest.mark.parametrize(
    ("text", "lang", "intent"),
    [
        ("Wir brauchen Samstagvormittag 3 Helfer", "de", "post_need"),
        ("Ich möchte mittwochabends mit Tieren helfen", "de", "find_engagement"),
        ("Gibt es was für Kinder am Samstagnachmittag?", "de", "search"),
        ("I'd like to help refugees on weekday evenings", "en", "find_engagement"),
    ],
)
def test_requests_that_name_a_time_keep_their_intent(
    nlu: NLU, text: str, lang: str, intent: str
) -> None:
    assert nlu.parse(text, lang=lang, now=NOW).intent == intent


@pytest.mark.parametrize(
    ("text", "lang", "intent"),
    [
        ("Schönen Abend noch", "de", "goodbye"),
        ("Guten Abend", "de", "greet"),
        ("Schönen Sonntag noch", "de", "goodbye"),
        ("Good evening", "en", "greet"),
    ],
)
def test_greetings_that_name_a_time_stay_greetings(
    nlu: NLU, text: str, lang: str, intent: str
) -> None:
    result = nlu.parse(text, lang=lang, now=NOW)
    assert result.intent == intent
    assert result.availability == ()


def test_one_span_may_carry_several_entities() -> None:
    example = parse_example(
        '[Mittwochabend][{"entity": "weekday", "value": "mi"}, '
        '{"entity": "daypart", "value": "abend"}] hätte ich [Zeit]{"entity": "x"}',
        "inform",
    )
    assert example.text == "Mittwochabend hätte ich Zeit"
    assert [(e.entity, e.value, e.start, e.end) for e in example.entities] == [
        ("weekday", "mi", 0, 13),
        ("daypart", "abend", 0, 13),
        ("x", "Zeit", 24, 28),
    ]


def test_an_evaluation_file_with_compounds_scores_both_entities(nlu: NLU, tmp_path: Path) -> None:
    path = tmp_path / "compounds_de.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: inform\n  examples: |\n'
        '    - [Mittwochabend][{"entity": "weekday", "value": "mi"}, '
        '{"entity": "daypart", "value": "abend"}] hätte ich Zeit\n'
        '    - [sonntagnachmittags][{"entity": "weekday", "value": "so"},'
        '{"entity": "daypart", "value": "nachmittag"}]\n',
        encoding="utf-8",
    )
    assert len(load(path).examples) == 2
    report = evaluate(nlu, path, "de", NOW)
    assert report.entities["weekday"].tp == 2
    assert report.entities["daypart"].tp == 2
    assert report.entity_f1 == 1.0
    assert report.intent_accuracy == 1.0

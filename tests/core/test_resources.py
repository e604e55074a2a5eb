"""Resources (data/resources.yml): what people call a van, a room, tools, a
tent, technology or staff days, and which needs each suits."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from core.resources import RESOURCE_KINDS, Resources


@pytest.fixture(scope="module")
def resources() -> Resources:
    return Resources.load()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Wir können am Wochenende unseren Transporter verleihen", "van"),
        ("Unser Kleintransporter ist samstags frei", "van"),
        ("We can lend our van on weekends", "van"),
        ("Unsere Seminarräume stehen abends leer", "room"),
        ("Besprechungsraum für Vereine", "room"),
        ("Our meeting room is free on Fridays", "room"),
        ("Akkuschrauber und Bohrmaschine zu verleihen", "tools"),
        ("Partyzelt für Feste", "tent"),
        ("Beamer und Leinwand", "tech"),
        ("Unsere Mitarbeitenden packen einen Tag mit an", "staff"),
        # Not a resource: a skill, a verb, a time span, a camp.
        ("Ich kann samstags Fahrräder reparieren", None),
        ("Ich kann Schnee räumen", None),
        ("Im Zeitraum Mai bis Juni habe ich Zeit", None),
        ("Ich helfe gern im Zeltlager", None),
        ("Wir zelten gern", None),
    ],
)
def test_the_resource_a_text_offers(resources: Resources, text: str, kind: str | None) -> None:
    assert resources.kind_of(text) == kind


@pytest.mark.parametrize(
    ("kind", "title", "description", "category", "use"),
    [
        ("van", "Umzugshilfe für eine Familie", "", "soziales", "moving"),
        ("van", "Fahrer für die Tafel gesucht", "", "soziales", "food_pickup"),
        ("van", "Hilfe beim Sortieren", "Spenden für die Kleiderkammer transportieren", "soziales",
         "transport"),
        ("van", "Help with moving house", "", "nachbarschaft", "moving"),
        ("van", "Hausaufgabenhilfe", "Mathe und Deutsch", "kinder_jugend", None),
        ("room", "Deutschkurs für Geflüchtete", "", "integration", "courses"),
        ("room", "Treffen der Selbsthilfegruppe", "", "gesundheit", "meetings"),
        ("room", "Umzugshilfe", "", "soziales", None),
        ("tent", "Helfer fürs Sommerfest", "", "veranstaltungen", "festivals"),
        ("tools", "Gartenarbeit im Gemeinschaftsgarten", "", "umwelt", "garden"),
        ("tech", "Filmabend im Jugendtreff", "", "kinder_jugend", "talks"),
        # Staff days suit an environment need by its category alone.
        ("staff", "Bachufer säubern", "", "umwelt", "action_days"),
        ("staff", "Vorlesen im Seniorenheim", "", "senioren", None),
    ],
)  # fmt: skip
def test_which_needs_a_resource_suits(
    resources: Resources, kind: str, title: str, description: str, category: str, use: str | None
) -> None:
    found = resources.kinds[kind].fit(title, description, category)
    assert (found.code if found else None) == use


def test_a_use_named_in_the_title_comes_before_one_only_the_description_names(
    resources: Resources,
) -> None:
    van = resources.kinds["van"]
    use = van.fit("Tafel sucht Fahrer", "Auch Möbel müssen mal transportiert werden", "soziales")
    assert use is not None and use.code == "food_pickup"


def test_reason_labels_in_both_languages(resources: Resources) -> None:
    assert resources.reason_labels("van:moving", "de") == ("Transporter", "Umzugshilfe")
    assert resources.reason_labels("van:moving", "en") == ("Van", "moving help")
    assert resources.reason_labels("van:nothing", "de") is None
    assert resources.reason_labels("boat:moving", "de") is None


def test_every_kind_has_labels_words_uses_and_a_like_fragment(resources: Resources) -> None:
    assert tuple(resources.kinds) == RESOURCE_KINDS
    for kind in resources.kinds.values():
        assert kind.label("de") and kind.label("en")
        assert kind.uses and all(u.label("de") and u.label("en") for u in kind.uses)
        # Candidates are read by LIKE: each kind must have fragments (or none means all needs).
        assert kind.like_fragments()
    assert [c for c, _ in resources.choices("en")] == list(RESOURCE_KINDS)


def test_a_file_missing_a_kind_is_refused() -> None:
    with pytest.raises(ConfigError):
        Resources.from_dict({"kinds": {"van": {}}})

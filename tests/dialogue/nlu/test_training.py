"""Training happens at start-up, from the data files, and is quick."""

from __future__ import annotations

import time

from dialogue.nlu import NLU
from dialogue.nlu.training_data import DEFAULT_DATA_DIR, load

SCHEMA_INTENTS = {
    "greet", "goodbye", "thank", "help", "affirm", "deny", "cancel", "find_engagement",
    "inform", "show_matches", "search", "sign_up", "post_need", "my_engagements",
    "edit_profile", "pause_notifications", "delete_data", "export_data", "privacy_info",
    "change_language", "feedback", "out_of_scope",
}  # fmt: skip
# Added to DESIGN's fixed list for issue 14 (offers by message; docs/flows.md, "Offers").
ADDED_INTENTS = {"post_offer"}


def test_training_data_covers_every_intent_of_the_schema() -> None:
    for lang in ("de", "en"):
        data = load(DEFAULT_DATA_DIR / f"{lang}.yml")
        assert set(data.intents) == SCHEMA_INTENTS | ADDED_INTENTS
        assert data.lookups["place"] and data.regexes["postcode"] and data.synonyms


def test_training_time_is_reported() -> None:
    started = time.perf_counter()
    nlu = NLU.train()
    wall = time.perf_counter() - started
    # A benchmark, not a timed test: printed for `pytest -s` and the logs.
    print(f"\nNLU training (de+en): {nlu.training_seconds:.3f} s ({wall:.3f} s wall)")
    assert nlu.languages == ("de", "en")


def test_the_real_gazetteer_finds_places() -> None:
    nlu = NLU.train()  # default place finder: the gazetteer, when installed
    result = nlu.parse("Ich wohne in Stolberg", districts={"Burtscheid": (50.76, 6.09)})
    assert result.values("place") == ["Stolberg"]
    result = nlu.parse("Ich möchte in Burtscheid helfen", districts={"Burtscheid": (50.76, 6.09)})
    assert result.values("place") == ["Burtscheid"]


def test_every_annotation_in_the_training_data_is_read() -> None:
    # Rasa's three forms only: [text](entity), [text]{...}, [text][{...}, {...}];
    # anything else would stay in the text as brackets and braces.
    for lang in ("de", "en"):
        for example in load(DEFAULT_DATA_DIR / f"{lang}.yml").examples:
            assert not set(example.text) & set("[]{}"), example.text
            for entity in example.entities:
                assert example.text[entity.start : entity.end].strip(), example.text

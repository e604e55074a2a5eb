"""The third blind evaluation set (issue 14: offers by message), gated in CI.

``tests/nlu/blind3/`` was written by someone who saw only the NLU schema (with
the new ``post_offer`` intent) and the situation, never the training data, the
extractors or their tests. It entered the repository after the ``post_offer``
training data was finished and nothing was tuned on it. The floors are the
scores it had then (de 0.900 / 0.898, en 0.800 / 0.929): a regression guard,
not a target; English offers are the weak spot (see docs/flows.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from dialogue.nlu import NLU
from dialogue.nlu.evaluation import evaluate
from dialogue.nlu.training_data import load
from tests.dialogue.nlu.test_eval_blind2 import _in_aachen, _trained

BLIND = Path(__file__).resolve().parents[2] / "nlu" / "blind3"
# A Friday; the writer's "today" for relative dates.
NOW = datetime(2026, 12, 4, 10, 0)

FLOORS = {"de": (0.90, 0.89, 95), "en": (0.80, 0.92, 50)}  # intent, entity F1, size


@pytest.fixture(scope="module")
def real_nlu() -> NLU:
    return NLU.train()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_offer_utterances_keep_their_scores(real_nlu: NLU, lang: str) -> None:
    report = evaluate(
        _in_aachen(real_nlu), BLIND / f"offers_{lang}.yml", lang, NOW, exclude=_trained(lang)
    )
    print("\n" + report.render())
    intent, entity, size = FLOORS[lang]
    assert report.total >= size
    assert report.intent_accuracy >= intent, report.render()
    assert report.entity_f1 >= entity, report.render()


def test_no_sentence_of_the_offer_set_is_in_training() -> None:
    for lang in ("de", "en"):
        blind = {e.text.lower() for e in load(BLIND / f"offers_{lang}.yml").examples}
        leaked = {t for t in blind & _trained(lang) if len(t.split()) >= 5}
        assert not leaked, sorted(leaked)

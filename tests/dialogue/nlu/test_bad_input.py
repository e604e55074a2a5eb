"""Whatever a person types, the NLU answers and never raises."""

from __future__ import annotations

from datetime import datetime

import pytest

from dialogue.nlu import LOW_CONFIDENCE, NLU

# A Thursday; relative dates refer to it (as in the held-out files).
NOW = datetime(2026, 11, 26, 10, 0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂🙂🙂",
        "👍" * 3 + "🎉",
        "مرحبا، كيف يمكنني المساعدة؟",
        "Привет, как дела?",
        "\x00\x01\x1b[31m\x7f",
        "x" * 4096,
        "Hilfe " * 800,
        '[Kinder](category) {"entity": 1}',
    ],
)
def test_odd_input_parses_as_out_of_scope_or_unsure(nlu: NLU, text: str) -> None:
    for lang in ("de", "en"):
        result = nlu.parse(text, lang=lang, now=NOW)
        assert result.text == text
        assert 0.0 <= result.confidence <= 1.0
        rasa = result.to_rasa()
        assert set(rasa) >= {"text", "intent", "entities", "intent_ranking", "availability"}
        if text.strip() == "" or text[0] in "🙂👍مП\x00x":
            assert result.intent == "out_of_scope" or result.confidence < LOW_CONFIDENCE


def test_unknown_language_falls_back_to_german(nlu: NLU) -> None:
    assert nlu.parse("Hallo", lang="fr", now=NOW).intent == "greet"


def test_confidences_are_a_ranking(nlu: NLU) -> None:
    result = nlu.parse("Ich möchte mich engagieren", now=NOW)
    confidences = [c for _, c in result.ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert result.ranking[0] == (result.intent, result.confidence)

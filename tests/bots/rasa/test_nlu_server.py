"""``ehrenamt nlu serve``: our NLU answers Rasa's ``POST /model/parse`` in the
shape ``rasa run --enable-api`` gives (docs/rasa.md, way 3)."""

from __future__ import annotations

import httpx

from bots.rasa.nlu_server import create_nlu_app
from dialogue.nlu import NLU
from dialogue.nlu.rasa_remote import from_rasa


def _client(districts: dict[str, tuple[float, float]] | None = None) -> httpx.AsyncClient:
    app = create_nlu_app(NLU.train(), districts=districts)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://nlu")


async def test_parse_answers_in_rasas_shape() -> None:
    text = "Ich möchte samstags in Burtscheid mit Kindern helfen"
    async with _client({"Burtscheid": (50.7606, 6.0939)}) as client:
        answer = (await client.post("/model/parse", json={"text": text, "message_id": "m1"})).json()
    assert answer["text"] == text and answer["message_id"] == "m1"
    assert set(answer["intent"]) == {"name", "confidence"}
    assert answer["intent_ranking"][0] == answer["intent"]
    category = next(e for e in answer["entities"] if e["entity"] == "category")
    assert category["value"] == "kinder_jugend"
    assert text[category["start"] : category["end"]] == "Kindern"
    assert category["extractor"] == "ehrenamt" and category["confidence_entity"] == 1.0
    place = next(e for e in answer["entities"] if e["entity"] == "place")
    assert place["value"] == "Burtscheid"
    # What our own Rasa client reads back is what our NLU meant.
    assert from_rasa(text, answer).values("category") == ["kinder_jugend"]


async def test_english_by_body_and_a_bad_request_is_rasas_400() -> None:
    async with _client() as client:
        english = (await client.post("/model/parse", json={"text": "hello", "lang": "en"})).json()
        assert english["intent"]["name"] == "greet"
        bad = await client.post("/model/parse", json={"message": "no text"})
        assert bad.status_code == 400 and bad.json()["status"] == "failure"
        broken = await client.post("/model/parse", content=b"{not json")
        assert broken.status_code == 400
        assert (await client.get("/")).status_code == 200

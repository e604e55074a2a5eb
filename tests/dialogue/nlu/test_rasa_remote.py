"""A remote Rasa server can stand in for the built-in NLU."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from dialogue.nlu.rasa_remote import RemoteRasaNLU


class _FakeRasa(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append({"path": self.path, "body": body})
        answer = {
            "text": body["text"],
            "intent": {"name": "inform", "confidence": 0.87},
            "entities": [{"entity": "place", "value": "Brand", "start": 17, "end": 22,
                          "extractor": "RegexEntityExtractor"}],
            "intent_ranking": [{"name": "inform", "confidence": 0.87},
                               {"name": "search", "confidence": 0.1}],
        }  # fmt: skip
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def rasa_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


async def test_remote_answer_becomes_a_parse_result(rasa_url: str) -> None:
    result = await RemoteRasaNLU(rasa_url).parse("samstags abends, Brand")
    assert _FakeRasa.received[-1] == {
        "path": "/model/parse",
        "body": {"text": "samstags abends, Brand"},
    }
    assert (result.intent, result.confidence) == ("inform", 0.87)
    assert result.values("place") == ["Brand"]
    assert result.ranking[1] == ("search", 0.1)
    assert result.availability == ("sa:abend",)  # derived locally, Rasa knows no grid
    assert result.to_rasa()["intent"] == {"name": "inform", "confidence": 0.87}

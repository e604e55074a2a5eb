"""Nominatim as a tenant option, against a fake server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from core.geo.gazetteer import Gazetteer
from core.geo.geocoder import resolve_place
from core.geo.nominatim import MIN_DELAY_SECONDS, NominatimPlaces
from core.tenants import TenantConfig


class FakeNominatim:
    """Answers /search like Nominatim's JSON API and records every query."""

    def __init__(self) -> None:
        self.queries: list[dict[str, list[str]]] = []
        self.failing = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                fake.queries.append(query)
                if fake.failing or url.path != "/search":
                    self.send_response(503)
                    self.end_headers()
                    return
                body = json.dumps(fake.answer(query["q"][0])).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def answer(q: str) -> list[dict[str, Any]]:
        if q == "Elisenbrunnen":
            return [
                {
                    "place_id": 1,
                    "lat": "50.7745",
                    "lon": "6.0870",
                    "name": "Elisenbrunnen",
                    "display_name": "Elisenbrunnen, Friedrich-Wilhelm-Platz, Aachen, Deutschland",
                    "boundingbox": ["50.774", "50.775", "6.086", "6.088"],
                }
            ]
        return []


@pytest.fixture
def fake_nominatim() -> Iterator[FakeNominatim]:
    fake = FakeNominatim()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def tenant(tenants: dict[str, TenantConfig], fake_nominatim: FakeNominatim) -> TenantConfig:
    return dataclasses.replace(
        tenants["aachen"], geocoder="nominatim", nominatim_url=fake_nominatim.url
    )


def client(fake: FakeNominatim, delay: float = 0.0) -> NominatimPlaces:
    return NominatimPlaces(fake.url, min_delay_seconds=delay, timeout=2)


def test_nominatim_answers_names_the_gazetteer_does_not_know(
    tenant: TenantConfig, fake_nominatim: FakeNominatim
) -> None:
    place = resolve_place("Elisenbrunnen", tenant, Gazetteer.default(), client(fake_nominatim))
    assert (place.name, place.source, place.kind) == ("Elisenbrunnen", "nominatim", "place")
    assert place.lat == pytest.approx(50.7745)
    query = fake_nominatim.queries[0]
    assert query["countrycodes"] == ["de"]
    assert "viewbox" in query  # biased towards the tenant's region


def test_answers_are_cached(tenant: TenantConfig, fake_nominatim: FakeNominatim) -> None:
    nominatim = client(fake_nominatim)
    for _ in range(3):
        resolve_place("Elisenbrunnen", tenant, Gazetteer.default(), nominatim)
    assert len(fake_nominatim.queries) == 1
    assert nominatim.requests == 1


def test_districts_and_postcodes_never_reach_the_server(
    tenant: TenantConfig, fake_nominatim: FakeNominatim
) -> None:
    nominatim = client(fake_nominatim)
    assert resolve_place("Brand", tenant, Gazetteer.default(), nominatim).kind == "district"
    assert resolve_place("52062", tenant, Gazetteer.default(), nominatim).kind == "postcode"
    assert fake_nominatim.queries == []


def test_server_failure_falls_back_to_the_gazetteer(
    tenant: TenantConfig, fake_nominatim: FakeNominatim
) -> None:
    fake_nominatim.failing = True
    place = resolve_place("Würselen", tenant, Gazetteer.default(), client(fake_nominatim))
    assert (place.name, place.source) == ("Würselen", "gazetteer")
    assert len(fake_nominatim.queries) == 1


def test_nothing_from_nominatim_falls_back_to_the_gazetteer(
    tenant: TenantConfig, fake_nominatim: FakeNominatim
) -> None:
    place = resolve_place("Eschweiler", tenant, Gazetteer.default(), client(fake_nominatim))
    assert place.source == "gazetteer"


def test_requests_are_rate_limited(fake_nominatim: FakeNominatim) -> None:
    assert MIN_DELAY_SECONDS == 1.0  # Nominatim's usage policy
    nominatim = client(fake_nominatim, delay=0.3)
    started = time.monotonic()
    for name in ("Elisenbrunnen", "Dom", "Ponttor"):
        nominatim.search(name)
    assert time.monotonic() - started >= 0.6  # two waits between three requests


def test_offline_is_the_default(tenants: dict[str, TenantConfig]) -> None:
    assert all(t.geocoder == "offline" for t in tenants.values())

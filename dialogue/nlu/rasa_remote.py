"""A remote Rasa server as the NLU (DESIGN.md: "a remote Rasa server can
replace our NLU"). Posts ``{"text": ...}`` to ``/model/parse`` and maps the
answer into our ``ParseResult``. Availability is not a Rasa concept, so it is
derived locally from the text with the same rules as the built-in NLU."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from dialogue.nlu.extractors.availability import extract_availability
from dialogue.nlu.result import Entity, ParseResult


class RemoteRasaNLU:
    def __init__(
        self, url: str, timeout: float = 5.0, client: httpx.AsyncClient | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self._timeout = timeout
        self._client = client

    async def parse(self, text: str, lang: str = "de") -> ParseResult:
        payload = {"text": text}
        if self._client is not None:
            response = await self._client.post(f"{self.url}/model/parse", json=payload)
        else:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(f"{self.url}/model/parse", json=payload)
        response.raise_for_status()
        return from_rasa(text, response.json())


def from_rasa(text: str, answer: dict[str, Any]) -> ParseResult:
    intent = answer.get("intent") or {}
    entities = _one_per_span(
        text,
        [
            Entity(
                str(e.get("entity", "")),
                str(e.get("value", "")),
                int(e.get("start", 0) or 0),
                int(e.get("end", 0) or 0),
            )
            for e in answer.get("entities") or []
        ],
    )
    ranking = tuple(
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in answer.get("intent_ranking") or []
    )
    dates = [e for e in entities if e.entity == "date"]
    availability, spontaneous = extract_availability(text, dates)
    return ParseResult(
        text=text,
        intent=str(intent.get("name") or "out_of_scope"),
        confidence=float(intent.get("confidence") or 0.0),
        entities=entities,
        availability=availability,
        spontaneous=spontaneous,
        ranking=ranking,
    )


def _one_per_span(text: str, found: Iterable[Entity]) -> tuple[Entity, ...]:
    """Rasa pipelines often find one mention twice (DIET and the lookup-table
    extractor): one entity per type and span, preferring a value the synonym
    mapper normalised ("kinder_jugend") over the text as written ("Kindern")."""

    def as_written(e: Entity) -> bool:
        return e.value.casefold() == text[e.start : e.end].casefold()

    kept: list[Entity] = []
    for e in found:
        same = next(
            (i for i, k in enumerate(kept)
             if k.entity == e.entity and k.start < e.end and e.start < k.end),
            None,
        )  # fmt: skip
        if same is None:
            kept.append(e)
        elif as_written(kept[same]) and not as_written(e):
            kept[same] = e
    return tuple(kept)

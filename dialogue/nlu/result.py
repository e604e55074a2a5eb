"""What a parse returns, in Rasa's shape (DESIGN.md, "NLU")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ParseResult:
    text: str
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    availability: tuple[str, ...] = ()
    spontaneous: bool = False
    ranking: tuple[tuple[str, float], ...] = field(default=())

    def values(self, entity: str) -> list[str]:
        """The values of one entity type, in text order, without repeats."""
        seen: list[str] = []
        for e in self.entities:
            if e.entity == entity and e.value not in seen:
                seen.append(e.value)
        return seen

    def to_rasa(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": round(self.confidence, 4)},
            "entities": [
                {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end}
                for e in self.entities
            ],
            "intent_ranking": [
                {"name": name, "confidence": round(conf, 4)} for name, conf in self.ranking
            ],
            "availability": list(self.availability),
            "spontaneous": self.spontaneous,
        }

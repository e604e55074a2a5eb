"""Evaluating the NLU on a held-out file in Rasa format.

An entity counts as found when type and value match and its span overlaps
the annotated one: whether "am 5.12." or "5.12." is marked is taste, the
value is what the dialogue uses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from dialogue.nlu import training_data
from dialogue.nlu.result import Entity, ParseResult


class Parser(Protocol):
    def parse(self, text: str, lang: str = ..., now: datetime | None = ...) -> ParseResult: ...


@dataclass(frozen=True, slots=True)
class EntityScore:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class EvalReport:
    language: str
    total: int
    intent_hits: int
    entities: dict[str, EntityScore]
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_hits / self.total if self.total else 0.0

    @property
    def entity_f1(self) -> float:
        """Micro-averaged over all entity types."""
        tp = sum(s.tp for s in self.entities.values())
        fp = sum(s.fp for s in self.entities.values())
        fn = sum(s.fn for s in self.entities.values())
        return EntityScore(tp, fp, fn).f1

    def as_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "utterances": self.total,
            "intent_accuracy": round(self.intent_accuracy, 4),
            "entity_f1": round(self.entity_f1, 4),
            "entities": {
                name: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.tp + s.fn,
                }
                for name, s in sorted(self.entities.items())
            },
            "confusions": [
                {"expected": e, "predicted": p, "count": n}
                for (e, p), n in self.confusions.most_common()
            ],
        }

    def render(self) -> str:
        lines = [
            f"language {self.language}: {self.total} utterances",
            f"intent accuracy  {self.intent_accuracy:.3f}",
            f"entity F1 (micro) {self.entity_f1:.3f}",
            "",
            f"{'entity':<14}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}",
        ]
        for name, s in sorted(self.entities.items()):
            lines.append(
                f"{name:<14}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>7.3f}{s.tp + s.fn:>9}"
            )
        if self.confusions:
            lines += ["", "intent confusions (expected -> predicted):"]
            lines += [f"  {e} -> {p}: {n}" for (e, p), n in self.confusions.most_common()]
        return "\n".join(lines)


def _same(a: Entity, b: Entity) -> bool:
    return a.entity == b.entity and a.value == b.value and a.start < b.end and b.start < a.end


def evaluate(
    parser: Parser,
    path: Path,
    lang: str | None = None,
    now: datetime | None = None,
    exclude: Collection[str] = (),
) -> EvalReport:
    """Score ``parser`` on a Rasa-format test file; texts in ``exclude``
    (lower-case, e.g. the training examples) are left out."""
    data = training_data.load(path, lang)
    language = lang or data.language.removeprefix("test_data_")
    counts: dict[str, list[int]] = {}
    hits = 0
    confusions: Counter[tuple[str, str]] = Counter()
    errors: list[dict[str, Any]] = []
    skip = {text.lower() for text in exclude}
    examples = [e for e in data.examples if e.text.lower() not in skip]
    for example in examples:
        result = parser.parse(example.text, lang=language, now=now)
        if result.intent == example.intent:
            hits += 1
        else:
            confusions[(example.intent, result.intent)] += 1
        predicted = list(result.entities)
        gold = list(example.entities)
        for g in gold:
            row = counts.setdefault(g.entity, [0, 0, 0])
            match = next((p for p in predicted if _same(g, p)), None)
            if match:
                row[0] += 1
                predicted.remove(match)
            else:
                row[2] += 1
                errors.append({"text": example.text, "missed": g.entity, "value": g.value})
        for p in predicted:
            counts.setdefault(p.entity, [0, 0, 0])[1] += 1
            errors.append({"text": example.text, "extra": p.entity, "value": p.value})
    scores = {name: EntityScore(*row) for name, row in counts.items()}
    return EvalReport(language, len(examples), hits, scores, confusions, errors)

"""Reading Rasa 3 YAML training data (``data/nlu/<lang>.yml``).

Only what the built-in NLU needs: intents with examples (entity annotations
removed from the text but kept with offsets), synonyms, lookup tables and
regexes. The same reader loads the held-out test files for evaluation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dialogue.nlu.result import Entity

# libyaml when available: the pure-Python parser alone would cost most of start-up.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "nlu"

# [text](entity), [text]{"entity": "...", "value": "..."}, or several entities
# on one span: [text][{"entity": "weekday", ...}, {"entity": "daypart", ...}]
# (Rasa's list form, as in its own parser since 2.8).
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+)\]"
    r"(?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\})|\[(?P<list>\s*\{[^\]]*\}\s*)\])"
)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    entities: tuple[Entity, ...] = ()


@dataclass(slots=True)
class TrainingData:
    language: str
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # written form -> value
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})


def parse_example(raw: str, intent: str) -> Example:
    """One annotated example line -> plain text plus entities with offsets."""
    text_parts: list[str] = []
    entities: list[Entity] = []
    pos = 0
    length = 0
    for match in _ANNOTATION.finditer(raw):
        before = raw[pos : match.start()]
        text_parts.append(before)
        length += len(before)
        shown = match.group("text")
        end = length + len(shown)
        if match.group("json"):
            specs = [json.loads(match.group("json"))]
        elif match.group("list"):
            specs = json.loads(f"[{match.group('list')}]")
        else:
            name, _, value = match.group("name").partition(":")
            specs = [{"entity": name, "value": value or shown}]
        for spec in specs:
            entities.append(Entity(spec["entity"], str(spec.get("value", shown)), length, end))
        text_parts.append(shown)
        length += len(shown)
        pos = match.end()
    text_parts.append(raw[pos:])
    return Example("".join(text_parts), intent, tuple(entities))


def _lines(block: str | None) -> list[str]:
    lines = []
    for line in (block or "").splitlines():
        line = line.strip()
        if line.startswith("- "):
            lines.append(line[2:].strip())
    return lines


def load(path: Path, language: str | None = None) -> TrainingData:
    with path.open(encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=_YAML_LOADER) or {}
    data = TrainingData(language or path.stem)
    for item in raw.get("nlu", []):
        if "intent" in item:
            data.examples += [parse_example(x, item["intent"]) for x in _lines(item["examples"])]
        elif "synonym" in item:
            for written in _lines(item["examples"]):
                data.synonyms[written] = str(item["synonym"])
        elif "lookup" in item:
            data.lookups.setdefault(item["lookup"], []).extend(_lines(item["examples"]))
        elif "regex" in item:
            data.regexes.setdefault(item["regex"], []).extend(_lines(item["examples"]))
    return data

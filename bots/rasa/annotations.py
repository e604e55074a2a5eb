"""Checking entity annotations in Rasa training examples before Rasa sees them.

Rasa accepts three forms after ``[text]``: ``(entity)`` or ``(entity:value)``,
``{"entity": ..., "value": ...}`` and a list of such objects for several
entities on one span (``[Mittwochabend][{"entity": "weekday", ...}, {...}]``).
A typo in an annotation is silently read by Rasa as plain text or fails deep
inside training; this check names the line and what is wrong with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

# The same alternatives as Rasa 3's ENTITY_REGEX (rasa/shared/nlu/training_data/formats/readerwriter.py).
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<name>[^:)]+?)(?::(?P<value>[^)]+))?\)"
    r"|\{(?P<dict>[^}]+?)\}"
    r"|\[(?P<list>.*?)\])"
)


@dataclass(frozen=True, slots=True)
class AnnotationError:
    intent: str
    example: str
    problem: str

    def __str__(self) -> str:
        return f"{self.intent}: {self.example!r}: {self.problem}"


def check_example(example: str, intent: str, entities: Collection[str]) -> list[AnnotationError]:
    """What is wrong with one example line (empty when it is fine)."""
    problems: list[str] = []
    rest = example
    for match in _ANNOTATION.finditer(example):
        problems += _check_annotation(match, entities)
        rest = rest.replace(match.group(0), " " * len(match.group(0)), 1)
    # What is left must not look like an annotation Rasa would misread as text.
    if "[" in rest or "]" in rest:
        problems.append("a '[' or ']' outside a complete [text](entity) annotation")
    if re.search(r"\]\s*[({]", example) and not _ANNOTATION.search(example):
        problems.append("an annotation that Rasa cannot read")
    return [AnnotationError(intent, example, p) for p in problems]


def _check_annotation(match: re.Match[str], entities: Collection[str]) -> list[str]:
    if match.group("name") is not None:
        name = match.group("name").strip()
        return [] if name in entities else [f"unknown entity {name!r}"]
    raw = match.group("dict")
    objects: list[object]
    try:
        if raw is not None:
            objects = [json.loads("{" + raw + "}")]
        else:
            loaded = json.loads("[" + match.group("list") + "]")
            objects = loaded if isinstance(loaded, list) else [loaded]
    except json.JSONDecodeError as exc:
        return [f"annotation is not valid JSON ({exc.msg})"]
    problems: list[str] = []
    if not objects:
        problems.append("an empty list of entities")
    for obj in objects:
        if not isinstance(obj, dict) or "entity" not in obj:
            problems.append('each annotation needs an "entity" key')
            continue
        if obj["entity"] not in entities:
            problems.append(f"unknown entity {obj['entity']!r}")
        if "value" in obj and not isinstance(obj["value"], str | int | float):
            problems.append(f"the value of {obj['entity']!r} must be text or a number")
    return problems


def check_examples(
    examples: Iterable[tuple[str, str]], entities: Collection[str]
) -> list[AnnotationError]:
    """``examples``: (intent, example line) pairs."""
    errors: list[AnnotationError] = []
    for intent, line in examples:
        errors += check_example(line, intent, entities)
    return errors


def annotated_entities(example: str) -> list[str]:
    """Entity names annotated in one (valid) example, in order."""
    names: list[str] = []
    for match in _ANNOTATION.finditer(example):
        if match.group("name") is not None:
            names.append(match.group("name").strip())
            continue
        raw = match.group("dict")
        try:
            loaded = json.loads(
                "{" + raw + "}" if raw is not None else "[" + match.group("list") + "]"
            )
        except json.JSONDecodeError:
            continue
        for obj in loaded if isinstance(loaded, list) else [loaded]:
            if isinstance(obj, dict) and "entity" in obj:
                names.append(str(obj["entity"]))
    return names

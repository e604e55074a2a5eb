"""What a need asks for, in words a volunteer can act on: the label of each
required qualification and a short help text (how to get the erweitertes
Führungszeugnis free of charge, where to take a first-aid course, ...).

The texts live in ``data/texts/qualifications/<lang>.yml`` (German first,
English complete; ``{du, Sie}`` where the address differs). The chat and the
web pages both read them from here, so a need says the same everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from core.settings import DATA_DIR
from core.taxonomy import LANGUAGE_PREFIX, Taxonomy

HELP_DIR = DATA_DIR / "texts" / "qualifications"
LANGUAGES: tuple[str, ...] = ("de", "en")
FALLBACK = "de"
LANGUAGE_KEY = "sprache"  # the one text for every "sprache:<iso>"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One qualification a need asks for, ready to show."""

    code: str
    label: str
    help: str


@functools.cache
def help_catalogue(lang: str) -> dict[str, Any]:
    """Code -> a text or a ``{du, Sie}`` mapping; read once per process."""
    with (HELP_DIR / f"{lang}.yml").open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh) or {})


def _in_form(value: Any, form: str) -> str:
    if isinstance(value, Mapping):
        value = value.get(form) or value.get("du") or next(iter(value.values()), "")
    return str(value)


def help_text(taxonomy: Taxonomy, code: str, lang: str, form: str = "du") -> str:
    """The help for one qualification code in ``lang`` (German when the
    language has none) and the address form; "" for a code without help."""
    lang = lang if lang in LANGUAGES else FALLBACK
    key = LANGUAGE_KEY if code.startswith(LANGUAGE_PREFIX) else code
    value = help_catalogue(lang).get(key)
    if value is None:
        value = help_catalogue(FALLBACK).get(key)
    if value is None:
        return ""
    text = _in_form(value, form if form in ("du", "Sie") else "du")
    if key == LANGUAGE_KEY:
        iso = code.removeprefix(LANGUAGE_PREFIX)
        language = taxonomy.languages.get(iso)
        text = text.replace("{language}", language.label(lang) if language else iso)
    return text


def requirements(
    taxonomy: Taxonomy, codes: Iterable[str], lang: str, form: str = "du"
) -> tuple[Requirement, ...]:
    """Label and help of each code, in the need's order."""
    return tuple(
        Requirement(code, taxonomy.label(code, lang), help_text(taxonomy, code, lang, form))
        for code in dict.fromkeys(codes)
    )


__all__ = ["Requirement", "help_catalogue", "help_text", "requirements"]

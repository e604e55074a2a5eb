"""The taxonomy: category and qualification codes with labels, emoji and synonyms.

Codes are fixed by DESIGN.md; everything a person reads (labels, synonyms,
emoji) lives in ``data/categories.yml`` so editors can change it without code.
``Taxonomy.load()`` reads the file once, on first use, and caches it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.errors import ConfigError

# libyaml when available: the pure-Python parser alone would cost most of start-up.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "categories.yml"

CATEGORY_CODES: tuple[str, ...] = (
    "kinder_jugend",
    "senioren",
    "umwelt",
    "tiere",
    "sport",
    "kultur",
    "bildung",
    "integration",
    "soziales",
    "gesundheit",
    "inklusion",
    "notfall",
    "nachbarschaft",
    "veranstaltungen",
    "digitales",
    "handwerk",
    "verwaltung",
)
QUALIFICATION_CODES: tuple[str, ...] = (
    "fuehrerschein",
    "fuehrungszeugnis",
    "erste_hilfe",
    "paedagogik",
    "pflege",
    "handwerk",
    "it",
)
LANGUAGE_PREFIX = "sprache:"
_ISO2 = re.compile(r"[a-z]{2}")
_FALLBACK_LANG = "de"


def _labels(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(f"categories.yml: {where} needs labels per language")
    return {str(lang): str(text) for lang, text in raw.items()}


def _synonyms(raw: Any) -> dict[str, tuple[str, ...]]:
    return {str(lang): tuple(str(s) for s in words or ()) for lang, words in (raw or {}).items()}


def _pick(labels: Mapping[str, str], lang: str) -> str:
    return labels.get(lang) or labels.get(_FALLBACK_LANG) or next(iter(labels.values()))


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    labels: dict[str, str]
    emoji: str
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return _pick(self.labels, lang)


@dataclass(frozen=True, slots=True)
class Qualification:
    code: str
    labels: dict[str, str]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return _pick(self.labels, lang)


@dataclass(frozen=True, slots=True)
class Language:
    """A language by ISO 639-1 code, with its names as people write them."""

    iso: str
    labels: dict[str, str]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return _pick(self.labels, lang)


@dataclass(frozen=True, slots=True)
class Taxonomy:
    categories: dict[str, Category]
    qualifications: dict[str, Qualification]
    languages: dict[str, Language]

    @classmethod
    def load(cls, path: Path | str | None = None) -> Taxonomy:
        """The taxonomy from ``path`` (default ``data/categories.yml``), read once."""
        return _load(Path(path).resolve() if path else DEFAULT_PATH)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Taxonomy:
        cats = raw.get("categories") or {}
        missing = [c for c in CATEGORY_CODES if c not in cats]
        unknown = [c for c in cats if c not in CATEGORY_CODES]
        if missing or unknown:
            raise ConfigError(f"categories.yml: missing {missing}, unknown {unknown}")
        categories = {
            code: Category(
                code=code,
                labels=_labels(cats[code].get("labels"), code),
                emoji=str(cats[code].get("emoji", "")),
                synonyms=_synonyms(cats[code].get("synonyms")),
            )
            for code in CATEGORY_CODES
        }
        quals = raw.get("qualifications") or {}
        missing = [c for c in QUALIFICATION_CODES if c not in quals]
        if missing:
            raise ConfigError(f"categories.yml: missing qualifications {missing}")
        qualifications = {
            code: Qualification(
                code=code,
                labels=_labels(q.get("labels"), code),
                synonyms=_synonyms(q.get("synonyms")),
            )
            for code, q in quals.items()
        }
        languages: dict[str, Language] = {}
        for iso, entry in (raw.get("languages") or {}).items():
            if not _ISO2.fullmatch(str(iso)):
                raise ConfigError(f"categories.yml: language code {iso!r} is not ISO 639-1")
            languages[iso] = Language(
                iso=iso,
                labels=_labels(entry.get("labels"), iso),
                synonyms=_synonyms(entry.get("synonyms")),
            )
        # Every listed language is also a qualification "sprache:<iso>".
        for iso, language in languages.items():
            qualifications[LANGUAGE_PREFIX + iso] = Qualification(
                code=LANGUAGE_PREFIX + iso,
                labels={
                    "de": f"Sprachkenntnisse: {language.label('de')}",
                    "en": f"Speaks {language.label('en')}",
                },
                synonyms=language.synonyms,
            )
        return cls(categories, qualifications, languages)

    def label(self, code: str, lang: str = "de") -> str:
        """The label of a category, qualification or language code; the code if unknown."""
        if code in self.categories:
            return self.categories[code].label(lang)
        if code in self.qualifications:
            return self.qualifications[code].label(lang)
        if code.startswith(LANGUAGE_PREFIX):
            # A language nobody listed is still a valid qualification.
            iso = code.removeprefix(LANGUAGE_PREFIX)
            return f"Sprachkenntnisse: {iso}" if lang == "de" else f"Speaks {iso}"
        if code in self.languages:
            return self.languages[code].label(lang)
        return code

    def qualification_label(self, code: str, lang: str = "de") -> str:
        """A qualification's label: "handwerk" is a category too, with another
        label ("Handwerk & Reparatur"), and a need asks for the skill."""
        if code in self.qualifications:
            return self.qualifications[code].label(lang)
        return self.label(code, lang)

    def is_category(self, code: str) -> bool:
        return code in self.categories

    def is_qualification(self, code: str) -> bool:
        if code in self.qualifications:
            return True
        return code.startswith(LANGUAGE_PREFIX) and bool(
            _ISO2.fullmatch(code.removeprefix(LANGUAGE_PREFIX))
        )

    def emoji(self, code: str) -> str:
        category = self.categories.get(code)
        return category.emoji if category else ""


@cache
def _load(path: Path) -> Taxonomy:
    try:
        with path.open(encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read taxonomy {path}: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping")
    return Taxonomy.from_dict(raw)

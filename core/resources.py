"""Resources someone can lend (issue 14): a van on weekends, a meeting room,
tools, a tent, technology, staff days; what people call them and which needs
each suits ("Transporter passt zu: Umzugshilfe").

Codes are fixed here; labels and words live in ``data/resources.yml`` so
editors can change them without code. ``Resources.load()`` reads the file
once, on first use, and caches it. Words are matched as ``core.search_words``
matches searched words: case- and umlaut-insensitive, with German word forms
and compounds ("Kleintransporter", "Seminarräume").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.errors import ConfigError
from core.search_words import NONE, TITLE, SearchWords, fold

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "resources.yml"
RESOURCE_KINDS: tuple[str, ...] = ("van", "room", "tools", "tent", "tech", "staff")
REASON = "resource"  # ``core.matching.Reason.kind``; the value is "<kind>:<use>"
_WORD = re.compile(r"\w+(?:-\w+)*")
_FALLBACK_LANG = "de"


def _labels(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping) or _FALLBACK_LANG not in raw:
        raise ConfigError(f"resources.yml: {where} needs labels with at least 'de'")
    return {str(k): str(v) for k, v in raw.items()}


def _words(raw: Any) -> tuple[str, ...]:
    """A list of words, or a mapping language → list (all languages count)."""
    if raw is None:
        return ()
    if isinstance(raw, Mapping):
        return tuple(str(w) for words in raw.values() for w in words or ())
    return tuple(str(w) for w in raw)


@dataclass(frozen=True, slots=True)
class Use:
    """What a resource suits: needs whose text holds one of ``words``, or of
    one of ``categories``."""

    code: str
    labels: dict[str, str]
    words: SearchWords
    categories: frozenset[str]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels[_FALLBACK_LANG]

    def tier(self, title: str, description: str, category: str | None) -> int:
        """``TITLE``, ``DESCRIPTION`` or ``NONE`` (a category of the use counts as title)."""
        if category is not None and category in self.categories:
            return TITLE
        return self.words.tier(title, description)


@dataclass(frozen=True, slots=True)
class ResourceKind:
    code: str
    labels: dict[str, str]
    words: SearchWords
    excluded: tuple[str, ...]  # folded; a word beginning with one is no offer
    uses: tuple[Use, ...]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels[_FALLBACK_LANG]

    def offered_in(self, text: str) -> bool:
        """Whether ``text`` names this resource ("unseren Transporter"); a word
        listed under ``except`` ("Zeitraum") does not count."""
        tokens = [w for w in _WORD.findall(text) if not fold(w).startswith(self.excluded)]
        return bool(tokens) and self.words.tier(" ".join(tokens), "") != NONE

    def fit(self, title: str, description: str, category: str | None) -> Use | None:
        """The use a need is for, if the resource suits it: one named in its
        title (or by its category) before one only its description names."""
        found: Use | None = None
        for use in self.uses:
            tier = use.tier(title, description, category)
            if tier == TITLE:
                return use
            if tier != NONE and found is None:
                found = use
        return found

    def categories(self) -> frozenset[str]:
        return frozenset(c for use in self.uses for c in use.categories)

    def like_fragments(self) -> tuple[str, ...] | None:
        """Substrings one of which every need text this resource suits holds
        (besides needs of its categories), for a coarse ``LIKE``; None when
        a word has none (then every need is a candidate)."""
        found: list[str] = []
        for use in self.uses:
            fragments = use.words.like_fragments()
            if fragments is None:
                return None
            found += [f for f in dict.fromkeys(fragments) if f not in found]
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Resources:
    kinds: dict[str, ResourceKind]

    @classmethod
    def load(cls, path: Path | str | None = None) -> Resources:
        """The resources from ``path`` (default ``data/resources.yml``), read once."""
        return _load(Path(path).resolve() if path else DEFAULT_PATH)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Resources:
        kinds = raw.get("kinds") or {}
        missing = [k for k in RESOURCE_KINDS if k not in kinds]
        unknown = [k for k in kinds if k not in RESOURCE_KINDS]
        if missing or unknown:
            raise ConfigError(f"resources.yml: missing {missing}, unknown {unknown}")
        parsed: dict[str, ResourceKind] = {}
        for code in RESOURCE_KINDS:
            entry = kinds[code]
            words = _words(entry.get("words"))
            fits = entry.get("fits") or {}
            if not words or not fits:
                raise ConfigError(f"resources.yml: {code} needs words and fits")
            uses = tuple(
                Use(
                    code=str(use_code),
                    labels=_labels(use.get("labels"), f"{code}.{use_code}"),
                    words=SearchWords.of(_words(use.get("words"))),
                    categories=frozenset(str(c) for c in use.get("categories") or ()),
                )
                for use_code, use in fits.items()
            )
            parsed[code] = ResourceKind(
                code=code,
                labels=_labels(entry.get("labels"), code),
                words=SearchWords.of(words),
                excluded=tuple(fold(w) for w in _words(entry.get("except"))),
                uses=uses,
            )
        return cls(parsed)

    def is_kind(self, code: str | None) -> bool:
        return code in self.kinds

    def kind_of(self, text: str) -> str | None:
        """The resource a text offers ("Wir können unseren Transporter
        verleihen" → ``van``), the first in the file's order; None for none."""
        for kind in self.kinds.values():
            if kind.offered_in(text):
                return kind.code
        return None

    def label(self, code: str, lang: str = "de") -> str:
        kind = self.kinds.get(code)
        return kind.label(lang) if kind else code

    def reason_labels(self, value: str, lang: str = "de") -> tuple[str, str] | None:
        """A resource reason's value ("van:moving") as (resource, use) labels."""
        code, _, use_code = value.partition(":")
        kind = self.kinds.get(code)
        use = next((u for u in kind.uses if u.code == use_code), None) if kind else None
        if kind is None or use is None:
            return None
        return kind.label(lang), use.label(lang)

    def choices(self, lang: str = "de") -> list[tuple[str, str]]:
        return [(code, kind.label(lang)) for code, kind in self.kinds.items()]


def reason_value(kind: str, use: Use) -> str:
    return f"{kind}:{use.code}"


@cache
def _load(path: Path) -> Resources:
    try:
        with path.open(encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read resources {path}: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping")
    return Resources.from_dict(raw)


__all__ = ["REASON", "RESOURCE_KINDS", "ResourceKind", "Resources", "Use", "reason_value"]

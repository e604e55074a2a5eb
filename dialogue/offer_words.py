"""Words around an offer said in the chat (issue 14, part 3): those of a
wish to offer that names nothing offered ("Angebot erstellen"), those
that lead in a place ("…, in Eilendorf") and those that say a thing is
lent ("verleihen"). They live in
``data/offer_words.yml`` so editors can change them without code;
``OfferWords.load()`` reads the file once, on first use. Words are folded
(``core.search_words.fold``): case- and umlaut-insensitive.
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
from core.search_words import fold

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "offer_words.yml"
_KEYS = ("bare", "place_lead", "lend")
_WORD = re.compile(r"\w+")


def _words(raw: Any, key: str) -> frozenset[str]:
    """A mapping language → list of words; all languages together, folded."""
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(f"offer_words.yml: {key} needs words per language")
    return frozenset(fold(str(w)) for words in raw.values() for w in words or ())


@dataclass(frozen=True, slots=True)
class OfferWords:
    bare: frozenset[str]  # a wish to offer that names nothing offered
    place_lead: frozenset[str]  # words before a place ("in", "bei mir in")
    lend: frozenset[str]  # a thing is lent ("verleihen")

    def lends(self, text: str) -> bool:
        """Whether ``text`` says something is lent ("… unsere Hüpfburg verleihen")."""
        return not self.lend.isdisjoint(_WORD.findall(fold(text)))

    @classmethod
    def load(cls, path: Path | str | None = None) -> OfferWords:
        """The words from ``path`` (default ``data/offer_words.yml``), read once."""
        return _load(Path(path).resolve() if path else DEFAULT_PATH)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> OfferWords:
        missing = [k for k in _KEYS if k not in raw]
        if missing:
            raise ConfigError(f"offer_words.yml: missing {missing}")
        return cls(
            bare=_words(raw["bare"], "bare"),
            place_lead=_words(raw["place_lead"], "place_lead"),
            lend=_words(raw["lend"], "lend"),
        )


@cache
def _load(path: Path) -> OfferWords:
    try:
        with path.open(encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read offer words {path}: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping")
    return OfferWords.from_dict(raw)


__all__ = ["OfferWords"]

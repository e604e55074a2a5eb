"""Finding place names in text. The real finder is the gazetteer
(``core.geo.gazetteer``); without it, the NLU falls back to the ``place``
lookup table of the training data plus the tenant's districts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

PlaceFinder = Callable[[str, Mapping[str, tuple[float, float]] | None], list[tuple[int, int, str]]]


def lookup_finder(names: Iterable[str]) -> PlaceFinder:
    """A finder over fixed names (whole words, case-insensitive), longest first."""
    known = sorted({n for n in names if n.strip()}, key=len, reverse=True)

    def find(
        text: str, districts: Mapping[str, tuple[float, float]] | None = None
    ) -> list[tuple[int, int, str]]:
        candidates = sorted({*known, *(districts or {})}, key=len, reverse=True)
        found: list[tuple[int, int, str]] = []
        for name in candidates:
            for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
                if not any(s < m.end() and m.start() < e for s, e, _ in found):
                    found.append((m.start(), m.end(), m.group()))
        return sorted(found)

    return find


def gazetteer_finder() -> PlaceFinder | None:
    """The gazetteer's finder when that module is installed, else None."""
    try:
        from core.geo.gazetteer import Gazetteer
    except ImportError:
        return None
    gazetteer: list[object] = []

    def find(
        text: str, districts: Mapping[str, tuple[float, float]] | None = None
    ) -> list[tuple[int, int, str]]:
        if not gazetteer:  # loaded on the first parse, not at start-up
            gazetteer.append(Gazetteer.default())
        return list(gazetteer[0].find_mentions(text, districts=districts))  # type: ignore[attr-defined]

    return find

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pytest

from dialogue.nlu import NLU

# A Thursday, as in the test modules.
NOW = datetime(2026, 11, 26, 10, 0)


def fake_place_finder(
    text: str, districts: Mapping[str, tuple[float, float]] | None = None
) -> list[tuple[int, int, str]]:
    """Finds a few fixed names, like the gazetteer would, without loading it."""
    found = []
    for name in ("Burtscheid", "Aachen", "Eilendorf", *(districts or {})):
        pos = text.find(name)
        if pos >= 0:
            found.append((pos, pos + len(name), name))
    return found


@pytest.fixture(scope="session")
def nlu() -> NLU:
    return NLU.train(place_finder=fake_place_finder)

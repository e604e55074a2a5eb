"""Weekly availability as grid cells, from the ways people say when they can."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.availability import ALL_CELLS, DAYS
from dialogue.nlu import NLU

# A Thursday; relative dates refer to it (as in the held-out files).
NOW = datetime(2026, 11, 26, 10, 0)


def cells(days: str | tuple[str, ...], parts: tuple[str, ...]) -> tuple[str, ...]:
    wanted = {f"{d}:{p}" for d in ([days] if isinstance(days, str) else days) for p in parts}
    return tuple(c for c in ALL_CELLS if c in wanted)


ALL_PARTS = ("vormittag", "nachmittag", "abend")
WORKDAYS = DAYS[:5]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Di+Do 9-15 Uhr", "de", cells(("di", "do"), ("vormittag", "nachmittag"))),
        ("werktags abends", "de", cells(WORKDAYS, ("abend",))),
        ("am Wochenende", "de", cells(("sa", "so"), ALL_PARTS)),
        ("samstags vormittags", "de", cells("sa", ("vormittag",))),
        ("Mo-Fr 10-18", "de", cells(WORKDAYS, ("vormittag", "nachmittag"))),
        ("keine WE", "de", cells(WORKDAYS, ALL_PARTS)),
        ("nicht am Wochenende", "de", cells(WORKDAYS, ALL_PARTS)),
        ("abends", "de", cells(DAYS, ("abend",))),
        ("abends, aber nicht am Wochenende", "de", cells(WORKDAYS, ("abend",))),
        (
            "samstags vormittags und sonntags nachmittags",
            "de",
            cells("sa", ("vormittag",)) + cells("so", ("nachmittag",)),
        ),
        ("dienstags ab 17 Uhr", "de", cells("di", ("abend",))),
        ("weekday mornings", "en", cells(WORKDAYS, ("vormittag",))),
        ("Tuesday and Thursday afternoons", "en", cells(("di", "do"), ("nachmittag",))),
        ("Guten Abend", "de", ()),
    ],
)
def test_availability_cells(nlu: NLU, text: str, lang: str, expected: tuple[str, ...]) -> None:
    assert nlu.parse(text, lang=lang, now=NOW).availability == expected


@pytest.mark.parametrize("text", ["spontan", "gern auch kurzfristig", "at short notice"])
def test_spontaneous_flag(nlu: NLU, text: str) -> None:
    result = nlu.parse(text, now=NOW)
    assert result.spontaneous is True
    assert result.availability == ()

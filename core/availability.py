"""Weekly availability: 7 days x 3 day parts, plus "spontaneous".

Cells are strings ``"<day>:<daypart>"`` such as ``"sa:vormittag"``; the NLU
emits them, profiles store them, matching reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

DAYS: tuple[str, ...] = ("mo", "di", "mi", "do", "fr", "sa", "so")
DAYPARTS: dict[str, tuple[time, time]] = {
    "vormittag": (time(8), time(12)),
    "nachmittag": (time(12), time(17)),
    "abend": (time(17), time(22)),
}
ALL_CELLS: tuple[str, ...] = tuple(f"{d}:{p}" for d in DAYS for p in DAYPARTS)


def cell(day: str, daypart: str) -> str:
    if day not in DAYS or daypart not in DAYPARTS:
        raise ValueError(f"unknown cell {day}:{daypart}")
    return f"{day}:{daypart}"


def is_cell(value: str) -> bool:
    return value in _CELL_SET


_CELL_SET = frozenset(ALL_CELLS)


@dataclass(frozen=True, slots=True)
class Availability:
    """When a person has time: grid cells plus short-notice readiness."""

    cells: frozenset[str] = frozenset()
    spontaneous: bool = False

    def __post_init__(self) -> None:
        bad = [c for c in self.cells if c not in _CELL_SET]
        if bad:
            raise ValueError(f"unknown availability cells: {bad}")

    @classmethod
    def of(cls, *cells: str, spontaneous: bool = False) -> Availability:
        return cls(frozenset(cells), spontaneous)

    def sorted_cells(self) -> list[str]:
        return [c for c in ALL_CELLS if c in self.cells]

    @property
    def empty(self) -> bool:
        return not self.cells and not self.spontaneous

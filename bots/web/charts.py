"""Chart geometry for server-drawn SVG (no script): the endpoint computes
bars and axis ticks, the template draws them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 36, 40, 12


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    series: int  # 0, 1, … for the legend colours


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[tuple[float, str], ...]  # x centre, label under a group
    legend: tuple[str, ...]
    baseline: float


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if value <= step * 4:
            return step * 4
    return value


def grouped_bars(
    title: str, groups: Sequence[tuple[str, Sequence[int]]], legend: Sequence[str]
) -> Chart:
    """Bars in groups (one per label), one bar per series in each group."""
    series = max((len(v) for _, v in groups), default=1) or 1
    top = _nice_max(max((max(v) for _, v in groups if v), default=0))
    plot_w = WIDTH - PAD_LEFT - 8
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / max(len(groups), 1)
    bar_w = max(2.0, (slot * 0.8) / series)
    baseline = float(PAD_TOP + plot_h)
    bars = []
    labels = []
    for gi, (label, values) in enumerate(groups):
        x0 = PAD_LEFT + gi * slot + slot * 0.1
        labels.append((round(PAD_LEFT + gi * slot + slot / 2, 1), label))
        for si, value in enumerate(values):
            h = plot_h * value / top if top else 0.0
            bars.append(
                Bar(
                    round(x0 + si * bar_w, 1),
                    round(baseline - h, 1),
                    round(bar_w - 1, 1),
                    round(h, 1),
                    value,
                    label,
                    si,
                )
            )
    ticks = tuple(Tick(round(baseline - plot_h * i / 4, 1), top * i // 4) for i in range(5))
    return Chart(title, WIDTH, HEIGHT, tuple(bars), ticks, tuple(labels), tuple(legend), baseline)

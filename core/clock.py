"""The injected clock: ``core`` never reads the system time directly."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests and the scripted console set and advance by hand."""

    def __init__(self, at: datetime) -> None:
        self._at = as_utc(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = as_utc(at)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


class ScaledClock:
    """A clock that starts at a given time and runs ``speed`` times faster:
    restart and two-process tests fast-forward through hours in seconds.
    ``EHRENAMT_CLOCK="2026-12-01T08:00:00+00:00@600"`` starts now; a third
    part, a Unix time, anchors the start so several processes share one time
    (``…@600@1764576000.0``)."""

    def __init__(self, start: datetime, speed: float = 1.0, anchor: float | None = None) -> None:
        self._start = as_utc(start)
        self._speed = speed
        self._anchor = time.time() if anchor is None else anchor

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.time() - self._anchor) * self._speed)

    @classmethod
    def parse(cls, spec: str) -> ScaledClock:
        at, _, rest = spec.partition("@")
        speed, _, anchor = rest.partition("@")
        return cls(datetime.fromisoformat(at), float(speed or 1), float(anchor) if anchor else None)


def as_utc(at: datetime) -> datetime:
    """Naive datetimes are taken as UTC (that is how the database returns them)."""
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)

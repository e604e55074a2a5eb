"""When needs happen and how well that fits a person's week.

A need's times (one-off range or weekly recurrence) are mapped onto the
weekly grid of ``core.availability`` *in the tenant's time zone*: a Saturday
09:00 in Aachen is ``sa:vormittag`` in winter and in summer, although its UTC
hour differs. The grid is also kept as a 21-bit mask so SQL can filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.availability import ALL_CELLS, DAYPARTS, DAYS, Availability
from core.clock import as_utc
from core.errors import InvalidTimeRange
from core.scoring import FIT_FLEXIBLE, FIT_SPONTANEOUS, FIT_UNKNOWN_WEEK, SHORT_NOTICE

CELL_BIT: dict[str, int] = {c: 1 << i for i, c in enumerate(ALL_CELLS)}
FULL_MASK = (1 << len(ALL_CELLS)) - 1
MAX_ONE_OFF = timedelta(days=14)  # a longer "one-off" range is a typing error


def mask_of(cells: Iterable[str]) -> int:
    mask = 0
    for c in cells:
        mask |= CELL_BIT[c]
    return mask


def cells_of(mask: int) -> list[str]:
    return [c for c in ALL_CELLS if mask & CELL_BIT[c]]


def day_mask(days: Iterable[str]) -> int:
    return mask_of(f"{d}:{p}" for d in days for p in DAYPARTS)


def daypart_mask(parts: Iterable[str]) -> int:
    return mask_of(f"{d}:{p}" for d in DAYS for p in parts)


@dataclass(frozen=True, slots=True)
class Weekly:
    """A weekly recurrence in local time: days, from, to."""

    days: tuple[str, ...]
    start: time
    end: time

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> Weekly:
        days = tuple(str(d) for d in raw["days"])  # type: ignore[union-attr]
        weekly = cls(days, time.fromisoformat(str(raw["from"])), time.fromisoformat(str(raw["to"])))
        weekly.validate()
        return weekly

    def to_dict(self) -> dict[str, object]:
        return {
            "days": list(self.days),
            "from": self.start.strftime("%H:%M"),
            "to": self.end.strftime("%H:%M"),
        }

    def validate(self) -> None:
        if not self.days or any(d not in DAYS for d in self.days):
            raise InvalidTimeRange(reason="days")
        if self.end <= self.start:
            raise InvalidTimeRange(reason="order")

    def occurrences(self, after: datetime, tz: ZoneInfo, limit: int = 1) -> list[datetime]:
        """The next starts (UTC) after ``after``."""
        found: list[datetime] = []
        local_day = after.astimezone(tz).date()
        for offset in range(0, 7 * (limit + 1)):
            day = local_day + timedelta(days=offset)
            if DAYS[day.weekday()] not in self.days:
                continue
            start = datetime.combine(day, self.start, tz).astimezone(UTC)
            if start > after:
                found.append(start)
                if len(found) == limit:
                    break
        return found


# A day part counts for a span that spends at least this long in it, or at
# least half of its time on the grid: a need from 10:00 to 12:30 is a morning,
# not an afternoon (telling someone free in the afternoons it fits them would
# be wrong), while one from 09:00 to 13:00 asks for an hour of the afternoon.
SPILL_MINUTES = 60


def _dayparts_overlapping(start: time, end: time) -> list[str]:
    """Day parts a local time span is in (``end`` of 00:00 means midnight);
    a part it only brushes does not count (``SPILL_MINUTES``)."""
    end_min = end.hour * 60 + end.minute or 24 * 60
    start_min = start.hour * 60 + start.minute
    overlaps: dict[str, int] = {}
    for name, (p_start, p_end) in DAYPARTS.items():
        ps, pe = p_start.hour * 60, p_end.hour * 60
        minutes = min(end_min, pe) - max(start_min, ps)
        if minutes > 0:
            overlaps[name] = minutes
    on_grid = sum(overlaps.values())
    return [
        name
        for name, minutes in overlaps.items()
        if minutes >= SPILL_MINUTES or 2 * minutes >= on_grid
    ]


def one_off_mask(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> int:
    """Grid cells a one-off range touches, each day in local time."""
    validate_range(starts_at, ends_at)
    local_start, local_end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    mask = 0
    day = local_start.date()
    # A range ending at local midnight ends on the previous day.
    last = local_end.date() - timedelta(days=1) if local_end.time() == time(0) else local_end.date()
    while day <= last:
        span_start = local_start.time() if day == local_start.date() else time(0)
        span_end = local_end.time() if day == local_end.date() else time(0)
        for part in _dayparts_overlapping(span_start, span_end):
            mask |= CELL_BIT[f"{DAYS[day.weekday()]}:{part}"]
        day += timedelta(days=1)
    return mask


def weekly_mask(weekly: Weekly) -> int:
    return mask_of(
        f"{d}:{p}" for d in weekly.days for p in _dayparts_overlapping(weekly.start, weekly.end)
    )


def validate_range(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidTimeRange(reason="order")
    if ends_at - starts_at > MAX_ONE_OFF:
        raise InvalidTimeRange(reason="too_long")


def local_range(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A local wall-clock range on a day as UTC; an end before the start runs past midnight."""
    begins = datetime.combine(day, start, tz)
    ends = datetime.combine(day if end > start else day + timedelta(days=1), end, tz)
    return begins.astimezone(UTC), ends.astimezone(UTC)


def time_fit(
    need_mask: int,
    availability: Availability | int,
    spontaneous: bool = False,
    starts_at: datetime | None = None,
    now: datetime | None = None,
) -> float:
    """How well a need's times fit a week, 0..1.

    The share of the need's cells the person has free; a need without fixed
    time fits nearly anyone (``FIT_FLEXIBLE``); a person who said nothing
    about time is neutral (``FIT_UNKNOWN_WEEK``); a spontaneous person fits
    anything starting within ``SHORT_NOTICE``. The numbers: ``core.scoring``.
    """
    avail_mask = availability if isinstance(availability, int) else mask_of(availability.cells)
    if isinstance(availability, Availability):
        spontaneous = spontaneous or availability.spontaneous
    if spontaneous and starts_at is not None and now is not None:
        if timedelta(0) <= starts_at - now <= SHORT_NOTICE:
            return FIT_SPONTANEOUS
    if need_mask == 0:  # no fixed time (flexible): anyone can fit it in
        return FIT_FLEXIBLE
    if avail_mask == 0:
        return FIT_UNKNOWN_WEEK
    return (need_mask & avail_mask).bit_count() / need_mask.bit_count()


def first_shared_cell(need_mask: int, avail_mask: int) -> str | None:
    shared = need_mask & avail_mask
    for c in ALL_CELLS:
        if shared & CELL_BIT[c]:
            return c
    return None


def date_passed(
    *,
    ends_at: datetime | None,
    recurrence: object,
    valid_until: datetime | None,
    now: datetime,
) -> bool:
    """Whether a need's (last) date is over at ``now``: a one-off one once it
    ended, a weekly one once its series ran out (``valid_until``); a need
    without a fixed time or end never is. The same line sign-ups draw."""
    if recurrence:
        return valid_until is not None and as_utc(valid_until) <= now
    return ends_at is not None and as_utc(ends_at) <= now


def last_moment(valid_until: datetime) -> datetime:
    """A series' ``valid_until`` is the moment it is over (the midnight after
    its last day, as the chat and the web form store "bis 31.1."); shown to
    people it is the last day, so a second before."""
    return valid_until - timedelta(seconds=1)

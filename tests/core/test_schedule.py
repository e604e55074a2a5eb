"""Times of needs on the weekly grid, in the tenant's zone, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.availability import Availability
from core.errors import InvalidTimeRange
from core.schedule import (
    CELL_BIT,
    FULL_MASK,
    SHORT_NOTICE,
    Weekly,
    cells_of,
    day_mask,
    daypart_mask,
    first_shared_cell,
    local_range,
    mask_of,
    one_off_mask,
    time_fit,
    weekly_mask,
)

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BERLIN)


def test_mask_round_trips_cells() -> None:
    cells = ["mo:vormittag", "sa:abend", "so:nachmittag"]
    assert cells_of(mask_of(cells)) == cells
    assert mask_of([]) == 0
    assert FULL_MASK.bit_count() == 21
    assert day_mask(["sa"]).bit_count() == 3
    assert cells_of(daypart_mask(["abend"]))[0] == "mo:abend"
    assert daypart_mask(["abend"]).bit_count() == 7


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2026, 3, 28), "the Saturday before spring forward"),
        (date(2026, 3, 29), "the Sunday of spring forward"),
        (date(2026, 10, 24), "the Saturday before fall back"),
        (date(2026, 10, 25), "the Sunday of fall back"),
        (date(2026, 7, 4), "a summer Saturday"),
        (date(2026, 12, 5), "a winter Saturday"),
    ],
)
def test_local_morning_is_vormittag_in_summer_and_winter(day: date, label: str) -> None:
    starts, ends = local_range(day, time(9), time(11), BERLIN)
    assert starts.tzinfo == UTC
    weekday = ["mo", "di", "mi", "do", "fr", "sa", "so"][day.weekday()]
    assert cells_of(one_off_mask(starts, ends, BERLIN)) == [f"{weekday}:vormittag"], label


def test_utc_hour_differs_but_cell_does_not_across_spring_forward() -> None:
    before, _ = local_range(date(2026, 3, 28), time(9), time(11), BERLIN)
    after, _ = local_range(date(2026, 3, 29), time(9), time(11), BERLIN)
    assert before.hour == 8 and after.hour == 7  # CET, then CEST


def test_range_spanning_spring_forward_night_is_one_hour_shorter() -> None:
    starts, ends = local_range(date(2026, 3, 28), time(20), time(10), BERLIN)
    assert ends - starts == timedelta(hours=13)
    assert cells_of(one_off_mask(starts, ends, BERLIN)) == ["sa:abend", "so:vormittag"]


def test_range_spanning_fall_back_night_is_one_hour_longer() -> None:
    starts, ends = local_range(date(2026, 10, 24), time(20), time(10), BERLIN)
    assert ends - starts == timedelta(hours=15)
    assert cells_of(one_off_mask(starts, ends, BERLIN)) == ["sa:abend", "so:vormittag"]


def test_utc_input_is_read_in_the_tenant_zone() -> None:
    # 2026-10-25 10:30 UTC is 11:30 CET (after fall back): Sunday morning.
    starts = datetime(2026, 10, 25, 10, 30, tzinfo=UTC)
    half = timedelta(minutes=30)
    assert cells_of(one_off_mask(starts, starts + half, BERLIN)) == ["so:vormittag"]
    # One day earlier the same UTC time is 12:30 CEST: Saturday afternoon.
    earlier = starts - timedelta(days=1)
    assert cells_of(one_off_mask(earlier, earlier + half, BERLIN)) == ["sa:nachmittag"]


def test_range_across_dayparts_touches_each() -> None:
    starts, ends = local_range(date(2026, 12, 5), time(11), time(18), BERLIN)
    assert cells_of(one_off_mask(starts, ends, BERLIN)) == [
        "sa:vormittag",
        "sa:nachmittag",
        "sa:abend",
    ]


@pytest.mark.parametrize(
    ("start", "end", "cells"),
    [
        (time(10), time(12, 30), ["sa:vormittag"]),  # half an hour past noon: a morning
        (time(16, 30), time(20), ["sa:abend"]),
        (time(9), time(13), ["sa:vormittag", "sa:nachmittag"]),  # an hour of the afternoon
        (time(11, 30), time(12, 30), ["sa:vormittag", "sa:nachmittag"]),  # half and half
        (time(11), time(12, 15), ["sa:vormittag"]),
    ],
)
def test_a_daypart_only_brushed_does_not_count(start: time, end: time, cells: list[str]) -> None:
    starts, ends = local_range(date(2026, 12, 5), start, end, BERLIN)
    assert cells_of(one_off_mask(starts, ends, BERLIN)) == cells
    weekly = Weekly(("sa",), start, end)
    assert cells_of(weekly_mask(weekly)) == cells


def test_boundaries_are_half_open() -> None:
    starts, ends = local_range(date(2026, 12, 5), time(12), time(17), BERLIN)
    assert cells_of(one_off_mask(starts, ends, BERLIN)) == ["sa:nachmittag"]


def test_range_past_midnight_touches_both_days() -> None:
    starts, ends = local_range(date(2026, 12, 5), time(21), time(9), BERLIN)
    assert ends > starts
    assert cells_of(one_off_mask(starts, ends, BERLIN)) == ["sa:abend", "so:vormittag"]


def test_range_ending_at_midnight_does_not_touch_the_next_day() -> None:
    starts, ends = local_range(date(2026, 12, 5), time(19), time(0), BERLIN)
    assert ends - starts == timedelta(hours=5)
    assert cells_of(one_off_mask(starts, ends, BERLIN)) == ["sa:abend"]


def test_range_ending_at_midnight_on_dst_night_does_not_touch_sunday() -> None:
    starts, ends = local_range(date(2026, 10, 24), time(18), time(0), BERLIN)
    assert cells_of(one_off_mask(starts, ends, BERLIN)) == ["sa:abend"]


def test_night_shift_outside_the_grid_has_no_cells() -> None:
    starts, ends = local_range(date(2026, 12, 5), time(22), time(6), BERLIN)
    assert one_off_mask(starts, ends, BERLIN) == 0


@pytest.mark.parametrize(
    ("starts", "ends", "reason"),
    [
        (berlin(2026, 12, 5, 10), berlin(2026, 12, 5, 9), "order"),
        (berlin(2026, 12, 5, 10), berlin(2026, 12, 5, 10), "order"),
        (berlin(2026, 12, 5, 10), berlin(2026, 12, 25, 10), "too_long"),
    ],
)
def test_impossible_range_is_rejected(starts: datetime, ends: datetime, reason: str) -> None:
    with pytest.raises(InvalidTimeRange) as err:
        one_off_mask(starts, ends, BERLIN)
    assert err.value.params == {"reason": reason}
    assert err.value.key == "error.invalid_time_range"


def test_weekly_mask_covers_each_day() -> None:
    weekly = Weekly(("di", "do"), time(15), time(18))
    assert cells_of(weekly_mask(weekly)) == [
        "di:nachmittag",
        "di:abend",
        "do:nachmittag",
        "do:abend",
    ]


def test_weekly_round_trips_and_validates() -> None:
    weekly = Weekly.from_dict({"days": ["sa"], "from": "09:00", "to": "12:00"})
    assert weekly.to_dict() == {"days": ["sa"], "from": "09:00", "to": "12:00"}
    with pytest.raises(InvalidTimeRange):
        Weekly.from_dict({"days": ["sa"], "from": "12:00", "to": "09:00"})
    with pytest.raises(InvalidTimeRange):
        Weekly.from_dict({"days": ["samstag"], "from": "09:00", "to": "12:00"})
    with pytest.raises(InvalidTimeRange):
        Weekly((), time(9), time(10)).validate()


def test_weekly_occurrences_keep_local_time_across_fall_back() -> None:
    weekly = Weekly(("sa", "so"), time(10), time(12))
    after = berlin(2026, 10, 23, 12)
    found = weekly.occurrences(after, BERLIN, limit=3)
    assert [o.astimezone(BERLIN).hour for o in found] == [10, 10, 10]
    assert [o.hour for o in found] == [8, 9, 9]  # CEST, then CET
    assert [o.astimezone(BERLIN).date() for o in found] == [
        date(2026, 10, 24),
        date(2026, 10, 25),
        date(2026, 10, 31),
    ]


def test_time_fit_is_the_share_of_need_cells_free() -> None:
    need = mask_of(["sa:vormittag", "sa:nachmittag"])
    assert time_fit(need, mask_of(["sa:vormittag", "sa:nachmittag"])) == 1.0
    assert time_fit(need, mask_of(["sa:vormittag"])) == 0.5
    assert time_fit(need, mask_of(["mo:abend"])) == 0.0
    assert time_fit(need, Availability.of("sa:vormittag")) == 0.5


def test_time_fit_of_a_silent_person_or_flexible_need_is_neutral() -> None:
    assert time_fit(mask_of(["sa:vormittag"]), 0) == 0.5
    assert time_fit(0, mask_of(["sa:vormittag"])) == 0.75


def test_spontaneous_fits_short_notice_only() -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    need = mask_of(["do:abend"])
    busy = mask_of(["mo:vormittag"])
    soon = now + timedelta(hours=30)
    later = now + SHORT_NOTICE + timedelta(minutes=1)
    assert time_fit(need, busy, True, soon, now) == 1.0
    assert time_fit(need, busy, True, now + SHORT_NOTICE, now) == 1.0
    assert time_fit(need, busy, True, later, now) == 0.0
    assert time_fit(need, busy, False, soon, now) == 0.0
    assert time_fit(need, busy, True, now - timedelta(hours=1), now) == 0.0  # already begun
    assert (
        time_fit(need, Availability.of("mo:vormittag", spontaneous=True), False, soon, now) == 1.0
    )
    assert time_fit(need, busy, True, None, now) == 0.0  # weekly needs are not short notice


def test_first_shared_cell_is_in_grid_order() -> None:
    need = mask_of(["so:abend", "di:vormittag"])
    assert first_shared_cell(need, mask_of(["so:abend", "di:vormittag"])) == "di:vormittag"
    assert first_shared_cell(need, CELL_BIT["mo:abend"]) is None

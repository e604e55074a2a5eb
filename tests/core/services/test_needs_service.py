"""Posting needs: moderation, bad input that writes nothing, expiry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.db import Database
from core.errors import (
    DomainError,
    InvalidRadius,
    InvalidTimeRange,
    InvalidValue,
    PlaceRequired,
    UnknownCategory,
    UnknownPlace,
    UnknownQualification,
)
from core.models import AuditEvent, Need, NeedStatus
from core.schedule import Weekly, cells_of
from core.search import SearchFilter
from core.services.needs import expire_needs as expire
from core.services.needs import moderate, need_detail, post_need
from core.services.profiles import ProfileData, save_profile

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def post(db: Database, org: int, data: Any, taxonomy: Any, places: Any) -> Any:
    return await post_need(
        db,
        organisation_id=org,
        data=data,
        taxonomy=taxonomy,
        places=places,
        now=NOW,
        tz=BERLIN,
        actor="test",
    )


@pytest.mark.parametrize("moderation", [False, True])
async def test_post_need_is_published_or_waits_for_review(
    db: Database,
    world_factory: Callable[..., Awaitable[Any]],
    need_input: Any,
    taxonomy: Any,
    places: Any,
    moderation: bool,
) -> None:
    world = await world_factory(db, moderation=moderation)
    ref = await post(db, world.org, need_input(), taxonomy, places)
    detail = await need_detail(db, ref.id)
    expected = NeedStatus.PENDING_REVIEW if moderation else NeedStatus.PUBLISHED
    assert ref.status == detail.status == expected
    assert (detail.lat, detail.lon, detail.place_label) == (50.7606, 6.0939, "Burtscheid")
    async with db.sessions() as session:
        need = await session.get(Need, ref.id)
        assert need is not None
        assert cells_of(need.cell_mask) == ["sa:vormittag"]
        assert (need.published_at is None) == moderation
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert actions == ["need_posted"]
    if moderation:
        approved = await moderate(db, ref.id, approve=True, reason=None, actor="ed", now=NOW)
        assert approved.status == NeedStatus.PUBLISHED


async def test_weekly_need_gets_its_mask_and_recurrence(
    db: Database, world: Any, taxonomy: Any, places: Any, need_input: Any
) -> None:
    weekly = Weekly(("di", "do"), time(15), time(17))
    data = need_input(starts_at=None, ends_at=None, weekly=weekly, category="bildung")
    ref = await post(db, world.org, data, taxonomy, places)
    detail = await need_detail(db, ref.id)
    assert detail.weekly == weekly and detail.starts_at is None


async def test_remote_need_needs_no_place(
    db: Database, world: Any, taxonomy: Any, places: Any, need_input: Any
) -> None:
    ref = await post(db, world.org, need_input(place=None, remote=True), taxonomy, places)
    detail = await need_detail(db, ref.id)
    assert detail.remote and detail.lat is None


@pytest.mark.parametrize(
    ("fields", "error", "key"),
    [
        ({"place": "Atlantis"}, UnknownPlace, "error.unknown_place"),
        ({"category": "kochen"}, UnknownCategory, "error.unknown_category"),
        ({"qualifications": ("zauberei",)}, UnknownQualification, "error.unknown_qualification"),
        ({"place": None}, PlaceRequired, "error.place_required"),
        (
            {"ends_at": datetime(2026, 12, 5, 7, tzinfo=UTC)},
            InvalidTimeRange,
            "error.invalid_time_range",
        ),
        (
            {"ends_at": datetime(2027, 1, 30, 7, tzinfo=UTC)},
            InvalidTimeRange,
            "error.invalid_time_range",
        ),
        (
            {
                "starts_at": datetime(2026, 11, 1, 7, tzinfo=UTC),
                "ends_at": datetime(2026, 11, 1, 9, tzinfo=UTC),
            },
            InvalidTimeRange,
            "error.invalid_time_range",
        ),
        ({"starts_at": None}, InvalidTimeRange, "error.invalid_time_range"),
        ({"helpers_wanted": 0}, InvalidValue, "error.invalid_value"),
        ({"title": "  "}, InvalidValue, "error.invalid_value"),
    ],
)
async def test_bad_need_raises_a_typed_error_and_writes_nothing(
    db: Database,
    world: Any,
    taxonomy: Any,
    places: Any,
    need_input: Any,
    counts: Callable[[], Awaitable[tuple[int, int]]],
    fields: dict[str, Any],
    error: type[DomainError],
    key: str,
) -> None:
    with pytest.raises(error) as raised:
        await post(db, world.org, need_input(**fields), taxonomy, places)
    assert raised.value.key == key
    assert await counts() == (0, 0)
    async with db.sessions() as session:
        assert (await session.scalars(select(AuditEvent))).all() == []


async def test_unknown_place_carries_suggestions(
    db: Database, world: Any, taxonomy: Any, places: Any, need_input: Any
) -> None:
    with pytest.raises(UnknownPlace) as raised:
        await post(db, world.org, need_input(place="Burtschied"), taxonomy, places)
    assert raised.value.suggestions == ["Burtscheid"]


@pytest.mark.parametrize(
    ("flt", "error"),
    [
        (SearchFilter(radius_km=-1), InvalidRadius),
        (SearchFilter(radius_km=0), InvalidRadius),
        (SearchFilter(categories=("kochen",)), UnknownCategory),
        (SearchFilter(qualifications=("zauberei",)), UnknownQualification),
        (
            SearchFilter(
                date_from=datetime(2026, 12, 9).date(), date_to=datetime(2026, 12, 2).date()
            ),
            InvalidTimeRange,
        ),
    ],
)
def test_bad_search_filter_raises_a_typed_error(
    taxonomy: Any, flt: SearchFilter, error: type[DomainError]
) -> None:
    with pytest.raises(error):
        flt.validate(taxonomy)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"radius_km": -3.0}, InvalidRadius),
        ({"interests": ("kochen",)}, UnknownCategory),
        ({"qualifications": ("zauberei",)}, UnknownQualification),
        ({"home_lat": 50.7, "home_lon": None}, InvalidValue),
        ({"availability": ("sa:nachts",)}, ValueError),
    ],
)
async def test_bad_profile_raises_and_writes_nothing(
    db: Database, world: Any, taxonomy: Any, fields: dict[str, Any], error: type[Exception]
) -> None:
    from core.services.profiles import get_profile

    data = ProfileData(person_id=world.people[0], tenant_id=world.aachen, **fields)
    with pytest.raises(error):
        await save_profile(db, data, taxonomy, NOW)
    assert await get_profile(db, world.people[0]) is None


async def test_expire_needs_ends_past_needs_only(
    db: Database, world: Any, taxonomy: Any, places: Any, need_input: Any
) -> None:
    tomorrow = await post(db, world.org, need_input(in_days=1), taxonomy, places)
    next_week = await post(db, world.org, need_input(in_days=7), taxonomy, places)
    weekly = await post(
        db,
        world.org,
        need_input(
            starts_at=None,
            ends_at=None,
            weekly=Weekly(("sa",), time(9), time(11)),
            valid_until=NOW + timedelta(days=3),
        ),
        taxonomy,
        places,
    )
    forever = await post(
        db,
        world.org,
        need_input(starts_at=None, ends_at=None, weekly=Weekly(("sa",), time(9), time(11))),
        taxonomy,
        places,
    )
    assert await expire(db, NOW) == 0
    assert await expire(db, NOW + timedelta(days=4)) == 2
    statuses = {
        r.id: (await need_detail(db, r.id)).status for r in (tomorrow, next_week, weekly, forever)
    }
    assert statuses == {
        tomorrow.id: NeedStatus.EXPIRED,
        next_week.id: NeedStatus.PUBLISHED,
        weekly.id: NeedStatus.EXPIRED,
        forever.id: NeedStatus.PUBLISHED,
    }
    assert await expire(db, NOW + timedelta(days=4)) == 0  # idempotent

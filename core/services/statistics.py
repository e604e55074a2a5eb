"""Figures for the municipality: needs posted and filled per week, sign-ups,
active volunteers, fill rate and median time to fill, feedback received, by category and
district. Computed from the rows of one tenant over a window of weeks."""

from __future__ import annotations

import statistics as stats
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.db import Database
from core.geo.distance import distance_km
from core.models import Engagement, EngagementStatus, Need, NeedStatus
from core.services.feedback import feedback_times

# A need counts in a district when its place lies within this distance of the
# district's centre (the nearest one wins).
DISTRICT_KM = 3.0
REMOTE = "remote"
OTHER = "other"
# Engagements that took a place (a declined or withdrawn one gave it back).
_TOOK_PLACE = (
    EngagementStatus.INTERESTED,
    EngagementStatus.ACCEPTED,
    EngagementStatus.DONE,
    EngagementStatus.NO_SHOW,
)
_NOT_COUNTED = (NeedStatus.DRAFT, NeedStatus.REJECTED)


@dataclass(frozen=True, slots=True)
class WeekRow:
    week_start: date
    posted: int
    filled: int
    signups: int
    feedback: int = 0  # Rückmeldungen by message that week (issue 14.7)


@dataclass(frozen=True, slots=True)
class GroupRow:
    key: str  # category code, district name, "remote" or "other"
    posted: int
    filled: int
    signups: int

    @property
    def fill_rate(self) -> float:
        return self.filled / self.posted if self.posted else 0.0


@dataclass(frozen=True, slots=True)
class Statistics:
    weeks: tuple[WeekRow, ...]
    by_category: tuple[GroupRow, ...]
    by_district: tuple[GroupRow, ...]
    posted: int
    filled: int
    signups: int
    active_volunteers: int
    fill_rate: float  # filled / posted, 0..1
    median_hours_to_fill: float | None
    feedback: int = 0  # Rückmeldungen by message in the window, anonymised ones too


def week_start(at: datetime, tz: ZoneInfo) -> date:
    local = at.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def district_of(
    lat: float | None, lon: float | None, remote: bool, districts: Mapping[str, tuple[float, float]]
) -> str:
    if remote:
        return REMOTE
    if lat is None or lon is None or not districts:
        return OTHER
    name, (dlat, dlon) = min(districts.items(), key=lambda kv: distance_km((lat, lon), kv[1]))
    return name if distance_km((lat, lon), (dlat, dlon)) <= DISTRICT_KM else OTHER


def filled_at(need: Need, engagements: list[Engagement]) -> datetime | None:
    """When the need got its last wanted helper; for a need marked filled by
    hand without enough sign-ups, its last change."""
    took = sorted((e.created_at for e in engagements if e.status in _TOOK_PLACE), key=lambda d: d)
    if len(took) >= need.helpers_wanted:
        return took[need.helpers_wanted - 1]
    if need.status == NeedStatus.FILLED:
        return need.updated_at
    return None


async def tenant_statistics(
    db: Database,
    tenant_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    districts: Mapping[str, tuple[float, float]],
    weeks: int = 12,
) -> Statistics:
    first_week = week_start(now, tz) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first_week, time(0), tz)
    async with db.sessions() as session:
        needs = (
            await session.scalars(
                select(Need).where(
                    Need.tenant_id == tenant_id,
                    Need.created_at >= since,
                    Need.status.not_in(_NOT_COUNTED),
                )
            )
        ).all()
        engagements = (
            await session.scalars(
                select(Engagement)
                .join(Need, Need.id == Engagement.need_id)
                .where(
                    Need.tenant_id == tenant_id,
                    (Engagement.created_at >= since) | (Need.created_at >= since),
                )
            )
        ).all()
    feedback_at = await feedback_times(db, tenant_id, since)
    by_need: dict[int, list[Engagement]] = defaultdict(list)
    for e in engagements:
        by_need[e.need_id].append(e)

    week_keys = [first_week + timedelta(weeks=i) for i in range(weeks)]
    posted_w: dict[date, int] = dict.fromkeys(week_keys, 0)
    filled_w: dict[date, int] = dict.fromkeys(week_keys, 0)
    signups_w: dict[date, int] = dict.fromkeys(week_keys, 0)
    groups: dict[str, dict[str, list[int]]] = {"category": {}, "district": {}}
    hours: list[float] = []
    filled_total = 0

    def bump(kind: str, key: str, index: int, by: int = 1) -> None:
        groups[kind].setdefault(key, [0, 0, 0])[index] += by

    for need in needs:
        district = district_of(need.lat, need.lon, need.remote, districts)
        posted_w[week_start(need.created_at, tz)] = (
            posted_w.get(week_start(need.created_at, tz), 0) + 1
        )
        bump("category", need.category, 0)
        bump("district", district, 0)
        taken = filled_at(need, by_need.get(need.id, []))
        if taken is not None:
            filled_total += 1
            wk = week_start(taken, tz)
            if wk in filled_w:
                filled_w[wk] += 1
            bump("category", need.category, 1)
            bump("district", district, 1)
            start = need.published_at or need.created_at
            hours.append(max(0.0, (taken - start).total_seconds() / 3600))
    need_info = {n.id: n for n in needs}
    signups_total = 0
    people: set[int] = set()
    for e in engagements:
        if e.created_at < since:
            continue
        signups_total += 1
        if e.person_id is not None:
            people.add(e.person_id)
        wk = week_start(e.created_at, tz)
        if wk in signups_w:
            signups_w[wk] += 1
        need = need_info.get(e.need_id)
        if need is not None:
            bump("category", need.category, 2)
            bump("district", district_of(need.lat, need.lon, need.remote, districts), 2)

    feedback_w: dict[date, int] = dict.fromkeys(week_keys, 0)
    for at in feedback_at:
        wk = week_start(at, tz)
        if wk in feedback_w:
            feedback_w[wk] += 1

    def rows(kind: str) -> tuple[GroupRow, ...]:
        items = [GroupRow(k, *v) for k, v in groups[kind].items()]
        return tuple(sorted(items, key=lambda r: (-r.posted, r.key)))

    posted_total = len(needs)
    return Statistics(
        weeks=tuple(
            WeekRow(w, posted_w[w], filled_w[w], signups_w[w], feedback_w[w]) for w in week_keys
        ),
        by_category=rows("category"),
        by_district=rows("district"),
        posted=posted_total,
        filled=filled_total,
        signups=signups_total,
        active_volunteers=len(people),
        fill_rate=filled_total / posted_total if posted_total else 0.0,
        median_hours_to_fill=stats.median(hours) if hours else None,
        feedback=len(feedback_at),
    )

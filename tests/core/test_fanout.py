"""Need -> volunteers for urgent alerts: only the eligible, best first, and
exactly the ranking a brute-force scoring of every profile gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from core.availability import ALL_CELLS
from core.db import Database
from core.fanout import ALERT_REACH_KM, _view, alert_reach_rows, interest_mask, rank_volunteers
from core.matching import NeedView, score
from core.models import AlertReach, Person, Tenant, VolunteerProfile
from core.schedule import CELL_BIT, SHORT_NOTICE, one_off_mask
from core.taxonomy import CATEGORY_CODES

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
AACHEN = (50.7753, 6.0839)


async def _world(db: Database, rng: random.Random, n: int) -> list[dict]:  # type: ignore[type-arg]
    async with db.transaction() as session:
        for slug in ("aachen", "stolberg"):
            session.add(
                Tenant(
                    slug=slug, name=slug, center_lat=AACHEN[0], center_lon=AACHEN[1], radius_km=15
                )
            )
    people, profiles = [], []
    for pid in range(1, n + 1):
        tenant = rng.choice((1, 2))
        people.append(
            {
                "id": pid,
                "tenant_id": tenant,
                "language": "de",
                "created_at": NOW,
                "last_active_at": NOW,
            }
        )
        interests = rng.sample(CATEGORY_CODES, rng.choice((0, 1, 2, 3)))
        holds = rng.sample(["fuehrerschein", "erste_hilfe"], rng.choice((0, 1)))
        lacks = [
            q for q in ("fuehrerschein", "erste_hilfe") if q not in holds and rng.random() < 0.3
        ]
        cells = rng.sample(ALL_CELLS, rng.choice((0, 2, 5, 10)))
        profiles.append(
            {
                "person_id": pid,
                "tenant_id": tenant,
                "interests": interests,
                "interest_mask": interest_mask(interests),
                "qualifications": holds,
                "lacks_qualifications": lacks,
                "home_lat": AACHEN[0] + rng.uniform(-0.4, 0.4),
                "home_lon": AACHEN[1] + rng.uniform(-0.6, 0.6),
                "radius_km": rng.choice((2.0, 5.0, 10.0, 25.0, 50.0)),
                "availability_mask": sum(CELL_BIT[c] for c in cells),
                "spontaneous": rng.random() < 0.3,
                "urgent_alerts": rng.random() < 0.7,
                "paused_until": NOW + timedelta(days=1) if rng.random() < 0.1 else None,
                "muted_kinds": [],
                "updated_at": NOW,
            }
        )
    async with db.engine.begin() as conn:
        await conn.execute(insert(Person), people)
        await conn.execute(insert(VolunteerProfile), profiles)
        reach = [row for p in profiles for row in alert_reach_rows(p)]
        await conn.execute(insert(AlertReach), reach)
    return profiles


def _brute_force(profiles: list[dict], need: NeedView, limit: int) -> list[int]:  # type: ignore[type-arg]
    soon = need.starts_at is not None and need.starts_at - NOW <= SHORT_NOTICE
    ranked = []
    for p in profiles:
        if not p["urgent_alerts"] or (p["paused_until"] and p["paused_until"] > NOW):
            continue
        # A need outside the day grid (at night) has no cells: anyone may be free.
        free = not need.cell_mask or bool(p["availability_mask"] & need.cell_mask)
        free = free or (soon and p["spontaneous"])
        if not free:
            continue
        volunteer = _view(
            (
                p["person_id"],
                p["tenant_id"],
                p["interests"],
                p["qualifications"],
                p["lacks_qualifications"],
                p["home_lat"],
                p["home_lon"],
                p["radius_km"],
                p["availability_mask"],
                p["spontaneous"],
            )
        )
        match = score(volunteer, need, NOW)
        if not match.excluded:
            ranked.append((-match.score, p["person_id"]))
    return [pid for _, pid in sorted(ranked)[:limit]]


@pytest.mark.parametrize("seed", [1, 2])
async def test_fanout_equals_brute_force(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    profiles = await _world(db, rng, 1500)
    asked_unmentioned = 0
    for i in range(25):
        starts = NOW + timedelta(hours=rng.choice((2, 10, 14, 30, 70)))  # 14: at night
        need = NeedView(
            i + 1,
            rng.choice((1, 2)),
            rng.choice(CATEGORY_CODES),
            tuple(rng.sample(["fuehrerschein", "erste_hilfe"], rng.choice((0, 1, 1, 2)))),
            False,
            AACHEN[0] + rng.uniform(-0.2, 0.2),
            AACHEN[1] + rng.uniform(-0.3, 0.3),
            one_off_mask(starts, starts + timedelta(hours=rng.choice((1, 3, 6))), BERLIN),
            starts,
            True,
            NOW - timedelta(days=rng.choice((0, 3, 20))),
        )
        limit = rng.choice((1, 5, 10, 30))
        async with db.sessions() as session:
            found = await rank_volunteers(session, need, NOW, limit=limit)
        assert [c.person_id for c in found] == _brute_force(profiles, need, limit), (seed, i)
        for candidate in found:
            assert candidate.match.distance_km is not None
            assert candidate.match.distance_km <= ALERT_REACH_KM
            # Nobody who said they lack what the need asks for is alerted.
            profile = profiles[candidate.person_id - 1]
            assert not set(need.qualifications) & set(profile["lacks_qualifications"])
            asked_unmentioned += any(r.kind == "requires" for r in candidate.match.reasons)
    assert asked_unmentioned > 0  # people who never mentioned the requirement were reached


async def test_excluded_people_are_not_asked_again(db: Database) -> None:
    rng = random.Random(5)
    await _world(db, rng, 300)
    need = NeedView(
        1,
        1,
        "soziales",
        (),
        False,
        AACHEN[0],
        AACHEN[1],
        one_off_mask(NOW + timedelta(hours=5), NOW + timedelta(hours=8), BERLIN),
        NOW + timedelta(hours=5),
        True,
        NOW,
    )
    async with db.sessions() as session:
        first = await rank_volunteers(session, need, NOW, limit=5)
        second = await rank_volunteers(
            session, need, NOW, limit=5, exclude={c.person_id for c in first}
        )
    assert first and second
    assert not {c.person_id for c in first} & {c.person_id for c in second}
    assert second[0].match.score <= first[-1].match.score

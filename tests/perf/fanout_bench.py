"""Fan-out benchmark (issue 7): the best eligible volunteers for an urgent need
among 1,000,000 profiles across NRW, on SQLite and PostgreSQL, against a
baseline that loads every opted-in profile and scores it in Python.
Budget: ``fanout_p95_ms`` <= 100 on both.

    .venv/bin/python -m tests.perf.fanout_bench [--quick] [--no-pg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, text

from core.availability import ALL_CELLS
from core.db import Database, create_engine
from core.fanout import (
    ALERT_REACH_KM,
    Candidate,
    _view,
    alert_reach_rows,
    interest_mask,
    rank_volunteers,
)
from core.matching import NeedView, score
from core.models import AlertReach, Person, VolunteerProfile
from core.schedule import CELL_BIT, one_off_mask
from tests.perf.bench import (
    BENCH_DIR,
    BERLIN,
    CATEGORIES,
    NOW,
    QUALIFICATIONS,
    RADII,
    Region,
    _remove_sqlite,
    _timed,
    percentile,
    pg_schema,
    populate,
)

WAVE = 10
CHUNK = 10_000


def sizes(quick: bool) -> tuple[int, int, int]:
    """(profiles, urgent needs measured, baseline scans)."""
    return (50_000, 60, 5) if quick else (1_000_000, 200, 5)


def _rows(rng: random.Random, region: Region, tenant_ids: list[int], first_id: int, n: int):  # type: ignore[no-untyped-def]
    people, profiles = [], []
    for person_id in range(first_id, first_id + n):
        lat, lon = region.point(rng)
        tenant = tenant_ids[rng.randrange(len(tenant_ids))]
        people.append(
            {
                "id": person_id,
                "tenant_id": tenant,
                "language": "de",
                "created_at": NOW,
                "last_active_at": NOW,
                "consent_version": "1",
                "consented_at": NOW,
            }
        )
        cells = rng.sample(ALL_CELLS, rng.choice((0, 3, 5, 8, 12)))
        profiles.append(
            {
                "person_id": person_id,
                "tenant_id": tenant,
                "interests": (interests := rng.sample(CATEGORIES, rng.choice((1, 2, 3)))),
                "interest_mask": interest_mask(interests),
                "qualifications": rng.sample(QUALIFICATIONS, rng.choice((0, 0, 1))),
                "home_lat": lat,
                "home_lon": lon,
                "home_label": None,
                "radius_km": rng.choice(RADII),
                "availability_mask": sum(CELL_BIT[c] for c in cells),
                "spontaneous": rng.random() < 0.2,
                "urgent_alerts": rng.random() < 0.35,  # opted in to alerts
                "digest": False,
                "digest_weekday": 0,
                "digest_hour": 18,
                "paused_until": NOW + timedelta(days=3) if rng.random() < 0.05 else None,
                "muted_kinds": [],
                "updated_at": NOW,
            }
        )
    return people, profiles


async def populate_profiles(db: Database, region: Region, n: int, seed: int) -> float:
    tenant_ids, _ = await populate(db, region, 0, seed)
    rng = random.Random(seed)
    started = time.perf_counter()
    for first in range(1, n + 1, CHUNK):
        people, profiles = _rows(rng, region, tenant_ids, first, min(CHUNK, n + 1 - first))
        async with db.engine.begin() as conn:
            await conn.execute(insert(Person), people)
            await conn.execute(insert(VolunteerProfile), profiles)
            await conn.execute(
                insert(AlertReach), [r for p in profiles for r in alert_reach_rows(p)]
            )
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def urgent_needs(rng: random.Random, region: Region, n: int) -> list[NeedView]:
    needs = []
    for i in range(n):
        lat, lon = region.point(rng)
        starts = NOW + timedelta(hours=rng.choice((3, 8, 20, 30, 60)))
        mask = one_off_mask(starts, starts + timedelta(hours=3), BERLIN)
        quals = tuple(rng.sample(QUALIFICATIONS, rng.choice((0, 0, 0, 1))))
        needs.append(
            NeedView(
                i + 1, 1, rng.choice(CATEGORIES), quals, False, lat, lon, mask, starts, True, NOW
            )
        )
    return needs


async def indexed(db: Database, need: NeedView) -> list[Candidate]:
    async with db.sessions() as session:
        return await rank_volunteers(session, need, NOW, limit=WAVE)


async def full_scan(db: Database, need: NeedView) -> list[int]:
    """Baseline: every opted-in, unpaused profile loaded and scored in Python."""
    p = VolunteerProfile
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(
                    p.person_id,
                    p.tenant_id,
                    p.interests,
                    p.qualifications,
                    p.lacks_qualifications,
                    p.home_lat,
                    p.home_lon,
                    p.radius_km,
                    p.availability_mask,
                    p.spontaneous,
                    p.paused_until,
                ).where(p.urgent_alerts.is_(True))
            )
        ).all()
    ranked = []
    soon = need.starts_at is not None and need.starts_at - NOW <= timedelta(hours=48)
    for row in rows:
        if row[10] is not None and row[10].replace(tzinfo=NOW.tzinfo) > NOW:
            continue
        volunteer = _view(row[:10])
        free = not need.cell_mask or volunteer.availability_mask & need.cell_mask
        if not (free or (soon and volunteer.spontaneous)):  # a need outside the grid: anyone
            continue
        match = score(volunteer, need, NOW)
        if not match.excluded:
            ranked.append((-match.score, volunteer.person_id))
    ranked.sort()  # best score first, then the smaller id (as rank_volunteers orders)
    return [pid for _, pid in ranked[:WAVE]]


async def measure(db: Database, needs: list[NeedView], scans: int, suffix: str) -> dict[str, Any]:
    for need in needs[:5]:
        await indexed(db, need)
    times, found = [], {}
    for need in needs:
        ms, candidates = await _timed(lambda n=need: indexed(db, n))
        times.append(ms)
        found[need.id] = [c.person_id for c in candidates]
    scan_times, agree = [], 0
    for need in needs[:scans]:
        ms, ids = await _timed(lambda n=need: full_scan(db, n))
        scan_times.append(ms)
        agree += ids == found[need.id]
    p95, scan_p95 = percentile(times, 0.95), percentile(scan_times, 0.95)
    return {
        f"fanout_p50_ms{suffix}": round(percentile(times, 0.5), 2),
        f"fanout_p95_ms{suffix}": round(p95, 2),
        f"fanout_fullscan_p95_ms{suffix}": round(scan_p95, 1),
        f"fanout_speedup{suffix}": round(scan_p95 / p95, 1) if p95 else None,
        f"fanout_equal_to_scan{suffix}": f"{agree}/{len(scan_times)}",
    }


async def run_fanout_bench(quick: bool, *, postgres: bool | None = None) -> dict[str, Any]:
    if postgres is None:
        postgres = not os.environ.get("EHRENAMT_BENCH_NO_PG")
    n_profiles, n_needs, n_scans = sizes(quick)
    region = Region.nrw()
    needs = urgent_needs(random.Random(7), region, n_needs)
    out: dict[str, Any] = {"fanout_profiles": n_profiles, "fanout_reach_km": ALERT_REACH_KM}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"fanout-{uuid.uuid4().hex[:6]}.db"
    _remove_sqlite(path)
    db = Database(create_engine(f"sqlite+aiosqlite:///{path}"))
    try:
        out["fanout_insert_s"] = round(await populate_profiles(db, region, n_profiles, 3), 1)
        out.update(await measure(db, needs, n_scans, ""))
    finally:
        await db.dispose()
        _remove_sqlite(path)
    if postgres:
        out.update(await _postgres(region, needs, n_profiles, n_scans))
    return out


async def _postgres(
    region: Region, needs: list[NeedView], n_profiles: int, n_scans: int
) -> dict[str, Any]:
    async with pg_schema("fanout") as db:
        if db is None:
            return {}
        out = {"fanout_insert_s_pg": round(await populate_profiles(db, region, n_profiles, 3), 1)}
        out.update(await measure(db, needs, n_scans, "_pg"))
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    results = asyncio.run(run_fanout_bench(args.quick, postgres=not args.no_pg))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Relevance benchmark (issue 10): does the list show what people asked for?

Generated volunteers with stated interests, places, times and sometimes
qualifications (held, or said to be lacking) ask for their matches
(``core.search.rank_needs``, as the bot's list does) in two worlds: the demo
tenants' seed (``data/demo/seed.yml``, Aachen and Stolberg) and the bench's
synthetic NRW needs (``tests.perf.bench.populate``).

- ``match_interest_precision_at5``: over the volunteers with at least 5 needs
  of a stated interest within their radius (not counting needs asking for a
  qualification they said they lack), the share of their top 5 that is of a
  stated interest. Budget >= 0.90.
- ``match_hidden_by_rules``: of the needs within a volunteer's radius and time
  (``time_fit`` > 0) in the tenants they see, the share their whole ranked
  list leaves out although they never said anything that should hide it (a
  qualification they lack is the only such thing). Budget 0.

    .venv/bin/python -m tests.perf.relevance_bench [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.availability import ALL_CELLS
from core.db import Database, create_engine
from core.geo.distance import distance_km
from core.matching import NeedView, VolunteerView, lacked_qualifications
from core.migrate import upgrade
from core.schedule import CELL_BIT, time_fit
from core.search import NO_FILTER, _base_query, _fetch, rank_needs, visible_tenant_ids
from tests.perf.bench import (
    BENCH_DIR,
    BERLIN,
    CATEGORIES,
    NOW,
    QUALIFICATIONS,
    RADII,
    Region,
    _remove_sqlite,
    populate,
)

TOP = 5
MIN_INTEREST_NEEDS = 5  # "whenever enough such needs lie within the radius"


def sizes(quick: bool) -> tuple[int, int]:
    """(volunteers per world, NRW needs): at least 200 volunteers in all; the
    full run has the matching section's 100,000 needs (same generator, seed)."""
    return (100, 5_000) if quick else (250, 100_000)


@dataclass(slots=True)
class Tally:
    precision: list[float] = field(default_factory=list)
    within: int = 0  # needs within radius and time, over all volunteers
    hidden: int = 0  # of those, left out although nothing the person said hides them
    volunteers: int = 0
    examples: list[str] = field(default_factory=list)


def _availability(rng: random.Random) -> int:
    kind = rng.random()
    if kind < 0.15:
        cells = [c for c in ALL_CELLS if c.startswith(("sa:", "so:"))]  # weekends
    elif kind < 0.3:
        cells = [c for c in ALL_CELLS if c.endswith(":abend") and not c.startswith("so:")]
    elif kind < 0.4:
        cells = []  # said nothing about time
    else:
        cells = rng.sample(ALL_CELLS, rng.choice((1, 2, 3, 5, 8)))
    return sum(CELL_BIT[c] for c in cells)


def volunteer_at(
    rng: random.Random, person_id: int, tenant_id: int, lat: float, lon: float
) -> VolunteerView:
    """Stated interests (1-3), a radius, times; qualifications: some held,
    and one in five people said they lack one."""
    holds = rng.sample(QUALIFICATIONS, rng.choice((0, 0, 0, 1, 2)))
    lacks = (
        [rng.choice([q for q in QUALIFICATIONS if q not in holds])] if rng.random() < 0.2 else []
    )
    return VolunteerView(
        person_id=person_id,
        tenant_id=tenant_id,
        interests=frozenset(rng.sample(CATEGORIES, rng.choice((1, 1, 2, 3)))),
        qualifications=frozenset(holds),
        lat=lat,
        lon=lon,
        radius_km=rng.choice(RADII),
        availability_mask=_availability(rng),
        spontaneous=rng.random() < 0.2,
        lacks_qualifications=frozenset(lacks),
    )


def _within(volunteer: VolunteerView, need: NeedView) -> bool:
    if need.remote:
        return True
    if need.lat is None or need.lon is None or volunteer.lat is None or volunteer.lon is None:
        return False
    return distance_km((volunteer.lat, volunteer.lon), (need.lat, need.lon)) <= volunteer.radius_km


async def measure(db: Database, volunteers: list[VolunteerView], tally: Tally, world: str) -> None:
    """Each volunteer's whole ranked list (every need the retrieval gives
    them) against the needs within their radius."""
    async with db.sessions() as session:
        needs = await _fetch(session, _base_query(NOW, None, NO_FILTER, BERLIN))
        visible: dict[int, list[int] | None] = {}
        for v in volunteers:
            if v.tenant_id not in visible:
                visible[v.tenant_id] = await visible_tenant_ids(session, v.tenant_id)
    for v in volunteers:
        seen = visible[v.tenant_id]
        near = [n for n in needs if (seen is None or n.tenant_id in seen) and _within(v, n)]
        allowed = [n for n in near if not lacked_qualifications(v, n)]
        async with db.sessions() as session:
            page = await rank_needs(
                session, v, NOW, tenant_ids=seen, tz=BERLIN, limit=max(len(allowed), TOP)
            )
        listed = [m.need_id for m in page.matches]
        shown = set(listed)
        tally.volunteers += 1
        for n in allowed:
            fits_time = time_fit(n.cell_mask, v.availability_mask, v.spontaneous, n.starts_at, NOW)
            if fits_time > 0:
                tally.within += 1
                if n.id not in shown:
                    tally.hidden += 1
                    if len(tally.examples) < 5:
                        tally.examples.append(f"{world}: person {v.person_id} need {n.id}")
        interest = {n.id for n in allowed if n.category in v.interests}
        if len(interest) >= MIN_INTEREST_NEEDS:
            top = listed[:TOP]
            tally.precision.append(sum(i in interest for i in top) / TOP)


async def demo_world(n: int, seed: int, tally: Tally) -> None:
    """The demo tenants' seed, volunteers spread around their districts."""
    from bots.bootstrap import bootstrap
    from core.clock import FixedClock
    from core.services.demo import seed_demo
    from core.settings import Settings

    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        await upgrade(url)
        db = Database(create_engine(url))
        try:
            settings = Settings.from_env(database_url=url, data_dir=Path(tmp))
            app = await bootstrap(settings, db=db, clock=FixedClock(NOW), migrate=False)
            await seed_demo(
                db,
                tenants=app.tenants,
                tenant_ids=app.tenant_ids,
                taxonomy=app.taxonomy,
                places=app.places,
                now=NOW,
            )
            rng = random.Random(seed)
            anchors = [
                (app.tenant_ids[slug], point)
                for slug, tenant in app.tenants.items()
                for point in (tenant.region_center, *tenant.districts.values())
            ]
            volunteers = []
            for i in range(n):
                tenant_id, (lat, lon) = rng.choice(anchors)
                lat += rng.gauss(0, 1.5) / 111.2
                lon += rng.gauss(0, 1.5) / (111.2 * math.cos(math.radians(lat)))
                volunteers.append(volunteer_at(rng, i + 1, tenant_id, lat, lon))
            await measure(db, volunteers, tally, "demo")
        finally:
            await db.dispose()


async def nrw_world(n: int, needs: int, seed: int, tally: Tally) -> None:
    """The bench's synthetic NRW needs, volunteers placed by population."""
    region = Region.nrw()
    path = BENCH_DIR / f"relevance-{seed}.db"
    _remove_sqlite(path)
    db = Database(create_engine(f"sqlite+aiosqlite:///{path}"))
    try:
        tenant_ids, _ = await populate(db, region, needs, seed=1)
        rng = random.Random(seed)
        volunteers = []
        for i in range(n):
            lat, lon = region.point(rng)
            tenant_id = tenant_ids[region.tenant_of(lat, lon)]
            volunteers.append(volunteer_at(rng, i + 1, tenant_id, lat, lon))
        await measure(db, volunteers, tally, "nrw")
    finally:
        await db.dispose()
        _remove_sqlite(path)


async def run_relevance_bench(quick: bool) -> dict[str, Any]:
    per_world, nrw_needs = sizes(quick)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    demo, nrw = Tally(), Tally()
    await demo_world(per_world, 31, demo)
    await nrw_world(per_world, nrw_needs, 32, nrw)
    precision = demo.precision + nrw.precision
    within = demo.within + nrw.within
    hidden = demo.hidden + nrw.hidden
    out: dict[str, Any] = {
        "match_relevance_volunteers": demo.volunteers + nrw.volunteers,
        "match_relevance_nrw_needs": nrw_needs,
        "match_interest_precision_at5": round(statistics.mean(precision), 4) if precision else None,
        "match_interest_precision_at5_demo": (
            round(statistics.mean(demo.precision), 4) if demo.precision else None
        ),
        "match_interest_precision_at5_nrw": (
            round(statistics.mean(nrw.precision), 4) if nrw.precision else None
        ),
        "match_interest_precision_volunteers": f"{len(demo.precision)} demo + {len(nrw.precision)} nrw",
        "match_hidden_by_rules": round(hidden / within, 6) if within else None,
        "match_hidden_by_rules_checked": within,
    }
    if demo.examples or nrw.examples:
        out["match_hidden_by_rules_examples"] = demo.examples + nrw.examples
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run_relevance_bench(args.quick)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

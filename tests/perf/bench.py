"""``make bench``: the budgets of DESIGN.md, measured with their baselines.

Sections are async functions ``(quick) -> dict``; their keys are merged into
``var/bench.json`` and printed as a table. This file owns the matching
section; ``tests/perf/telegram_bench.py:run_telegram_bench``,
``tests/perf/dialogue_bench.py:run_dialogue_bench``,
``tests/perf/search_bench.py:run_search_bench`` (plain-word search against
a plain scan), ``tests/perf/relevance_bench.py:run_relevance_bench`` (what the list shows:
``match_interest_precision_at5``, ``match_hidden_by_rules``),
``tests/perf/wave_bench.py:run_wave_bench`` (replies during a 500-message
alert wave, replies first against a first-come-first-served baseline) and
the others join when they exist.

Matching: synthetic needs and volunteers across NRW, placed by the
gazetteer's population weights, bulk-inserted into a fresh SQLite file under
``var/bench/`` and a fresh PostgreSQL schema; a person's top-10 needs
(``core.search.rank_needs``, full scoring) against two baselines in the same
run: the full scan (every published need loaded and scored in Python through
the scoring objects, ``match_top10_speedup``) and the fair one, a plain
haversine scan of the same rows (``plain_top10``,
``match_top10_speedup_plain``). Budget: p95 <= 5 ms (raised after turn 2),
on both databases.

    .venv/bin/python -m tests.perf.bench [--quick] [--needs N] [--queries N] [--no-pg]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import importlib
import json
import math
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, false, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from core.availability import ALL_CELLS
from core.db import Database, create_engine
from core.geo.distance import EARTH_RADIUS_KM, distance_km
from core.geo.gazetteer import Gazetteer, Place
from core.matching import Match, VolunteerView, score
from core.models import Base, Need, NeedStatus, Organisation, OrgKind, Tenant
from core.schedule import CELL_BIT, Weekly, local_range, one_off_mask, weekly_mask
from core.search import NO_FILTER, _base_query, _fetch, rank_needs
from core.settings import PROJECT_ROOT

BENCH_DIR = PROJECT_ROOT / "var" / "bench"
RESULT_FILE = PROJECT_ROOT / "var" / "bench.json"
PG_URL = os.environ.get(
    "EHRENAMT_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
NRW = "Nordrhein-Westfalen"
CATEGORIES = (
    "kinder_jugend senioren umwelt tiere sport kultur bildung integration soziales gesundheit "
    "inklusion notfall nachbarschaft veranstaltungen digitales handwerk verwaltung"
).split()
QUALIFICATIONS = ("fuehrerschein", "fuehrungszeugnis", "erste_hilfe", "paedagogik", "pflege")
TENANTS = 20  # the largest NRW cities run an instance; a need belongs to the nearest
RADII = (5.0, 10.0, 10.0, 15.0, 25.0)  # what volunteers pick, km

Section = Callable[[bool], Awaitable[dict[str, Any]]]


# --- synthetic data ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Region:
    places: list[Place]
    weights: list[float]
    tenants: list[Place]

    @classmethod
    def nrw(cls) -> Region:
        gazetteer = Gazetteer.default()
        # No public iterator yet: the places list is the gazetteer's own.
        places = [
            p for p in gazetteer._places if p.kind == "place" and p.state == NRW and p.population
        ]
        places.sort(key=lambda p: -(p.population or 0))
        return cls(places, [float(p.population or 0) for p in places], places[:TENANTS])

    def point(self, rng: random.Random) -> tuple[float, float]:
        """A point in a place chosen by population, spread over the town's area."""
        place = rng.choices(self.places, self.weights)[0]
        spread_km = 0.5 + math.sqrt(place.population or 0) / 400
        lat = place.lat + rng.gauss(0, spread_km) / 111.2
        lon = place.lon + rng.gauss(0, spread_km) / (111.2 * math.cos(math.radians(place.lat)))
        return lat, lon

    def tenant_of(self, lat: float, lon: float) -> int:
        """Index of the nearest tenant city."""
        return min(
            range(len(self.tenants)), key=lambda i: distance_km((lat, lon), self.tenants[i].point)
        )


def synthetic_need(
    rng: random.Random, region: Region, tenant_ids: list[int], org_ids: list[int]
) -> dict[str, Any]:
    lat, lon = region.point(rng)
    t = region.tenant_of(lat, lon)
    remote = rng.random() < 0.03
    starts = ends = valid_until = recurrence = None
    if rng.random() < 0.65:
        day = NOW.astimezone(BERLIN).date() + timedelta(days=rng.randrange(0, 42))
        start_h = rng.choice((8, 9, 10, 14, 15, 17, 18))
        starts, ends = local_range(
            day,
            datetime.min.time().replace(hour=start_h),
            datetime.min.time().replace(hour=start_h + rng.choice((1, 2, 3))),
            BERLIN,
        )
        mask = one_off_mask(starts, ends, BERLIN)
    else:
        days = tuple(
            sorted(rng.sample(("mo", "di", "mi", "do", "fr", "sa", "so"), rng.choice((1, 1, 2))))
        )
        start_h = rng.choice((9, 10, 15, 16, 18))
        weekly = Weekly(
            days,
            datetime.min.time().replace(hour=start_h),
            datetime.min.time().replace(hour=start_h + 2),
        )
        recurrence, mask = weekly.to_dict(), weekly_mask(weekly)
        if rng.random() < 0.5:
            valid_until = NOW + timedelta(days=rng.randrange(14, 120))
    return {
        "tenant_id": tenant_ids[t],
        "organisation_id": org_ids[t],
        "title": f"Bedarf {rng.randrange(10**6)}",
        "description": "",
        "category": rng.choice(CATEGORIES),
        "qualifications": rng.sample(QUALIFICATIONS, 1) if rng.random() < 0.2 else [],
        "remote": remote,
        "lat": None if remote else lat,
        "lon": None if remote else lon,
        "place_label": None,
        "starts_at": starts,
        "ends_at": ends,
        "recurrence": recurrence,
        "cell_mask": mask,
        "helpers_wanted": rng.choice((1, 2, 3, 5)),
        "urgent": rng.random() < 0.05,
        "status": NeedStatus.PUBLISHED,
        "valid_until": valid_until,
        "hidden": False,
        "published_at": NOW - timedelta(seconds=rng.randrange(0, 30 * 86400)),
        "created_at": NOW - timedelta(days=31),
        "updated_at": NOW,
    }


def synthetic_volunteer(
    rng: random.Random, region: Region, tenant_ids: list[int], person_id: int
) -> VolunteerView:
    lat, lon = region.point(rng)
    cells = rng.sample(ALL_CELLS, rng.choice((0, 3, 5, 8, 12)))
    return VolunteerView(
        person_id=person_id,
        tenant_id=tenant_ids[region.tenant_of(lat, lon)],
        interests=frozenset(rng.sample(CATEGORIES, rng.choice((1, 2, 2, 3)))),
        qualifications=frozenset(rng.sample(QUALIFICATIONS, rng.choice((0, 0, 1, 2)))),
        lat=lat,
        lon=lon,
        radius_km=rng.choice(RADII),
        availability_mask=sum(CELL_BIT[c] for c in cells),
        spontaneous=rng.random() < 0.2,
    )


async def add_tenants(session: AsyncSession, region: Region) -> list[Tenant]:
    """The region's tenants, each showing its neighbours' needs, without moderation."""
    tenants = [
        Tenant(
            slug=f"t{i}",
            name=p.name,
            center_lat=p.lat,
            center_lon=p.lon,
            radius_km=15,
            show_neighbours=True,
            moderation_required=False,
        )
        for i, p in enumerate(region.tenants)
    ]
    session.add_all(tenants)
    await session.flush()
    return tenants


async def populate(db: Database, region: Region, needs: int, seed: int) -> tuple[list[int], float]:
    """Tenants, an organisation each, and ``needs`` published needs; returns the
    tenant ids and the insert time in seconds."""
    rng = random.Random(seed)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with db.transaction() as session:
        tenants = await add_tenants(session, region)
        orgs = [
            Organisation(tenant_id=t.id, name=f"Org {t.name}", kind=OrgKind.VEREIN, created_at=NOW)
            for t in tenants
        ]
        session.add_all(orgs)
        await session.flush()
        tenant_ids, org_ids = [t.id for t in tenants], [o.id for o in orgs]
    rows = [synthetic_need(rng, region, tenant_ids, org_ids) for _ in range(needs)]
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            await conn.execute(insert(Need), rows[i : i + 5000])
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    return tenant_ids, time.perf_counter() - started


# --- measurements -----------------------------------------------------------------------


async def indexed_top10(db: Database, volunteer: VolunteerView) -> list[Match]:
    """What the chat does (``matches_for_view``): ranked on the Database."""
    page = await rank_needs(db, volunteer, NOW, tz=BERLIN, limit=10)
    return list(page.matches)


async def fullscan_top10(db: Database, volunteer: VolunteerView) -> list[Match]:
    """The baseline: every published need loaded and scored in Python."""
    async with db.sessions() as session:
        needs = await _fetch(session, _base_query(NOW, None, NO_FILTER, BERLIN))
    scored = [m for m in (score(volunteer, n, NOW) for n in needs) if not m.excluded]
    scored.sort(key=lambda m: (-m.score, m.need_id))
    return scored[:10]


_NOW_PARAM = bindparam("now", type_=Need.ends_at.type)
# The full scan's rows (published, visible, not over), place-bound, as plain tuples.
_PLAIN = select(Need.id, Need.lat, Need.lon).where(
    Need.status == NeedStatus.PUBLISHED,
    Need.hidden == false(),
    Need.remote == false(),
    or_(Need.ends_at.is_(None), Need.ends_at > _NOW_PARAM),
    or_(Need.valid_until.is_(None), Need.valid_until > _NOW_PARAM),
)


async def plain_top10(db: Database, volunteer: VolunteerView) -> list[int]:
    """The fair baseline: the simplest honest alternative to the index. One
    statement reads id, lat and lon of every published, open need (the full
    scan's rows) as plain tuples, by the shortest read there is
    (``Database.rows``); Python keeps those within the radius by haversine and
    returns the ten nearest. No scoring objects, no topics or times: what a
    first version of "needs near me" would do."""
    assert volunteer.lat is not None and volunteer.lon is not None
    rows = await db.rows(_PLAIN, {"now": NOW})
    lat0, lon0 = math.radians(volunteer.lat), math.radians(volunteer.lon)
    cos0, radius = math.cos(lat0), volunteer.radius_km
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    near: list[tuple[float, int]] = []
    for nid, lat, lon in rows:
        la, lo = radians(lat), radians(lon)
        h = sin((la - lat0) / 2) ** 2 + cos0 * cos(la) * sin((lo - lon0) / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * asin(sqrt(h))
        if km <= radius:
            near.append((km, nid))
    return [nid for _, nid in heapq.nsmallest(10, near)]


async def nearest_by_geopy(db: Database, volunteer: VolunteerView) -> list[int]:
    """What ``plain_top10`` must return, the slow way (its check)."""
    async with db.sessions() as session:
        needs = await _fetch(session, _base_query(NOW, None, NO_FILTER, BERLIN))
    here = (volunteer.lat, volunteer.lon)
    near = [
        (distance_km(here, (n.lat, n.lon)), n.id)
        for n in needs
        if not n.remote and n.lat is not None and n.lon is not None
    ]
    return [nid for km, nid in sorted(near) if km <= volunteer.radius_km][:10]


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


async def _timed(fn: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await fn()
    return (time.perf_counter() - started) * 1000, result


async def measure_matching(
    db: Database, volunteers: list[VolunteerView], scans: int, suffix: str
) -> dict[str, Any]:
    for v in volunteers[:5]:  # warm caches and the connection pool
        await indexed_top10(db, v)
    indexed: list[float] = []
    results: dict[int, list[Match]] = {}
    for v in volunteers:
        ms, matches = await _timed(lambda v=v: indexed_top10(db, v))
        indexed.append(ms)
        results[v.person_id] = matches
    plain: list[float] = []
    plain_right = 0
    for i, v in enumerate(volunteers[:scans]):
        ms, nearest = await _timed(lambda v=v: plain_top10(db, v))
        plain.append(ms)
        if i < 3:  # the baseline answers its own question right
            plain_right += nearest == await nearest_by_geopy(db, v)
    scan: list[float] = []
    agree = 0
    for v in volunteers[:scans]:
        ms, matches = await _timed(lambda v=v: fullscan_top10(db, v))
        scan.append(ms)
        same = [(m.need_id, m.score) for m in matches] == [
            (m.need_id, m.score) for m in results[v.person_id]
        ]
        agree += same
    p95, scan_p95 = percentile(indexed, 0.95), percentile(scan, 0.95)
    plain_p95 = percentile(plain, 0.95)
    return {
        f"match_top10_p50_ms{suffix}": round(percentile(indexed, 0.5), 3),
        f"match_top10_p95_ms{suffix}": round(p95, 3),
        f"match_top10_fullscan_p50_ms{suffix}": round(percentile(scan, 0.5), 3),
        f"match_top10_fullscan_p95_ms{suffix}": round(scan_p95, 3),
        f"match_top10_speedup{suffix}": round(scan_p95 / p95, 1) if p95 else None,
        # The fair baseline (``plain_top10``): a plain haversine scan of the same rows.
        f"match_top10_plain_p50_ms{suffix}": round(percentile(plain, 0.5), 3),
        f"match_top10_plain_p95_ms{suffix}": round(plain_p95, 3),
        f"match_top10_speedup_plain{suffix}": round(plain_p95 / p95, 1) if p95 else None,
        f"match_top10_plain_checked{suffix}": plain_right == min(3, len(plain)),
        f"match_top10_mean_results{suffix}": round(
            statistics.mean(len(r) for r in results.values()), 2
        ),
        f"match_top10_agree{suffix}": f"{agree}/{len(scan)}",
        f"match_top10_equal_to_scan{suffix}": agree == len(scan),
        f"match_top10_queries{suffix}": len(indexed),
    }


def sizes(quick: bool) -> tuple[int, int, int]:
    """(needs, volunteers, full scans)."""
    return (20_000, 100, 10) if quick else (100_000, 300, 20)


async def run_matching_bench(
    quick: bool,
    *,
    needs: int | None = None,
    queries: int | None = None,
    scans: int | None = None,
    postgres: bool = True,
) -> dict[str, Any]:
    n_needs, n_queries, n_scans = sizes(quick)
    n_needs, n_queries = needs or n_needs, queries or n_queries
    n_scans = min(scans or n_scans, n_queries)
    region = Region.nrw()
    out: dict[str, Any] = {"match_needs": n_needs}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"match-{os.getpid()}.db"
    _remove_sqlite(path)
    db = Database(create_engine(f"sqlite+aiosqlite:///{path}"))
    try:
        tenant_ids, seconds = await populate(db, region, n_needs, seed=1)
        out["match_insert_s"] = round(seconds, 2)
        rng = random.Random(2)
        volunteers = [synthetic_volunteer(rng, region, tenant_ids, i) for i in range(n_queries)]
        out.update(await measure_matching(db, volunteers, n_scans, ""))
    finally:
        await db.dispose()
        _remove_sqlite(path)
    if postgres:
        out.update(await _postgres(region, n_needs, n_queries, n_scans))
    return out


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@asynccontextmanager
async def pg_schema(prefix: str) -> AsyncIterator[Database | None]:
    """A fresh PostgreSQL schema for one bench section, dropped afterwards;
    None (with a note on stderr) when PostgreSQL is not reachable."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OSError as exc:
        print(f"PostgreSQL not reachable ({exc}); skipping {prefix} _pg", file=sys.stderr)
        await admin.dispose()
        yield None
        return
    db = Database(
        create_async_engine(
            PG_URL, connect_args={"server_settings": {"search_path": schema}}, pool_size=5
        )
    )
    try:
        yield db
    finally:
        await db.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def _postgres(region: Region, n_needs: int, n_queries: int, n_scans: int) -> dict[str, Any]:
    async with pg_schema("bench") as db:
        if db is None:
            return {}
        tenant_ids, seconds = await populate(db, region, n_needs, seed=1)
        rng = random.Random(2)
        volunteers = [synthetic_volunteer(rng, region, tenant_ids, i) for i in range(n_queries)]
        out = {"match_insert_s_pg": round(seconds, 2)}
        out.update(await measure_matching(db, volunteers, n_scans, "_pg"))
        return out


# --- the runner -------------------------------------------------------------------------


def sections() -> list[Section]:
    """This file's sections, then those other parts provide when present."""
    found: list[Section] = [run_matching_bench]
    for module, function in (
        ("tests.perf.search_bench", "run_search_bench"),
        ("tests.perf.dialogue_bench", "run_dialogue_bench"),
        ("tests.perf.fanout_bench", "run_fanout_bench"),
        ("tests.perf.relevance_bench", "run_relevance_bench"),
        ("tests.perf.resource_bench", "run_resource_bench"),
        ("tests.perf.telegram_bench", "run_telegram_bench"),
        ("tests.perf.wave_bench", "run_wave_bench"),
        ("tests.perf.runner_bench", "run_runner_bench"),
        ("tests.perf.rasa_bench", "run_rasa_bench"),
        ("tests.perf.load_bench", "run_load_bench"),
    ):
        try:
            found.append(getattr(importlib.import_module(module), function))
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return found


def table(results: dict[str, Any]) -> str:
    width = max((len(k) for k in results), default=10)
    return "\n".join(f"{key:<{width}}  {value}" for key, value in results.items())


BUDGETS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "match_top10_p95_ms <= 5": lambda r: r["match_top10_p95_ms"] <= 5,
    "match_top10_speedup >= 50": lambda r: r["match_top10_speedup"] >= 50,
    "match_top10_p95_ms_pg <= 5": lambda r: r["match_top10_p95_ms_pg"] <= 5,
    "match_top10_speedup_pg >= 50": lambda r: r["match_top10_speedup_pg"] >= 50,
    "fanout_p95_ms <= 100": lambda r: r["fanout_p95_ms"] <= 100,
    "fanout_p95_ms_pg <= 100": lambda r: r["fanout_p95_ms_pg"] <= 100,
    "match_interest_precision_at5 >= 0.90": lambda r: r["match_interest_precision_at5"] >= 0.90,
    "match_hidden_by_rules == 0": lambda r: r["match_hidden_by_rules"] == 0,
    "dialogue_turns_per_s >= 1000": lambda r: r["dialogue_turns_per_s"] >= 1000,
    "dialogue_turn_p95_ms <= 10": lambda r: r["dialogue_turn_p95_ms"] <= 10,
    "dialogue_turns_per_s_pg >= 1000": lambda r: r["dialogue_turns_per_s_pg"] >= 1000,
    "dialogue_turn_p95_ms_pg <= 10": lambda r: r["dialogue_turn_p95_ms_pg"] <= 10,
    "telegram_roundtrip_p95_ms <= 100": lambda r: r["telegram_roundtrip_p95_ms"] <= 100,
    "broadcast_msgs_per_s >= 25": lambda r: r["broadcast_msgs_per_s"] >= 25,
    "broadcast_max_in_any_second <= 30": lambda r: r["broadcast_max_in_any_second"] <= 30,
    "run_ready_s <= 5": lambda r: r["run_ready_s"] <= 5,
    "run_20_tenants_rss_mb <= 300": lambda r: r["run_20_tenants_rss_mb"] <= 300,
    "load_lost_updates == 0": lambda r: r["load_lost_updates"] == 0,
    "load_duplicate_replies == 0": lambda r: r["load_duplicate_replies"] == 0,
}


async def run(quick: bool, selected: list[Section] | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {"quick": quick}
    for section in selected or sections():
        name = getattr(section, "__name__", repr(section))
        print(f"-- {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        results.update(await section(quick))
        print(f"   {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small version, under a minute")
    parser.add_argument("--needs", type=int, help="published needs (matching only)")
    parser.add_argument("--queries", type=int, help="volunteers measured (matching only)")
    parser.add_argument("--scans", type=int, help="full scans measured (matching only)")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--only-matching", action="store_true", help="skip other sections")
    parser.add_argument("--out", type=Path, default=RESULT_FILE)
    args = parser.parse_args(argv)

    async def run_matching(quick: bool) -> dict[str, Any]:
        return await run_matching_bench(
            quick,
            needs=args.needs,
            queries=args.queries,
            scans=args.scans,
            postgres=not args.no_pg,
        )

    if args.no_pg:  # sections take only ``quick``; this reaches those that use PostgreSQL
        os.environ["EHRENAMT_BENCH_NO_PG"] = "1"
    chosen = [run_matching, *sections()[1:]] if not args.only_matching else [run_matching]
    results = asyncio.run(run(args.quick, chosen))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    for budget, check in BUDGETS.items():
        try:
            verdict = "ok" if check(results) else "MISSED"
        except (KeyError, TypeError):
            verdict = "not measured"
        print(f"budget {budget}: {verdict}")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Plain-word search (``SearchFilter.text``: "Hund", "dogs", "food bank") over
~20,000 needs, as the public list and the chat ask it, with its fair baseline
in the same run.

The needs get titles, descriptions and organisation names from a small
vocabulary of German compounds ("Tierheimhunde", "Vorlesestunde"), words
only in description, accidental prefixes ("Hunderte Fotos") and organisations
that name the subject ("Tafel …"). A query is a place, a radius and a text,
ranked by ``core.search.rank_needs`` (top 10). The baseline is the plain
scan: one statement reads id, place and texts of every published, open need
(``Database.rows``), Python keeps those within the radius holding a word of
the text (the same ``SearchWords``) and returns the ten nearest. Its answer
is checked against the ranking's (the same needs, all pages), so both
answer the same question.

    .venv/bin/python -m tests.perf.search_bench [--quick]
"""

from __future__ import annotations

import asyncio
import heapq
import math
import os
import random
import sys
from typing import Any

from sqlalchemy import bindparam, false, insert, or_, select, text

from core.db import Database, create_engine
from core.matching import VolunteerView
from core.models import Base, Need, NeedStatus, Organisation, OrgKind
from core.search import SearchFilter, rank_needs
from core.search_words import SearchWords, words_of_text
from tests.perf.bench import (
    BENCH_DIR,
    BERLIN,
    NOW,
    Region,
    _remove_sqlite,
    _timed,
    add_tenants,
    percentile,
    pg_schema,
    synthetic_need,
)

NEEDS = 20_000
MODIFIERS = ("Tierheim", "Vorlese", "Lese", "Garten", "Kinder", "Senioren", "Computer", "Wald")
HEADS = ("hunde", "stunde", "paten", "arbeit", "dienst", "schule", "turnen", "treff", "kurs")
TITLES = (
    "Gassigehen mit {c}",
    "{c} gesucht",
    "Hilfe beim {c}",
    "Lebensmittel sortieren",
    "Lebensmittelausgabe",
    "Hunderte Fotos digitalisieren",
    "Fahrdienst zum Arzt",
    "Hecke schneiden",
)
DESCRIPTIONS = (
    "",
    "Bitte melden.",
    "Wir freuen uns auf dich.",
    "Der Erlös geht an die Tafel.",
    "Mit Hunden und Katzen.",
    "Hunderte Bücher sortieren.",
    "Zum Vorlesen in der Bibliothek.",
)
ORGS = ("Tafel {t}", "Tierhilfe {t}", "Bürgerverein {t}", "Lesefreunde {t}")
TEXTS = (
    "Hund",
    "Lesen",
    "something with dogs",
    "reading",
    "food bank",
    "Tafel",
    "Hunderte",
    "was mit Tieren",
    "Garten",
    "Computerkurs",
)
RADII = (5.0, 10.0, 15.0, 25.0)


async def populate(db: Database, region: Region, needs: int, seed: int) -> list[int]:
    """Tenants, four organisations each, and ``needs`` needs with words."""
    rng = random.Random(seed)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with db.transaction() as session:
        tenants = await add_tenants(session, region)
        orgs = [
            Organisation(
                tenant_id=t.id, name=o.format(t=t.name), kind=OrgKind.VEREIN, created_at=NOW
            )
            for t in tenants
            for o in ORGS
        ]
        session.add_all(orgs)
        await session.flush()
        tenant_ids = [t.id for t in tenants]
        org_ids = [[o.id for o in orgs if o.tenant_id == t] for t in tenant_ids]
    rows = []
    for _ in range(needs):
        row = synthetic_need(rng, region, tenant_ids, [ids[0] for ids in org_ids])
        compound = rng.choice(MODIFIERS) + rng.choice(HEADS)
        row["title"] = rng.choice(TITLES).format(c=compound)
        row["description"] = rng.choice(DESCRIPTIONS)
        row["organisation_id"] = rng.choice(org_ids[tenant_ids.index(row["tenant_id"])])
        rows.append(row)
    async with db.engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            await conn.execute(insert(Need), rows[i : i + 5000])
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    return tenant_ids


def queries(region: Region, tenant_ids: list[int], n: int, seed: int) -> list[tuple[Any, ...]]:
    """(volunteer with no interests, as the public list's viewer; text)."""
    rng = random.Random(seed)
    found = []
    for i in range(n):
        lat, lon = region.point(rng)
        viewer = VolunteerView(
            person_id=i,
            tenant_id=tenant_ids[region.tenant_of(lat, lon)],
            interests=frozenset(),
            qualifications=frozenset(),
            lat=lat,
            lon=lon,
            radius_km=rng.choice(RADII),
            availability_mask=0,
        )
        found.append((viewer, TEXTS[i % len(TEXTS)]))
    return found


async def indexed(db: Database, viewer: VolunteerView, typed: str, limit: int = 10) -> list[int]:
    page = await rank_needs(db, viewer, NOW, flt=SearchFilter(text=typed), tz=BERLIN, limit=limit)
    return [m.need_id for m in page.matches]


NOW_PARAM = bindparam("now", type_=Need.ends_at.type)
_PLAIN = select(
    Need.id,
    Need.lat,
    Need.lon,
    Need.title,
    Need.description,
    select(Organisation.name).where(Organisation.id == Need.organisation_id).scalar_subquery(),
).where(
    Need.status == NeedStatus.PUBLISHED,
    Need.hidden == false(),
    Need.remote == false(),
    or_(Need.ends_at.is_(None), Need.ends_at > NOW_PARAM),
    or_(Need.valid_until.is_(None), Need.valid_until > NOW_PARAM),
)


async def plain(db: Database, viewer: VolunteerView, typed: str, limit: int = 10) -> list[int]:
    """The fair baseline: every open need's texts in one read, the word rule
    and the radius in Python, the ``limit`` nearest."""
    assert viewer.lat is not None and viewer.lon is not None
    words = SearchWords.of(words_of_text(typed))
    rows = await db.rows(_PLAIN, {"now": NOW})
    lat0, lon0 = math.radians(viewer.lat), math.radians(viewer.lon)
    cos0, radius = math.cos(lat0), viewer.radius_km
    near: list[tuple[float, int]] = []
    for nid, lat, lon, title, description, organisation in rows:
        la, lo = math.radians(lat), math.radians(lon)
        h = math.sin((la - lat0) / 2) ** 2 + cos0 * math.cos(la) * math.sin((lo - lon0) / 2) ** 2
        km = 2 * 6371.0088 * math.asin(math.sqrt(h))
        if km <= radius and words.tier(title, description or "", organisation or ""):
            near.append((km, nid))
    return [nid for _, nid in heapq.nsmallest(limit, near)]


async def measure(db: Database, asked: list[tuple[Any, ...]], suffix: str) -> dict[str, Any]:
    for viewer, typed in asked[:5]:  # warm caches and the pool
        await indexed(db, viewer, typed)
    ranked_ms, plain_ms, results = [], [], []
    for viewer, typed in asked:
        ms, found = await _timed(lambda v=viewer, t=typed: indexed(db, v, t))
        ranked_ms.append(ms)
        results.append(len(found))
    for viewer, typed in asked:
        ms, _ = await _timed(lambda v=viewer, t=typed: plain(db, v, t))
        plain_ms.append(ms)
    # Both answer the same question: the same needs, all of them (remote
    # needs aside, which the plain scan of places leaves out).
    same = 0
    checked = asked[:5]
    for viewer, typed in checked:
        every = await rank_needs(
            db, viewer, NOW, flt=SearchFilter(text=typed), tz=BERLIN, limit=100_000
        )
        placed = {m.need_id for m in every.matches if m.distance_km is not None}
        same += placed == set(await plain(db, viewer, typed, limit=100_000))
    p95, plain_p95 = percentile(ranked_ms, 0.95), percentile(plain_ms, 0.95)
    return {
        f"search_text_p50_ms{suffix}": round(percentile(ranked_ms, 0.5), 3),
        f"search_text_p95_ms{suffix}": round(p95, 3),
        f"search_text_plain_p50_ms{suffix}": round(percentile(plain_ms, 0.5), 3),
        f"search_text_plain_p95_ms{suffix}": round(plain_p95, 3),
        f"search_text_speedup_plain{suffix}": round(plain_p95 / p95, 1) if p95 else None,
        f"search_text_same_needs{suffix}": f"{same}/{len(checked)}",
        f"search_text_mean_results{suffix}": round(sum(results) / len(results), 2),
        f"search_text_queries{suffix}": len(asked),
    }


async def run_search_bench(quick: bool, *, needs: int = NEEDS) -> dict[str, Any]:
    n_queries = 40 if quick else 200
    region = Region.nrw()
    out: dict[str, Any] = {"search_text_needs": needs}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"search-{os.getpid()}.db"
    _remove_sqlite(path)
    db = Database(create_engine(f"sqlite+aiosqlite:///{path}"))
    try:
        tenant_ids = await populate(db, region, needs, seed=3)
        out.update(await measure(db, queries(region, tenant_ids, n_queries, 4), ""))
    finally:
        await db.dispose()
        _remove_sqlite(path)
    if os.environ.get("EHRENAMT_BENCH_NO_PG"):
        return out
    async with pg_schema("search") as pg:
        if pg is not None:
            tenant_ids = await populate(pg, region, needs, seed=3)
            out.update(await measure(pg, queries(region, tenant_ids, n_queries, 4), "_pg"))
    return out


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for key, value in asyncio.run(run_search_bench(quick)).items():
        print(f"{key:<32} {value}")

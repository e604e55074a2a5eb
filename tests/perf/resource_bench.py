"""``make bench`` section: resource offers (a van, a room; issue 14) matched
to the open needs they suit, over ~20k needs across NRW (``bench.populate``)
of which some ask, in their title or description, for what a resource
suits ("Umzugshilfe", "Fahrer für die Tafel-Abholung", "Deutschkurs").

Measured: ``core.services.offers.resource_matches`` (the needs in the offer's
reach whose text holds one of the resource's words by a coarse ``LIKE``,
then ``ResourceKind.fit`` and the volunteer scoring) against a fair
baseline in the same run: the same box read without the ``LIKE``, every
row fitted and scored in Python (``resource_baseline``). Both must give the
same top 10 (``resource_top10_agree``).

    .venv/bin/python -m tests.perf.resource_bench [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from core.db import Database, create_engine
from core.matching import Match
from core.models import Need, Offer
from core.resources import RESOURCE_KINDS, Resources
from core.schedule import day_mask
from core.search import NEED_COLUMNS, need_view
from core.services.offers import (
    _candidates_query,
    _resource_match,
    offer_volunteer,
    resource_matches,
)
from tests.perf.bench import (
    BENCH_DIR,
    NOW,
    RADII,
    Region,
    _remove_sqlite,
    _timed,
    percentile,
    populate,
)

# Titles a resource suits, and titles none does (most needs).
SUITED = (
    "Umzugshilfe für eine Familie",
    "Fahrer für die Tafel-Abholung",
    "Möbelspenden transportieren",
    "Deutschkurs für Geflüchtete",
    "Treffen der Selbsthilfegruppe",
    "Helfende fürs Sommerfest",
    "Gartenarbeit im Gemeinschaftsgarten",
    "Filmabend im Jugendtreff",
    "Renovierung des Vereinsheims",
    "Aufbau für den Flohmarkt",
)
OTHER = (
    "Vorlesen im Seniorenheim",
    "Hausaufgabenhilfe Mathe",
    "Begleitung zum Arzt",
    "Gassi gehen mit Tierheimhunden",
    "Trainer für die F-Jugend",
    "Besuchsdienst im Krankenhaus",
    "Kassenprüfung im Verein",
)
SUITED_SHARE = 3  # one need in this many has a suited title


async def resource_baseline(db: Database, offer: Offer, kind: str, limit: int = 10) -> list[Match]:
    """The fair baseline: the open needs in the offer's box (same query
    without the word ``LIKE``), each tested by the resource's words and the
    fitting ones scored (``_resource_match``), best ``limit`` kept."""
    resource = Resources.load().kinds[kind]
    volunteer = offer_volunteer(offer)
    rows = await db.rows(_candidates_query(resource, volunteer, NOW, None, prefilter=False))
    columns = len(NEED_COLUMNS)
    found = [
        m
        for row in rows
        if (
            m := _resource_match(
                volunteer, resource, need_view(row[:columns]), row[columns] or "",
                row[columns + 1] or "", NOW,
            )
        )
        is not None
    ]  # fmt: skip
    found.sort(key=lambda m: (-m.score, m.need_id))
    return found[:limit]


async def _titles(db: Database, seed: int) -> None:
    """Give every need a title: one in ``SUITED_SHARE`` a suited one."""
    rng = random.Random(seed)
    async with db.engine.begin() as conn:
        ids = (await conn.execute(select(Need.id))).scalars().all()
        by_title: dict[str, list[int]] = {}
        for need_id in ids:
            pool = SUITED if rng.randrange(SUITED_SHARE) == 0 else OTHER
            by_title.setdefault(rng.choice(pool), []).append(need_id)
        for title, chosen in by_title.items():
            for i in range(0, len(chosen), 900):
                await conn.execute(
                    update(Need).where(Need.id.in_(chosen[i : i + 900])).values(title=title)
                )


def synthetic_offer(rng: random.Random, region: Region, tenant_ids: list[int], i: int) -> Offer:
    lat, lon = region.point(rng)
    kind = rng.choice(RESOURCE_KINDS)
    weekend = rng.random() < 0.5
    return Offer(
        id=i + 1,
        tenant_id=tenant_ids[region.tenant_of(lat, lon)],
        organisation_id=None,
        person_id=None,
        title=f"Angebot {i}",
        description="",
        kind="resource",
        resource=kind,
        category=None,
        lat=lat,
        lon=lon,
        place_label=None,
        available_until=NOW + timedelta(days=60),
        cell_mask=day_mask(("sa", "so")) if weekend else 0,
        radius_km=rng.choice(RADII),
        active=True,
        created_at=NOW,
    )


def sizes(quick: bool) -> tuple[int, int, int]:
    """(needs, offers measured, baselines measured)."""
    return (20_000, 30, 10) if quick else (20_000, 200, 40)


async def run_resource_bench(
    quick: bool, *, needs: int | None = None, offers: int | None = None
) -> dict[str, Any]:
    n_needs, n_offers, n_base = sizes(quick)
    n_needs, n_offers = needs or n_needs, offers or n_offers
    n_base = min(n_base, n_offers)
    region = Region.nrw()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"resource-{os.getpid()}.db"
    _remove_sqlite(path)
    db = Database(create_engine(f"sqlite+aiosqlite:///{path}"))
    try:
        tenant_ids, _ = await populate(db, region, n_needs, seed=3)
        await _titles(db, seed=4)
        rng = random.Random(5)
        made = [synthetic_offer(rng, region, tenant_ids, i) for i in range(n_offers)]
        for offer in made[:3]:  # warm caches
            await resource_matches(db, offer, Resources.load().kinds[offer.resource], NOW,
                                   limit=10, tenants=None)  # fmt: skip
        indexed: list[float] = []
        results: dict[int, list[Match]] = {}
        for offer in made:
            kind = Resources.load().kinds[str(offer.resource)]
            ms, found = await _timed(
                lambda o=offer, k=kind: resource_matches(db, o, k, NOW, limit=10, tenants=None)
            )
            indexed.append(ms)
            results[offer.id] = found
        base: list[float] = []
        agree = 0
        for offer in made[:n_base]:
            ms, found = await _timed(lambda o=offer: resource_baseline(db, o, str(o.resource)))
            base.append(ms)
            agree += [(m.need_id, m.score, m.reasons) for m in found] == [
                (m.need_id, m.score, m.reasons) for m in results[offer.id]
            ]
    finally:
        await db.dispose()
        _remove_sqlite(path)
    p95, base_p95 = percentile(indexed, 0.95), percentile(base, 0.95)
    return {
        "resource_needs": n_needs,
        "resource_top10_p50_ms": round(percentile(indexed, 0.5), 3),
        "resource_top10_p95_ms": round(p95, 3),
        "resource_top10_baseline_p50_ms": round(percentile(base, 0.5), 3),
        "resource_top10_baseline_p95_ms": round(base_p95, 3),
        "resource_top10_speedup": round(base_p95 / p95, 1) if p95 else None,
        "resource_top10_mean_results": round(statistics.mean(len(r) for r in results.values()), 2),
        "resource_top10_agree": f"{agree}/{len(base)}",
        "resource_top10_queries": len(indexed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    for key, value in asyncio.run(run_resource_bench(parser.parse_args().quick)).items():
        print(f"{key:<34} {value}")


if __name__ == "__main__":
    main()

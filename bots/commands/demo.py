"""``ehrenamt demo seed``: the demo tenants' organisations, needs and volunteers."""

from __future__ import annotations

import argparse
import asyncio

from bots.bootstrap import App, bootstrap
from core.services.demo import SeedResult, is_empty, seed_demo
from core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("demo", help="demo data")
    demo_sub = parser.add_subparsers(dest="demo_command", required=True)
    seed = demo_sub.add_parser("seed", help="create the demo organisations, needs and volunteers")
    seed.add_argument("--db", help="database URL (default: EHRENAMT_DATABASE_URL or var/)")
    seed.add_argument("--force", action="store_true", help="seed even if data exists")
    seed.set_defaults(func=lambda args: asyncio.run(_seed(args)))


async def seed_app(app: App) -> SeedResult:
    """The demo organisations, needs and volunteers in the app's database,
    dated relative to its clock (``demo seed``, ``run`` and ``chat``)."""
    return await seed_demo(
        app.db,
        tenants=app.tenants,
        tenant_ids=app.tenant_ids,
        taxonomy=app.taxonomy,
        places=app.places,
        now=app.now(),
    )


async def _seed(args: argparse.Namespace) -> int:
    app = await bootstrap(Settings.from_env(database_url=args.db))
    try:
        if not args.force and not await is_empty(app.db):
            print("the database already holds data; use --force to seed anyway")
            return 1
        result = await seed_app(app)
        print(
            f"demo seeded: {result.organisations} organisations, {result.needs} needs, "
            f"{len(result.volunteers)} volunteers"
        )
        return 0
    finally:
        await app.close()

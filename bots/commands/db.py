"""``ehrenamt db upgrade``: bring the database schema to the newest version."""

from __future__ import annotations

import argparse
import asyncio

from core.migrate import upgrade
from core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("db", help="database schema")
    dbsub = parser.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="migrate the database to the newest schema")
    up.add_argument("--db", help="database URL (default: EHRENAMT_DATABASE_URL or var/)")
    up.add_argument("--quiet", action="store_true")
    up.set_defaults(func=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    settings = Settings.from_env(database_url=args.db)
    asyncio.run(upgrade(settings.database_url))
    if not args.quiet:
        print(f"database is up to date ({_safe(settings.database_url)})")
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    from core.db import normalise_url

    return make_url(normalise_url(url)).render_as_string(hide_password=True)

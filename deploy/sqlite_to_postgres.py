"""Copy an ehrenamt-bot SQLite database into an empty PostgreSQL database.

    .venv/bin/python deploy/sqlite_to_postgres.py SQLITE_URL POSTGRES_URL

Run it with the project's venv from the project folder, with the service
stopped. The target must be empty: created, then migrated with
``ehrenamt db upgrade --db POSTGRES_URL`` and nothing else (no ``ehrenamt
run`` against it yet). Both databases must be at the same schema version:
run ``ehrenamt db upgrade`` on the SQLite file first. Every table is copied
in one transaction (all or nothing), rows as the ORM's column types read
them, then each id sequence is moved past the highest copied id. Rows are
held in memory one table at a time: fine for a municipality, not for
millions of rows.
"""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import Integer, func, insert, select, text

from core.db import create_engine, is_sqlite
from core.models import Base

BATCH = 1000


async def copy(source_url: str, target_url: str) -> None:
    if not is_sqlite(source_url) or is_sqlite(target_url):
        raise SystemExit("usage: sqlite_to_postgres.py SQLITE_URL POSTGRES_URL")
    source, target = create_engine(source_url), create_engine(target_url)
    try:
        async with source.connect() as src, target.begin() as dst:
            versions = [
                (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
                for conn in (src, dst)
            ]
            if versions[0] != versions[1]:
                raise SystemExit(
                    f"schema versions differ (sqlite {versions[0]}, "
                    f"postgres {versions[1]}): run ehrenamt db upgrade on both"
                )
            for table in Base.metadata.sorted_tables:  # parents before children
                if await dst.scalar(select(func.count()).select_from(table)):
                    raise SystemExit(f"target table {table.name} is not empty")
                rows = [dict(r) for r in (await src.execute(select(table))).mappings()]
                for i in range(0, len(rows), BATCH):
                    await dst.execute(insert(table), rows[i : i + BATCH])
                print(f"{table.name}: {len(rows)} rows")
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and isinstance(pk[0].type, Integer) and rows:
                    await dst.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                            f"'{pk[0].name}'), (SELECT max(\"{pk[0].name}\") "
                            f'FROM "{table.name}"))'
                        )
                    )
    finally:
        await source.dispose()
        await target.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    asyncio.run(copy(sys.argv[1], sys.argv[2]))

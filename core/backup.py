"""Backups and restores (``ehrenamt backup`` / ``ehrenamt restore``).

SQLite: ``backup`` copies the live database file with SQLite's online backup
API (consistent while the service keeps writing; run in a worker thread, off
the event loop). PostgreSQL: use ``pg_dump`` (``POSTGRES_RECIPE``) — a
database server's own tool is the right one there.

``restore`` reads a backup file made by ``backup`` into an *empty* database
(SQLite or PostgreSQL): it brings the target's schema to the newest
migration, refuses if any table holds a row, copies every table's rows in
dependency order, and moves PostgreSQL's id sequences past the copied ids.
A backup from an older version is migrated (in a temporary copy) first.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Integer, func, insert, select, text
from sqlalchemy.engine import make_url

from core.db import Database, create_engine, is_sqlite, normalise_url
from core.migrate import upgrade
from core.models import Base

BATCH = 1000
POSTGRES_RECIPE = """\
PostgreSQL: back up with pg_dump, restore with pg_restore, e.g.

  pg_dump --format=custom --no-owner --file=ehrenamt-$(date +%F).dump "$DATABASE"
  createdb ehrenamt_restored
  pg_restore --no-owner --dbname=ehrenamt_restored ehrenamt-YYYY-MM-DD.dump

($DATABASE is EHRENAMT_DATABASE_URL without "+asyncpg", e.g.
postgresql://ehrenamt@db/ehrenamt.) A backup file made by `ehrenamt backup`
from SQLite can also be restored into an empty PostgreSQL database with
`ehrenamt restore FILE --db postgresql://…` (moving from SQLite to PostgreSQL).
"""


class BackupError(Exception):
    """Something an operator can fix; the message says what."""


@dataclass(frozen=True, slots=True)
class Restored:
    tables: int
    rows: int


def sqlite_path(url: str) -> Path:
    database = make_url(normalise_url(url)).database
    if not database or database == ":memory:":
        raise BackupError("the database URL names no SQLite file")
    return Path(database)


def _copy_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=256)
        finally:
            dst.close()
    finally:
        src.close()


async def backup(database_url: str, target: Path) -> Path:
    """Copy a SQLite database to ``target`` (a file, or a folder for a dated
    file). Raises ``BackupError`` for PostgreSQL (use ``POSTGRES_RECIPE``)."""
    if not is_sqlite(database_url):
        raise BackupError("PostgreSQL databases are backed up with pg_dump")
    return await asyncio.to_thread(_backup_file, sqlite_path(database_url), target)


def _backup_file(source: Path, target: Path) -> Path:
    if not source.is_file():
        raise BackupError(f"no database file at {source}")
    if target.is_dir():
        target = target / f"ehrenamt-{datetime.now().strftime('%Y%m%d-%H%M%S')}.db"
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    _copy_sqlite(source, partial)
    partial.replace(target)
    return target


async def row_counts(db: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(
                await conn.scalar(select(func.count()).select_from(table)) or 0
            )
    return counts


async def restore(backup_file: Path, database_url: str) -> Restored:
    """Copy every row of a backup file into the empty database at
    ``database_url`` (its schema is first brought to the newest migration)."""
    if not await asyncio.to_thread(backup_file.is_file):
        raise BackupError(f"no backup file at {backup_file}")
    await upgrade(database_url)
    target = Database(create_engine(database_url))
    try:
        return await restore_into(backup_file, target)
    finally:
        await target.dispose()


async def restore_into(backup_file: Path, target: Database) -> Restored:
    """Copy every row of a backup file into ``target``, whose tables exist and are empty."""
    filled = {name: n for name, n in (await row_counts(target)).items() if n}
    if filled:
        names = ", ".join(sorted(filled)[:5])
        raise BackupError(
            f"the target database is not empty ({names} …); restore needs an empty one"
        )
    with tempfile.TemporaryDirectory(prefix="ehrenamt-restore-") as tmp:
        # Work on a copy: migrating an older backup must not change the file.
        copy = Path(tmp) / "backup.db"
        await asyncio.to_thread(shutil.copyfile, backup_file, copy)
        source_url = f"sqlite+aiosqlite:///{copy}"
        await upgrade(source_url)
        source = Database(create_engine(source_url))
        try:
            return await _copy_rows(source, target)
        finally:
            await source.dispose()


async def _copy_rows(source: Database, target: Database) -> Restored:
    tables = rows = 0
    postgres = not is_sqlite(target.url)
    async with source.engine.connect() as src, target.engine.begin() as dst:
        if postgres:
            # Rows arrive table by table; references are checked at commit.
            await dst.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        for table in Base.metadata.sorted_tables:
            result = await src.stream(select(table))
            copied = 0
            async for batch in result.partitions(BATCH):
                await dst.execute(insert(table), [dict(row._mapping) for row in batch])
                copied += len(batch)
            tables += 1
            rows += copied
            id_column = table.columns.get("id")
            if postgres and id_column is not None and isinstance(id_column.type, Integer):
                quoted = f'"{table.name}"'
                await dst.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{quoted}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {quoted}), 0) + 1, false)"
                    )
                )
    return Restored(tables, rows)


__all__ = ["POSTGRES_RECIPE", "BackupError", "Restored", "backup", "restore", "row_counts"]

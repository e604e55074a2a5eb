"""``ehrenamt backup PATH`` and ``ehrenamt restore PATH`` (see core/backup.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from core.backup import POSTGRES_RECIPE, BackupError, backup, restore
from core.db import is_sqlite
from core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "backup", help="copy the SQLite database while it runs (PostgreSQL: prints the recipe)"
    )
    parser.add_argument("path", type=Path, help="backup file, or a folder for a dated file")
    parser.add_argument("--db", help="database URL (default: EHRENAMT_DATABASE_URL or var/)")
    parser.set_defaults(func=_backup)
    parser = sub.add_parser("restore", help="restore a backup file into an empty database")
    parser.add_argument("path", type=Path, help="a file made by `ehrenamt backup`")
    parser.add_argument("--db", help="database URL (default: EHRENAMT_DATABASE_URL or var/)")
    parser.set_defaults(func=_restore)


def _backup(args: argparse.Namespace) -> int:
    settings = Settings.from_env(database_url=args.db)
    if not is_sqlite(settings.database_url):
        print(POSTGRES_RECIPE)
        return 2
    try:
        written = asyncio.run(backup(settings.database_url, args.path))
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {written}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    settings = Settings.from_env(database_url=args.db)
    try:
        done = asyncio.run(restore(args.path, settings.database_url))
    except BackupError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 1
    print(f"restored {done.rows} rows into {done.tables} tables")
    return 0

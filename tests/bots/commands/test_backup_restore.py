"""``ehrenamt backup`` copies a live SQLite database; ``ehrenamt restore``
puts it into an empty database (SQLite or PostgreSQL) with every row of
every table, and refuses a database that holds data."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.backup import BackupError, restore_into, row_counts
from core.db import Database, create_engine
from core.migrate import upgrade_sync
from core.models import Base

EHRENAMT = str(Path(sys.executable).with_name("ehrenamt"))


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EHRENAMT, *args], capture_output=True, text=True, timeout=180, input=stdin
    )


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):  # SQLite keeps no zone; PostgreSQL gives UTC
        return (
            value.replace(tzinfo=None)
            if value.tzinfo is None
            else value.astimezone(UTC).replace(tzinfo=None)
        )
    return value


async def _all_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            key = [c for c in table.primary_key.columns] or list(table.columns)
            result = await conn.execute(select(table).order_by(*key))
            rows[table.name] = [tuple(_norm(v) for v in row) for row in result]
    return rows


@pytest.fixture(scope="module")
def live_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo plus a volunteer who chatted: many tables hold rows."""
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite+aiosqlite:///{folder / 'live.db'}"
    upgrade_sync(url)
    seeded = _run("demo", "seed", "--db", url)
    assert seeded.returncode == 0, seeded.stderr
    turns = [
        {"command": "start"},
        {"text": "Ja"},
        {"text": "Ich helfe gern mit Tieren und im Umweltschutz in Burtscheid am Wochenende"},
    ]
    chatted = _run(
        "chat", "--jsonl", "--tenant", "aachen", "--user", "erika", "--db", url,
        stdin="\n".join(json.dumps(t) for t in turns) + "\n",
    )  # fmt: skip
    assert chatted.returncode == 0, chatted.stderr
    return url


async def test_a_backup_restores_every_row_of_every_table(live_db: str, tmp_path: Path) -> None:
    backup_file = tmp_path / "backups" / "nightly.db"
    made = _run("backup", str(backup_file), "--db", live_db)
    assert made.returncode == 0, made.stderr
    assert backup_file.is_file() and str(backup_file) in made.stdout

    target = f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
    restored = _run("restore", str(backup_file), "--db", target)
    assert restored.returncode == 0, restored.stderr

    source_db, target_db = Database(create_engine(live_db)), Database(create_engine(target))
    try:
        before, after = await _all_rows(source_db), await _all_rows(target_db)
        filled = [name for name, rows in before.items() if rows]
        assert len(filled) >= 10, filled  # the comparison means something
        assert after == before
        assert f"restored {sum(len(r) for r in before.values())} rows" in restored.stdout
    finally:
        await source_db.dispose()
        await target_db.dispose()

    again = _run("restore", str(backup_file), "--db", target)
    assert again.returncode == 1 and "not empty" in again.stderr


async def test_a_sqlite_backup_moves_into_an_empty_postgresql(
    live_db: str, tmp_path: Path, db: Database
) -> None:
    backup_file = tmp_path / "b.db"
    assert _run("backup", str(backup_file), "--db", live_db).returncode == 0
    done = await restore_into(backup_file, db)
    source = Database(create_engine(live_db))
    try:
        expected = await row_counts(source)
        assert await row_counts(db) == expected
        assert done.rows == sum(expected.values())
        if "postgresql" in db.url:
            # New rows get fresh ids after the copied ones (sequences moved on).
            from core.models import AuditEvent

            async with db.transaction() as session:
                event = AuditEvent(
                    tenant_id=None, actor="test", action="x", subject="y", at=datetime.now(UTC)
                )
                session.add(event)
                await session.flush()
                assert event.id > expected["audit_event"]
    finally:
        await source.dispose()
    with pytest.raises(BackupError):
        await restore_into(backup_file, db)


def test_postgresql_backups_get_the_pg_dump_recipe() -> None:
    shown = _run("backup", "/tmp/never-written.db", "--db", "postgresql://x@127.0.0.1:9/none")
    assert shown.returncode == 2
    assert "pg_dump" in shown.stdout and "pg_restore" in shown.stdout
    assert not Path("/tmp/never-written.db").exists()


def test_a_backup_never_overwrites_a_file(live_db: str, tmp_path: Path) -> None:
    existing = tmp_path / "keep.db"
    existing.write_text("precious")
    refused = _run("backup", str(existing), "--db", live_db)
    assert refused.returncode == 1 and "exists" in refused.stderr
    assert existing.read_text() == "precious"

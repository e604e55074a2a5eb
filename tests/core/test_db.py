"""The SQLite connection: one call on aiosqlite's thread per statement, and
transactions that still commit, roll back and count as before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text, update

from core.db import Database
from core.models import Tenant


def _tenant(slug: str) -> dict[str, object]:
    return dict(slug=slug, name=slug.title(), center_lat=50.77, center_lon=6.08, radius_km=15.0)


async def test_a_failed_transaction_leaves_nothing_behind(sqlite_db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with sqlite_db.transaction() as session:
            await session.execute(insert(Tenant).values(**_tenant("aachen")))
            raise RuntimeError("after the insert")
    async with sqlite_db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Tenant)) == 0


async def test_updates_count_rows_and_inserts_return_their_id(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as session:
        row = Tenant(**_tenant("aachen"))
        session.add(row)
        await session.flush()
        assert row.id is not None
        result = await session.execute(
            update(Tenant).where(Tenant.slug == "aachen").values(name="Aachen")
        )
        assert result.rowcount == 1  # type: ignore[attr-defined]
        missing = await session.execute(
            update(Tenant).where(Tenant.slug == "nowhere").values(name="x")
        )
        assert missing.rowcount == 0  # type: ignore[attr-defined]
    async with sqlite_db.sessions() as session:
        assert await session.scalar(select(Tenant.name)) == "Aachen"


async def test_a_read_returns_its_connection_with_no_transaction_open(
    sqlite_db: Database,
) -> None:
    async with sqlite_db.engine.connect() as conn:
        assert (await conn.execute(text("select 1"))).scalar() == 1
        raw = await conn.get_raw_connection()
        assert raw.driver_connection._conn.in_transaction is False  # type: ignore[union-attr]
    async with sqlite_db.engine.begin() as conn:
        await conn.execute(insert(Tenant).values(**_tenant("aachen")))
        raw = await conn.get_raw_connection()
        assert raw.driver_connection._conn.in_transaction is True  # type: ignore[union-attr]
    async with sqlite_db.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Tenant))).scalar() == 1


async def test_a_long_read_moves_off_the_event_loop_and_still_answers(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core import db as db_module

    monkeypatch.setattr(db_module, "READ_HERE_MS", 0.0)  # every read is "too long"
    monkeypatch.setattr(db_module, "_slow_reads", set())
    ten = "(VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10))"
    long_read = text(f"SELECT count(*) FROM {ten} a, {ten} b, {ten} c, {ten} d")
    async with sqlite_db.engine.connect() as conn:
        assert (await conn.execute(long_read)).scalar() == 10_000
        assert (await conn.execute(long_read)).scalar() == 10_000
    assert len(db_module._slow_reads) == 1


async def test_a_read_inside_a_transaction_sees_its_writes(sqlite_db: Database) -> None:
    async with sqlite_db.engine.begin() as conn:
        await conn.execute(insert(Tenant).values(**_tenant("aachen")))
        assert (await conn.execute(select(Tenant.slug))).scalars().all() == ["aachen"]
        await conn.rollback()
    async with sqlite_db.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Tenant))).scalar() == 0

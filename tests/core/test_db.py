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


async def test_write_one_commits_its_statement_by_itself(db: Database) -> None:
    async with db.engine.connect() as reader:
        await db.write_one(insert(Tenant), _tenant("aachen"))
        # Committed: visible to a connection that was open before.
        assert (await reader.execute(select(func.count()).select_from(Tenant))).scalar() == 1
    changed = await db.write_one(update(Tenant).where(Tenant.slug == "aachen").values(name="A"), {})
    assert changed == 1
    assert await db.write_one(update(Tenant).where(Tenant.slug == "x").values(name="B"), {}) == 0
    assert [tuple(r) for r in await db.rows(select(Tenant.slug, Tenant.name))] == [("aachen", "A")]


async def test_a_failed_write_one_changes_nothing_and_the_pool_goes_on(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    await db.write_one(insert(Tenant), _tenant("aachen"))
    with pytest.raises(IntegrityError):
        await db.write_one(insert(Tenant), _tenant("aachen"))
    async with db.transaction() as session:  # pooled connections are back to transactions
        session.add(Tenant(**_tenant("bonn")))
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await session.execute(insert(Tenant).values(**_tenant("köln")))
            raise RuntimeError("after the insert")
    assert len(await db.rows(select(Tenant.id))) == 2

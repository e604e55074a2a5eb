"""The SQLite connection: one call on aiosqlite's thread per statement, and
transactions that still commit, roll back and count as before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, func, insert, select, text, update

from core.db import AsyncCommit, Database, create_engine
from core.models import ConversationState, Tenant
from tests.conftest import PG_URL


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


async def test_an_async_commit_commits_and_stays_with_its_statement(db: Database) -> None:
    """``AsyncCommit`` (the conversation state's save): the write is committed
    and seen by others at once, and the connection it ran on goes back to
    the pool committing synchronously as before."""
    show = text("SHOW synchronous_commit")
    before = None if db.is_sqlite else [tuple(r) for r in await db.rows(show)]
    async with db.engine.connect() as reader:
        await db.write_one(insert(Tenant), _tenant("aachen"))
        statement = update(Tenant).where(Tenant.slug == "aachen", AsyncCommit()).values(name="A")
        assert await db.write_one(statement, {}) == 1
        assert (await reader.execute(select(Tenant.name))).scalar() == "A"
    if not db.is_sqlite:
        for _ in range(3):  # the pool's connections, in turn
            assert [tuple(r) for r in await db.rows(show)] == before


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


async def test_reads_and_writes_go_on_after_the_server_closed_pooled_connections(
    db: Database,
) -> None:
    """Statements take an idle pooled connection without a greenlet; one the
    server closed meanwhile (a restart, an idle timeout) is replaced, whether
    the pool notices first or the statement fails on it."""
    import asyncio

    names = select(Tenant.slug, Tenant.name)  # one statement: compiled once, then direct
    rename = (
        update(Tenant).where(Tenant.slug == bindparam("b_slug")).values(name=bindparam("b_name"))
    )
    await db.write_one(insert(Tenant), _tenant("aachen"))
    for name in ("A", "B"):  # the second time on the direct path
        assert await db.write_one(rename, {"b_slug": "aachen", "b_name": name}) == 1
        assert [tuple(r) for r in await db.rows(names)] == [("aachen", name)]
    for wait in (0.2, 0.0):  # noticed by the pool at checkout, or not yet
        if not db.is_sqlite:
            pids = set()
            for _ in range(6):  # the pool hands its idle connections out in turn
                ((pid,),) = await db.rows(text("SELECT pg_backend_pid()"))
                pids.add(int(pid))
            admin = Database(create_engine(PG_URL))
            try:
                for pid in pids:
                    await admin.rows(text(f"SELECT pg_terminate_backend({pid})"))
            finally:
                await admin.dispose()
            await asyncio.sleep(wait)
        assert [tuple(r) for r in await db.rows(names)] == [("aachen", "B")]
        assert await db.write_one(rename, {"b_slug": "aachen", "b_name": "C"}) == 1
        assert await db.write_one(rename, {"b_slug": "aachen", "b_name": "B"}) == 1


# A server closing connections under the pool is PostgreSQL's: SQLite has none.
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_a_write_on_a_connection_the_server_closed_fails_as_unavailable(
    db: Database,
) -> None:
    """A write on the direct path whose connection the server closed under it
    (a restart) fails as "database unavailable", which the engine and the
    channels answer by trying again; before, an AttributeError (the
    connection was invalidated before the error was translated) made the
    turn an error message."""
    import asyncio

    from core.db import is_unavailable

    assert not db.is_sqlite
    rename = (
        update(Tenant).where(Tenant.slug == bindparam("b_slug")).values(name=bindparam("b_name"))
    )
    await db.write_one(insert(Tenant), _tenant("aachen"))
    for name in ("A", "B"):  # the second time on the direct path
        assert await db.write_one(rename, {"b_slug": "aachen", "b_name": name}) == 1
    pids = set()
    for _ in range(6):
        ((pid,),) = await db.rows(text("SELECT pg_backend_pid()"))
        pids.add(int(pid))
    admin = Database(create_engine(PG_URL))
    try:
        for pid in pids:
            await admin.rows(text(f"SELECT pg_terminate_backend({pid})"))
    finally:
        await admin.dispose()
    await asyncio.sleep(0.2)  # the connection is closed; asyncpg may know it or not
    failures = 0
    for name in ("C", "D", "E"):
        try:
            assert await db.write_one(rename, {"b_slug": "aachen", "b_name": name}) == 1
        except Exception as exc:
            assert is_unavailable(exc), repr(exc)
            failures += 1
    assert failures < 3
    assert await db.write_one(rename, {"b_slug": "aachen", "b_name": "F"}) == 1


_STATES = (
    select(
        ConversationState.identity,
        ConversationState.data,
        ConversationState.version,
        ConversationState.updated_at,
    )
    .where(ConversationState.identity.in_(bindparam("keys", expanding=True)))
    .order_by(ConversationState.identity)
)
_SAVE = (
    update(ConversationState)
    .where(
        ConversationState.identity == bindparam("key"),
        ConversationState.version == bindparam("seen"),
    )
    .values(version=bindparam("next"), data=bindparam("new", type_=ConversationState.data.type))
)


async def test_statements_compiled_once_read_and_write_as_sqlalchemy_does(db: Database) -> None:
    """``Database.rows``/``write_one`` hand a module-level statement to the
    driver themselves (compiled once): JSON, times with zone, an expanding
    IN and the rows a versioned update changed come out as SQLAlchemy's own
    execution gives them, on SQLite and PostgreSQL."""
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for key in ("telegram:1", "telegram:2", "web:3"):
        await db.write_one(
            insert(ConversationState),
            {"identity": key, "tenant_slug": "aachen", "version": 1, "updated_at": at,
             "data": {"flow": "onboarding", "umlaut": "Größe", "n": [1, 2]}},
        )  # fmt: skip
    params = {"keys": ["web:3", "telegram:1"]}
    assert db._plan(_STATES, params, read=True) is not None  # the short path is taken
    short = [tuple(r) for r in await db.rows(_STATES, params)]
    async with db.sessions() as session:
        own = [tuple(r) for r in (await session.execute(_STATES, params)).all()]
    assert short == own
    assert [r[0] for r in short] == ["telegram:1", "web:3"]
    assert short[0][1] == {"flow": "onboarding", "umlaut": "Größe", "n": [1, 2]}
    assert short[0][3].astimezone(UTC) == at
    save = {"key": "web:3", "seen": 1, "next": 2, "new": {"flow": None}}
    assert db._plan(_SAVE, save, read=False) is not None
    assert await db.write_one(_SAVE, save) == 1
    assert await db.write_one(_SAVE, save) == 0  # the version moved on: a conflict, not a write
    (row,) = await db.rows(_STATES, {"keys": ["web:3"]})
    assert (row[1], row[2]) == ({"flow": None}, 2)

"""Fixtures every test may use: databases (SQLite always, PostgreSQL when
reachable and always with CI=true), a fixed clock, the demo tenants, and a
guard that fails any test that logged an ERROR."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.db import Database, create_engine
from core.models import Base
from core.tenants import TenantConfig, load_tenants

PG_URL = os.environ.get("EHRENAMT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Aachen


def _pg_reachable() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def fail_on_logged_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A test that logged an ERROR failed, even if its asserts passed."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors and not getattr(caplog, "errors_expected", False):
        pytest.fail("logged errors: " + "; ".join(r.getMessage() for r in errors[:3]))


@pytest.fixture
def allow_logged_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def tenants() -> dict[str, TenantConfig]:
    return load_tenants()


async def _sqlite_db(path: Path) -> Database:
    db = Database(create_engine(f"sqlite+aiosqlite:///{path}"))
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return db


async def _pg_db() -> tuple[Database, str]:
    """A fresh schema per test on the local PostgreSQL."""
    from sqlalchemy import text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(
        PG_URL, connect_args={"server_settings": {"search_path": schema}}, pool_size=5
    )
    db = Database(engine)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return db, schema


async def _drop_pg_schema(schema: str) -> None:
    from sqlalchemy import text

    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


def backends() -> list[str]:
    return ["sqlite", "postgres"]


@pytest.fixture(params=backends())
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database with every table, on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        if not _pg_reachable():
            if IN_CI:
                pytest.fail("PostgreSQL on 127.0.0.1:5432 is required with CI=true")
            pytest.skip("PostgreSQL not reachable (runs with CI=true)")
        database, schema = await _pg_db()
        try:
            yield database
        finally:
            await database.dispose()
            await _drop_pg_schema(schema)
    else:
        database = await _sqlite_db(tmp_path / "test.db")
        try:
            yield database
        finally:
            await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """SQLite only: for tests about behaviour, not the backend."""
    database = await _sqlite_db(tmp_path / "test.db")
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def event_loop_policy() -> asyncio.AbstractEventLoopPolicy:
    return asyncio.DefaultEventLoopPolicy()

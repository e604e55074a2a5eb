"""Migrations upgrade an empty database to exactly the models."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from core.db import create_engine
from core.migrate import current_head, upgrade
from core.models import Base
from tests.conftest import IN_CI, PG_URL, _pg_reachable


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def _state(connection: Any) -> tuple[set[str], str | None]:
    tables = set(inspect(connection).get_table_names())
    version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return tables, version


async def _check(url: str) -> None:
    await upgrade(url)
    await upgrade(url)  # a second upgrade is a no-op
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables, version = await conn.run_sync(_state)
            diff = await conn.run_sync(_differences)
    finally:
        await engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert tables - set(Base.metadata.tables) == {"alembic_version"}
    assert version == current_head()
    assert diff == []


async def test_upgrade_creates_every_table_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    await _check(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")


@pytest.fixture
async def fresh_pg_database() -> AsyncIterator[str]:
    if not _pg_reachable():
        if IN_CI:
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is required with CI=true")
        pytest.skip("PostgreSQL not reachable (runs with CI=true)")
    name = f"mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.mark.postgres
async def test_upgrade_creates_every_table_on_a_fresh_postgres_database(
    fresh_pg_database: str,
) -> None:
    await _check(fresh_pg_database)


def test_reserved_revisions_stay_no_ops() -> None:
    """Revisions that landed as reserved no-ops never get a body later:
    databases already past them would never run it (offers went to 0018)."""
    import ast

    versions = Path(__file__).resolve().parents[2] / "core" / "migrations" / "versions"
    for number in ("0014", "0017"):  # no-ops when stop 17 landed
        (path,) = versions.glob(f"{number}_*.py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bodies = {n.name: n.body for n in tree.body if isinstance(n, ast.FunctionDef)}
        for name in ("upgrade", "downgrade"):
            assert [type(s) for s in bodies[name]] == [ast.Pass], f"{path.name}: {name}"

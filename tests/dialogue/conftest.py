"""An App on the test database with the demo seeded, and conversations on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.bootstrap import App, bootstrap
from core.clock import FixedClock
from core.db import Database
from core.services.demo import seed_demo
from core.settings import Settings
from core.tenants import TenantConfig
from tests.dialogue.harness import Conversation

_NLU: dict[str, object] = {}


async def make_app(
    db: Database, clock: FixedClock, tenants: dict[str, TenantConfig], tmp_path: Path
) -> App:
    settings = Settings.from_env(database_url=db.url, data_dir=tmp_path)
    app = await bootstrap(settings, clock=clock, db=db, tenants=tenants)
    if "nlu" in _NLU:  # train once per test session
        app.nlu = _NLU["nlu"]  # type: ignore[assignment]
    _ = app.engine
    _NLU.setdefault("nlu", app.nlu)
    return app


@pytest.fixture
async def app(
    sqlite_db: Database, clock: FixedClock, tenants: dict[str, TenantConfig], tmp_path: Path
) -> AsyncIterator[App]:
    application = await make_app(sqlite_db, clock, tenants, tmp_path)
    await seed_demo(
        sqlite_db,
        tenants=application.tenants,
        tenant_ids=application.tenant_ids,
        taxonomy=application.taxonomy,
        places=application.places,
        now=clock.now(),
    )
    yield application


@pytest.fixture
def conversation(app: App) -> Conversation:
    return Conversation(app)

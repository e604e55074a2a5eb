"""The real parts for the load and fault runs: a PostgreSQL of the test's own
(so the machine's shared one is never restarted), the Telegram Bot API fake,
and ``ehrenamt run`` as a separate process with Aachen's bot in webhook mode.

Everything here takes minutes: the suite is marked ``slow`` and CI runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.reliability.postgres import PrivatePostgres
from tests.reliability.scenario import Stage, open_stage


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/reliability" in str(item.fspath):
            item.add_marker(pytest.mark.slow)


@pytest_asyncio.fixture
async def stage(tmp_path: Path) -> AsyncIterator[Stage]:
    postgres = PrivatePostgres()
    postgres.init()
    postgres.start()
    try:
        async with open_stage(postgres, tmp_path) as opened:
            yield opened
    finally:
        postgres.destroy()

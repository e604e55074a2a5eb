"""Issue 11, finding 7: the rate limit counts atomically. Twenty attempts at
the same moment (on PostgreSQL each in its own connection) let exactly the
limit through, never more."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core.db import Database
from core.services.accounts import RateLimited, hit, limit_key

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def test_concurrent_attempts_never_pass_the_limit(db: Database) -> None:
    key = limit_key("signup", "tafel@example.org", salt="s")

    async def attempt() -> bool:
        try:
            await hit(db, key, limit=5, window=timedelta(minutes=15), now=NOW)
        except RateLimited:
            return False
        return True

    for _ in range(3):  # a race shows only sometimes: try it a few times
        passed = await asyncio.gather(*(attempt() for _ in range(20)))
        assert sum(passed) <= 5
    assert sum(await asyncio.gather(*(attempt() for _ in range(3)))) == 0

"""One process owns the timer; restarts and takeovers lose nothing and send nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from core.db import Database
from core.reminders.alerts import run_alert_wave
from core.reminders.scheduler import ReminderScheduler
from core.services.signup import sign_up
from dialogue.notifications import ChannelSender, Renderer
from tests.core.reminders.conftest import World


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Poll a flag of the scheduler under test (it offers no event to wait on)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def scheduler_for(world: World, db: Database | None = None) -> ReminderScheduler:
    db = db or world.db
    sender = ChannelSender(
        Renderer(db, world.app.tenants), {"telegram": world.channel}, world.clock
    )
    return ReminderScheduler(
        db, sender, world.clock, {"alert_wave": run_alert_wave}, tick_every=timedelta(seconds=0.2)
    )


async def test_stopped_before_due_and_started_again_sends_once(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    need = await world.need(starts_in=timedelta(days=3))
    await sign_up(world.db, luisa, need, world.now())
    first = scheduler_for(world)
    await first.start()
    await until(lambda: first.leading)
    await first.stop()  # the process ends before the reminder is due

    world.clock.advance(timedelta(days=2))  # now the 24 h reminder is due
    second = scheduler_for(world)
    await second.start()
    try:
        await until(lambda: len(world.channel.sent) >= 1)
        await asyncio.sleep(0.5)  # a few more ticks
    finally:
        await second.stop()
    assert len(world.channel.texts_to("telegram:luisa")) == 1


async def test_only_one_scheduler_leads_and_the_other_takes_over(world: World) -> None:
    leader, follower = scheduler_for(world), scheduler_for(world)
    await leader.start()
    await until(lambda: leader.leading)
    await follower.start()
    try:
        await asyncio.sleep(0.5)
        assert not follower.leading
        await leader.stop()  # the leader's process dies
        await until(lambda: follower.leading, within=10)
    finally:
        await follower.stop()
        await leader.stop()


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_a_killed_leaders_lock_is_freed_by_postgres(world: World) -> None:
    leader, follower = scheduler_for(world), scheduler_for(world)
    await leader.start()
    await until(lambda: leader.leading)
    await follower.start()
    try:
        # Kill the leader's connection as a crash would; the server frees the lock.
        assert leader.leadership is not None
        conn = leader.leadership._conn  # type: ignore[attr-defined]
        assert conn is not None
        raw = await conn.get_raw_connection()
        raw.driver_connection.terminate()  # type: ignore[union-attr]
        await until(lambda: follower.leading, within=15)
        await until(lambda: not leader.leading, within=15)
    finally:
        await follower.stop()
        await leader.stop()


class _FlakyLeadership:
    """A lock whose database is away for the first attempts (a restart)."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0

    async def acquire(self) -> bool:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        return True

    async def still_held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def test_leadership_is_sought_again_after_the_database_was_away(world: World) -> None:
    # Before the fix the first refused connection ended the campaign task for
    # good: after a PostgreSQL restart nobody sent reminders any more.
    scheduler = scheduler_for(world)
    scheduler.leadership = _FlakyLeadership(failures=2)
    await scheduler.start()
    try:
        await until(lambda: scheduler.leading, within=15)
    finally:
        await scheduler.stop()

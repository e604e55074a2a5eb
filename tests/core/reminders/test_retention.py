"""Retention: inactive people are warned, can keep their data by writing,
and are deleted when the tenant's period has passed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import Person, Tenant
from core.reminders.housekeeping import run_housekeeping
from core.services.people import touch
from core.services.retention import MONTH, WARNING_BEFORE
from tests.core.reminders.conftest import World


async def _retention(world: World) -> int:
    async with world.db.sessions() as session:
        return int(
            await session.scalar(select(Tenant.retention_months).where(Tenant.slug == "aachen"))
            or 0
        )


async def test_the_inactive_are_warned_then_deleted(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    months = await _retention(world)
    deadline = world.now() + months * MONTH
    await world.at(deadline - WARNING_BEFORE - timedelta(days=1))
    await run_housekeeping(world.db, world.now())
    await world.deliver()
    assert world.channel.texts_to("telegram:luisa") == []  # not yet
    await world.at(deadline - WARNING_BEFORE)
    await run_housekeeping(world.db, world.now())
    await world.deliver()
    warning = world.channel.sent[-1][1][0]
    assert "lösche ich dein Profil" in warning.text
    assert [b.payload for b in warning.buttons] == ["keep:data"]
    await run_housekeeping(world.db, world.now())
    await world.deliver()
    assert len(world.channel.texts_to("telegram:luisa")) == 1  # warned once
    await world.at(deadline + timedelta(minutes=1))
    await run_housekeeping(world.db, world.now())
    async with world.db.sessions() as session:
        assert await session.get(Person, luisa) is None


async def test_activity_keeps_the_data(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    months = await _retention(world)
    await world.at(world.now() + months * MONTH - WARNING_BEFORE)
    await run_housekeeping(world.db, world.now())
    await world.deliver()
    await touch(world.db, luisa, world.now())  # she wrote to the bot
    await world.at(world.now() + WARNING_BEFORE + timedelta(days=1))
    await run_housekeeping(world.db, world.now())
    async with world.db.sessions() as session:
        assert await session.get(Person, luisa) is not None

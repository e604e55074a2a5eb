"""Issue 11, finding 3: hidden needs alert nobody. Hiding cancels pending
alerts; the wave and the delivery check read ``hidden``, the publication and
whether the person's municipality shows neighbours' needs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core.models import Need, Reminder, ReminderStatus, Tenant
from core.reminders.alerts import run_alert_wave
from core.reminders.delivery import deliver_one
from core.services.moderation import set_hidden
from tests.core.reminders.conftest import World


async def _run_wave_only(world: World, need_id: int) -> None:
    """The first wave plans its questions; nothing is sent yet."""
    async with world.db.sessions() as session:
        wave = await session.scalar(
            select(Reminder.id).where(Reminder.need_id == need_id, Reminder.kind == "alert_wave")
        )
    assert wave is not None
    await deliver_one(world.db, None, wave, world.now(), {"alert_wave": run_alert_wave})  # type: ignore[arg-type]


async def _pending_alerts(world: World, need_id: int) -> list[str]:
    async with world.db.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(Reminder.kind).where(
                        Reminder.need_id == need_id, Reminder.status == ReminderStatus.PENDING
                    )
                )
            ).all()
        )


async def test_hiding_a_need_cancels_its_pending_alerts(world: World) -> None:
    await world.person("near")
    need = await world.need(starts_in=timedelta(hours=20), urgent=True)
    await _run_wave_only(world, need)
    assert "urgent_alert" in await _pending_alerts(world, need)
    stolberg = world.app.tenant_ids["stolberg"]
    await set_hidden(world.db, stolberg, "need", need, True, actor="editor", now=world.now())
    assert set(await _pending_alerts(world, need)) <= {"org_expiry"}  # its own notice stays
    await world.deliver()
    assert world.channel.sent == []


async def test_the_delivery_check_reads_hidden(world: World) -> None:
    """Even a question planned before the need was hidden (by any path) is not sent."""
    await world.person("near")
    need = await world.need(starts_in=timedelta(hours=20), urgent=True)
    await _run_wave_only(world, need)
    async with world.db.transaction() as session:
        await session.execute(update(Need).where(Need.id == need).values(hidden=True))
    await world.deliver()
    assert world.channel.sent == []


async def test_an_alert_wave_skips_a_hidden_need(world: World) -> None:
    await world.person("near")
    need = await world.need(starts_in=timedelta(hours=20), urgent=True)
    async with world.db.transaction() as session:
        await session.execute(update(Need).where(Need.id == need).values(hidden=True))
    await world.deliver()
    assert world.channel.sent == []
    async with world.db.sessions() as session:
        asked = (
            await session.scalars(select(Reminder.id).where(Reminder.kind == "urgent_alert"))
        ).all()
    assert list(asked) == []


async def test_no_alert_for_a_neighbours_need_where_the_municipality_hides_neighbours(
    world: World,
) -> None:
    """The people are Aachen's; the need is Stolberg's."""
    await world.person("near")
    async with world.db.transaction() as session:
        await session.execute(
            update(Tenant)
            .where(Tenant.id == world.app.tenant_ids["aachen"])
            .values(show_neighbours=False)
        )
    await world.need(starts_in=timedelta(hours=20), urgent=True)
    await world.deliver()
    assert world.channel.sent == []

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
    warning = world.channel.sent[-1][2][0]
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


async def test_unused_organisation_accounts_and_records_go_after_the_period(world: World) -> None:
    """Issue 11, finding 6: an organisation account nobody used for the
    tenant's period goes, and with it an organisation nobody is left to run;
    relayed messages older than the period go; editors' accounts stay."""
    from core.models import (
        Account,
        AuditEvent,
        Membership,
        Organisation,
        OrgKind,
        RelayDirection,
        RelayMessage,
        Role,
    )
    from core.services.accounts import touch_account

    aachen = world.app.tenant_ids["aachen"]
    async with world.db.transaction() as session:
        ids: dict[str, int] = {}
        for name in ("idle", "busy"):
            org = Organisation(tenant_id=aachen, name=f"Verein {name}", kind=OrgKind.VEREIN,
                               contact_name=f"Kontakt {name}", created_at=world.now())  # fmt: skip
            account = Account(email=f"{name}@example.org", display_name=name,
                              created_at=world.now())  # fmt: skip
            session.add_all([org, account])
            await session.flush()
            session.add(Membership(tenant_id=aachen, organisation_id=org.id,
                                   account_id=account.id, role=Role.ADMIN,
                                   created_at=world.now()))  # fmt: skip
            session.add(AuditEvent(tenant_id=aachen, at=world.now(), actor=f"account:{account.id}",
                                   action="need_posted", subject="need:1", data={}))  # fmt: skip
            ids[name], ids[f"{name}_org"] = account.id, org.id
        editor = Account(email="redaktion@aachen.de", display_name="Redaktion",
                         created_at=world.now())  # fmt: skip
        session.add(editor)
        await session.flush()
        session.add(Membership(tenant_id=aachen, account_id=editor.id, role=Role.EDITOR,
                               created_at=world.now()))  # fmt: skip
        session.add(RelayMessage(tenant_id=aachen, organisation_id=ids["busy_org"],
                                 direction=RelayDirection.TO_VOLUNTEER, body="Alter Austausch",
                                 created_at=world.now()))  # fmt: skip
    period = await _retention(world) * MONTH

    await world.at(world.now() + period - timedelta(days=1))
    await touch_account(world.db, ids["busy"], world.now())  # logged in again
    await run_housekeeping(world.db, world.now())
    async with world.db.sessions() as session:
        assert await session.get(Account, ids["idle"]) is not None  # not yet

    await world.at(world.now() + timedelta(days=2))
    await run_housekeeping(world.db, world.now())
    async with world.db.sessions() as session:
        assert await session.get(Account, ids["idle"]) is None
        assert await session.get(Organisation, ids["idle_org"]) is None
        assert await session.get(Account, ids["busy"]) is not None
        assert await session.get(Organisation, ids["busy_org"]) is not None
        assert await session.get(Account, editor.id) is not None
        assert (await session.scalars(select(RelayMessage.body))).all() == []
        actors = (await session.scalars(select(AuditEvent.actor))).all()
    assert f"account:{ids['idle']}" not in actors and f"account:{ids['busy']}" in actors

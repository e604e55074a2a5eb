"""Consent creates the person, their identity and an audit entry once; a
second consent renews it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.errors import ConsentRequired
from core.models import AuditEvent, Identity, Person
from core.services.people import person_for_identity, register_with_consent
from tests.core.conftest import World

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def _count(db: Database, model: type) -> int:
    async with db.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def test_consent_creates_person_identity_and_audit_entry(db: Database, world: World) -> None:
    people = await _count(db, Person)
    ref = await register_with_consent(
        db,
        tenant_slug="aachen",
        identity="telegram:4711",
        consent_version="2026-11",
        language="de",
        now=NOW,
        display_name="Heinrich",
    )
    assert (ref.tenant_id, ref.language, ref.display_name, ref.consent_version) == (
        world.aachen,
        "de",
        "Heinrich",
        "2026-11",
    )
    assert await person_for_identity(db, "telegram:4711", "aachen") == ref
    assert await _count(db, Person) == people + 1
    async with db.engine.connect() as conn:
        channel = await conn.scalar(select(Identity.channel).where(Identity.key == "telegram:4711"))
        audit = (
            await conn.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.data))
        ).all()
    assert channel == "telegram"
    assert [tuple(a) for a in audit] == [(f"person:{ref.id}", "consent", {"version": "2026-11"})]


async def test_a_second_consent_renews_the_same_person(db: Database, world: World) -> None:
    first = await register_with_consent(
        db,
        tenant_slug="aachen",
        identity="matrix:@luisa:example.org",
        consent_version="2026-11",
        language="de",
        now=NOW,
        display_name="Luisa",
    )
    later = NOW + timedelta(days=30)
    again = await register_with_consent(
        db,
        tenant_slug="aachen",
        identity="matrix:@luisa:example.org",
        consent_version="2027-01",
        language="en",
        now=later,
    )
    assert again.id == first.id
    assert (again.language, again.display_name, again.consent_version) == (
        "en",
        "Luisa",
        "2027-01",
    )
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                select(Person.consent_version, Person.consented_at, Person.last_active_at).where(
                    Person.id == first.id
                )
            )
        ).one()
    assert tuple(row) == ("2027-01", later, later)
    assert await _count(db, Identity) == 1


async def test_no_person_without_a_consent_version(db: Database, world: World) -> None:
    people = await _count(db, Person)
    with pytest.raises(ConsentRequired):
        await register_with_consent(
            db, tenant_slug="aachen", identity="telegram:1", consent_version="", language="de",
            now=NOW,
        )  # fmt: skip
    assert await _count(db, Person) == people

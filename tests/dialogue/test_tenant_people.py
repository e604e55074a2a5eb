"""Each municipality is its own controller (issue 11, finding 2): the same
Telegram id talking to two tenants' bots is two people, with their own
conversation, consent and data; nothing one bot stores is seen by the other."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import select

from bots.bootstrap import App
from core.clock import FixedClock
from core.db import Database
from core.models import ConversationState, Identity, Person
from core.services.export import export_person
from core.services.people import delete_person, person_for_identity
from core.tenants import TenantConfig
from tests.dialogue.conftest import make_app
from tests.dialogue.harness import Conversation

SAME_ID = "telegram:4242"


async def _app(
    db: Database, clock: FixedClock, tenants: dict[str, TenantConfig], tmp_path: Path
) -> App:
    stolberg = tenants["stolberg"]
    # Stolberg asks for a newer consent than Aachen: each keeps its own.
    newer = dataclasses.replace(
        stolberg, privacy=dataclasses.replace(stolberg.privacy, consent_version="2027-01")
    )
    return await make_app(db, clock, {**tenants, "stolberg": newer}, tmp_path)


async def test_same_telegram_id_in_two_municipalities_is_two_people(
    db: Database, clock: FixedClock, tenants: dict[str, TenantConfig], tmp_path: Path
) -> None:
    app = await _app(db, clock, tenants, tmp_path)
    aachen = Conversation(app, identity=SAME_ID, tenant="aachen")
    stolberg = Conversation(app, identity=SAME_ID, tenant="stolberg")

    await aachen.command("start")
    await aachen.press("f:consent:yes")
    in_aachen = await aachen.state()
    assert in_aachen.flow == "onboarding" and in_aachen.slot != "consent"

    # Stolberg's bot knows nothing of the Aachen conversation: it asks for consent.
    await stolberg.command("start")
    assert "f:consent:yes" in stolberg.payloads()
    assert (await stolberg.state()).slot == "consent"
    assert await person_for_identity(app.db, SAME_ID, "stolberg") is None

    await stolberg.press("f:consent:yes")
    # Aachen's conversation is where it was.
    assert (await aachen.state()).slot == in_aachen.slot

    async with app.db.sessions() as session:
        people = (await session.execute(select(Person.tenant_id, Person.consent_version))).all()
        identities = (await session.execute(select(Identity.tenant_id, Identity.key))).all()
        states = (await session.execute(select(ConversationState.tenant_slug))).scalars().all()
    assert sorted(people) == sorted(
        [(app.tenant_ids["aachen"], "2026-11"), (app.tenant_ids["stolberg"], "2027-01")]
    )
    assert sorted(identities) == sorted(
        [(app.tenant_ids["aachen"], SAME_ID), (app.tenant_ids["stolberg"], SAME_ID)]
    )
    assert sorted(states) == ["aachen", "stolberg"]

    # Erasure in one municipality leaves the other's person alone.
    in_stolberg = await person_for_identity(app.db, SAME_ID, "stolberg")
    kept = await person_for_identity(app.db, SAME_ID, "aachen")
    assert in_stolberg is not None and kept is not None and in_stolberg.id != kept.id
    await delete_person(app.db, in_stolberg.id, clock.now())
    assert await person_for_identity(app.db, SAME_ID, "aachen") == kept
    exported = await export_person(app.db, kept.id)
    assert exported["person"]["consent_version"] == "2026-11"
    assert [c["tenant_slug"] for c in exported["conversations"]] == ["aachen"]

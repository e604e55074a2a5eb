"""Issue 14: an organisation answers an offer another organisation posted
(the Printenbäckerei's van on weekends) through the relay. The message reaches
the offering organisation's chat-linked members (one ``relay_to_member``
outbox row each, never the writer) and its web inbox; their answer threads
back to the message answered and reaches the writer's members and inbox.
An organisation cannot answer its own offer; a suspended one writes nothing.

Personas: the Tafel (Aachen, ``world.org``) needs a van for its pick-ups;
Öcher Printenbäckerei GmbH lends one; Jana is a chat-linked member of the
bakery, Tom of the Tafel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.db import Database
from core.errors import NotAllowed
from core.models import (
    Identity,
    Membership,
    Offer,
    Organisation,
    OrgKind,
    RelayDirection,
    RelayMessage,
    Reminder,
)
from core.models.organisation import Role
from core.reminders import kinds
from core.services import relay
from tests.core.conftest import NOW


async def _bakery_with_van(db: Database, world: Any) -> tuple[int, int, int, int]:
    """(bakery, its van offer, Jana (bakery member), Tom (Tafel member))."""
    jana, tom = world.people[0], world.people[1]
    async with db.transaction() as session:
        bakery = Organisation(
            tenant_id=world.aachen, name="Öcher Printenbäckerei", kind=OrgKind.VEREIN,
            created_at=NOW,
        )  # fmt: skip
        session.add(bakery)
        await session.flush()
        van = Offer(
            tenant_id=world.aachen, organisation_id=bakery.id, person_id=None,
            title="Transporter am Wochenende", kind="resource", resource="van",
            place_label="Aachen", created_at=NOW, active=True,
        )  # fmt: skip
        session.add(van)
        for person, org in ((jana, bakery.id), (tom, world.org)):
            session.add(
                Membership(
                    tenant_id=world.aachen,
                    organisation_id=org,
                    person_id=person,
                    role=Role.MEMBER,
                    created_at=NOW,
                )
            )
            session.add(
                Identity(
                    key=f"telegram:{person}",
                    channel="telegram",
                    person_id=person,
                    tenant_id=world.aachen,
                    created_at=NOW,
                )
            )
        await session.flush()
        return bakery.id, van.id, jana, tom


async def _member_rows(db: Database) -> list[tuple[int | None, int]]:
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Reminder.person_id, Reminder.data).where(
                    Reminder.kind == kinds.RELAY_TO_MEMBER.name
                )
            )
        ).all()
    return sorted((p, int(d["message_id"])) for p, d in rows)


async def test_an_organisation_answers_a_companys_offer_and_the_answer_threads_back(
    db: Database, world: Any
) -> None:
    bakery, van, jana, tom = await _bakery_with_van(db, world)
    sent = await relay.answer_offer(
        db, world.org, van, "Könnten wir den Transporter am Samstag leihen?", now=NOW,
        member_person_id=tom,
    )  # fmt: skip
    assert sent.to_organisation == "Öcher Printenbäckerei" and sent.person_id == 0
    async with db.sessions() as session:
        first = await session.get(RelayMessage, sent.message_id)
    assert first is not None
    assert (first.direction, first.organisation_id, first.from_organisation_id) == (
        RelayDirection.BETWEEN_ORGS, bakery, world.org,
    )  # fmt: skip
    assert (first.offer_id, first.person_id, first.reply_to_id) == (van, None, None)
    # Jana's chat gets it (Tom, who wrote it, is no member of the bakery anyway).
    assert await _member_rows(db) == [(jana, first.id)]
    notice = await relay.member_notice(db, first.id)
    assert notice is not None
    assert (notice.kind, notice.volunteer, notice.about, notice.organisation) == (
        "org_offer", "Tafel", "Transporter am Wochenende", "Öcher Printenbäckerei",
    )  # fmt: skip
    # The bakery's web inbox: from the Tafel, unread, answerable; the Tafel's: to the bakery.
    (item,) = await relay.inbox(db, bakery)
    assert (item.incoming, item.volunteer, item.read) == (True, "Tafel", False)
    assert await relay.unread_count(db, bakery) == 1
    (mine,) = await relay.inbox(db, world.org)
    assert (mine.incoming, mine.volunteer) == (False, "Öcher Printenbäckerei")
    assert await relay.unread_count(db, world.org) == 0
    assert await relay.message_to_org(db, bakery, first.id) is not None
    assert await relay.message_to_org(db, world.org, first.id) is None

    # Jana answers in her chat: threaded to the Tafel's message, to the Tafel.
    later = NOW + timedelta(minutes=5)
    back = await relay.answer(
        db, bakery, first.id, "Ja, ab 9 Uhr am Hof.", now=later, member_person_id=jana
    )
    assert back.to_organisation == "Tafel"
    async with db.sessions() as session:
        reply = await session.get(RelayMessage, back.message_id)
    assert reply is not None
    assert (reply.organisation_id, reply.from_organisation_id, reply.reply_to_id) == (
        world.org, bakery, first.id,
    )  # fmt: skip
    assert (jana, first.id) in await _member_rows(db)
    assert (tom, reply.id) in await _member_rows(db)
    notice = await relay.member_notice(db, reply.id)
    assert notice is not None and (notice.kind, notice.volunteer) == (
        "org_reply", "Öcher Printenbäckerei",
    )  # fmt: skip
    assert await relay.unread_count(db, world.org) == 1
    assert await relay.unread_count(db, bakery) == 0  # answered: read
    # And the Tafel answers that one in turn, threaded to it.
    again = await relay.answer(db, world.org, reply.id, "Danke, bis Samstag!", now=later)
    async with db.sessions() as session:
        last = await session.get(RelayMessage, again.message_id)
    assert last is not None and (last.organisation_id, last.reply_to_id) == (bakery, reply.id)


async def test_an_organisation_cannot_answer_its_own_offer_nor_write_for_another(
    db: Database, world: Any
) -> None:
    bakery, van, jana, _tom = await _bakery_with_van(db, world)
    with pytest.raises(NotAllowed):
        await relay.answer_offer(db, bakery, van, "an uns selbst", now=NOW)
    with pytest.raises(NotAllowed):  # Jana is no member of the Tafel
        await relay.answer_offer(db, world.org, van, "Hallo", now=NOW, member_person_id=jana)
    sent = await relay.answer_offer(db, world.org, van, "Hallo", now=NOW)
    with pytest.raises(NotAllowed):  # the Tafel cannot "answer" its own message
        await relay.answer(db, world.org, sent.message_id, "Hallo?", now=NOW)
    async with db.transaction() as session:
        org = await session.get(Organisation, bakery)
        assert org is not None
        org.suspended_at = NOW
    with pytest.raises(NotAllowed):  # nothing reaches a suspended organisation
        await relay.answer_offer(db, world.org, van, "Noch da?", now=NOW)

"""Organisation notices on both backends (issue 14.2): one row per event, one
outbox row per chat-linked member (not the volunteer, not whoever caused
it), the inbox view with the chosen name, the digest to web-only members."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.db import Database
from core.errors import InvalidValue
from core.models import Account, Identity, Membership, QueuedMail, Reminder, Role
from core.services.needs import post_need
from core.services.org_notices import enqueue_digests, mark_read, notices_of
from core.services.signup import mark_no_show, sign_up, withdraw
from tests.core.conftest import BERLIN, NOW


async def _members(db: Database, world: Any) -> tuple[int, int]:
    """Two chat members of the organisation (P0, P1) and a web-only account."""
    chat_a, chat_b = world.people[0], world.people[1]
    async with db.transaction() as session:
        account = Account(
            email="tafel@example.org", display_name="Petra", created_at=NOW,
            email_verified_at=NOW, password_hash="x",
        )  # fmt: skip
        session.add(account)
        await session.flush()
        for i, person in enumerate((chat_a, chat_b)):
            session.add(
                Identity(
                    key=f"telegram:{900 + i}",
                    channel="telegram",
                    person_id=person,
                    tenant_id=world.aachen,
                    created_at=NOW,
                )
            )
        for person, acc in ((chat_a, None), (chat_b, None), (None, account.id)):
            session.add(
                Membership(
                    tenant_id=world.aachen,
                    organisation_id=world.org,
                    person_id=person,
                    account_id=acc,
                    role=Role.MEMBER,
                    created_at=NOW,
                )
            )
    return chat_a, chat_b


async def _notice_reminders(db: Database) -> list[tuple[int | None, dict[str, Any]]]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(Reminder.person_id, Reminder.data)
            .where(Reminder.kind == "org_notice")
            .order_by(Reminder.id)
        )
        return [(p, dict(d)) for p, d in rows.all()]


async def test_notices_reach_each_chat_member_once_and_the_inbox(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any
) -> None:
    chat_a, chat_b = await _members(db, world)
    ref = await post_need(
        db, organisation_id=world.org, data=need_input(helpers_wanted=2), taxonomy=taxonomy,
        places=places, now=NOW, tz=BERLIN, actor="test",
    )  # fmt: skip
    volunteer = world.people[3]  # display name "P3"
    signed = await sign_up(db, volunteer, ref.id, NOW)
    await withdraw(db, volunteer, signed.engagement_id, NOW + timedelta(minutes=1))

    sent = await _notice_reminders(db)
    assert [p for p, _ in sent] == [chat_a, chat_b, chat_a, chat_b]
    assert len({d["notice"] for _, d in sent}) == 2

    notices = await notices_of(db, world.org)
    assert [(n.kind, n.volunteer, n.read) for n in notices] == [
        ("withdrawn", "P3", False),
        ("signed_up", "P3", False),
    ]
    await mark_read(db, world.org, NOW + timedelta(minutes=2))
    assert all(n.read for n in await notices_of(db, world.org))
    assert await notices_of(db, world.stolberg_org) == []

    # The digest goes to the web-only member, once.
    assert await enqueue_digests(db, NOW + timedelta(hours=1)) == 1
    assert await enqueue_digests(db, NOW + timedelta(hours=2)) == 0
    async with db.sessions() as session:
        mail = await session.scalar(select(QueuedMail).where(QueuedMail.kind == "org_digest"))
    assert mail is not None and mail.recipient == "tafel@example.org"
    assert mail.data["signed_up"] == 1 and mail.data["withdrawn"] == 1


async def test_no_show_is_not_told_to_who_noted_it_and_only_after_the_start(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any
) -> None:
    chat_a, chat_b = await _members(db, world)
    ref = await post_need(
        db, organisation_id=world.org, data=need_input(), taxonomy=taxonomy,
        places=places, now=NOW, tz=BERLIN, actor="test",
    )  # fmt: skip
    signed = await sign_up(db, world.people[3], ref.id, NOW)
    with pytest.raises(InvalidValue):
        await mark_no_show(db, world.org, signed.engagement_id, actor="t", now=NOW)
    later = NOW + timedelta(days=5)
    await mark_no_show(
        db, world.org, signed.engagement_id, actor="t", now=later, actor_person_id=chat_a
    )
    sent = await _notice_reminders(db)
    assert [p for p, _ in sent][-1:] == [chat_b]  # the sign-up went to both, the no-show to B
    assert [n.kind for n in await notices_of(db, world.org)] == ["no_show", "signed_up"]


async def test_no_show_of_a_weekly_need_waits_for_its_first_date(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any
) -> None:
    from datetime import datetime, time

    from core.schedule import Weekly

    # Posted on Tuesday 1 December; the series meets on Wednesdays 15-17.
    weekly = need_input(starts_at=None, ends_at=None, weekly=Weekly(("mi",), time(15), time(17)))
    ref = await post_need(
        db, organisation_id=world.org, data=weekly, taxonomy=taxonomy,
        places=places, now=NOW, tz=BERLIN, actor="test",
    )  # fmt: skip
    signed = await sign_up(db, world.people[3], ref.id, NOW)
    with pytest.raises(InvalidValue):  # nothing has taken place yet
        await mark_no_show(db, world.org, signed.engagement_id, actor="t", now=NOW)
    with pytest.raises(InvalidValue):  # Wednesday, before the first date began
        await mark_no_show(
            db, world.org, signed.engagement_id, actor="t",
            now=datetime(2026, 12, 2, 14, 59, tzinfo=BERLIN),
        )  # fmt: skip
    await mark_no_show(
        db, world.org, signed.engagement_id, actor="t",
        now=datetime(2026, 12, 2, 17, 30, tzinfo=BERLIN),
    )  # fmt: skip
    assert [n.kind for n in await notices_of(db, world.org)] == ["no_show", "signed_up"]


async def test_a_second_no_show_for_the_same_date_changes_nothing(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any
) -> None:
    from datetime import datetime, time

    from core.models import AuditEvent
    from core.schedule import Weekly

    chat_a, _ = await _members(db, world)
    once = await post_need(
        db, organisation_id=world.org, data=need_input(), taxonomy=taxonomy,
        places=places, now=NOW, tz=BERLIN, actor="test",
    )  # fmt: skip
    weekly = await post_need(
        db, organisation_id=world.org, taxonomy=taxonomy, places=places, now=NOW, tz=BERLIN,
        data=need_input(starts_at=None, ends_at=None, weekly=Weekly(("mi",), time(15), time(17))),
        actor="test",
    )  # fmt: skip
    on_once = await sign_up(db, world.people[3], once.id, NOW)
    on_weekly = await sign_up(db, world.people[4], weekly.id, NOW)
    later = NOW + timedelta(days=5)

    async def mark(engagement_id: int, at: datetime) -> bool:
        return await mark_no_show(
            db, world.org, engagement_id, actor="t", now=at, actor_person_id=chat_a
        )

    async def counts() -> tuple[int, int, int]:
        async with db.sessions() as session:
            audits = (
                await session.scalars(select(AuditEvent).where(AuditEvent.action == "no_show"))
            ).all()
        return len(audits), len(await notices_of(db, world.org)), len(await _notice_reminders(db))

    assert await mark(on_once.engagement_id, later) is True
    before = await counts()
    assert await mark(on_once.engagement_id, later + timedelta(hours=1)) is False
    assert await counts() == before  # no audit, no notice, no message

    wednesday = datetime(2026, 12, 2, 17, 30, tzinfo=BERLIN)
    assert await mark(on_weekly.engagement_id, wednesday) is True
    before = await counts()
    assert await mark(on_weekly.engagement_id, wednesday + timedelta(hours=2)) is False
    assert await counts() == before
    # the next Wednesday is another date: noted anew
    assert await mark(on_weekly.engagement_id, wednesday + timedelta(days=7)) is True
    assert (await counts())[0] == before[0] + 1

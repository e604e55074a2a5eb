"""DSGVO erasure removes everything personal and keeps only anonymous counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bots.bootstrap import bootstrap
from core.clock import FixedClock
from core.db import Database
from core.models import (
    ConversationState,
    Engagement,
    Identity,
    Organisation,
    OrgKind,
    Person,
    RelayMessage,
    Reminder,
    WebChatLine,
)
from core.services.needs import NeedInput, post_need
from core.services.people import delete_person, register_with_consent
from core.services.signup import sign_up
from core.settings import Settings

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def test_erasure_leaves_nothing_personal(db: Database, tmp_path: Path) -> None:
    app = await bootstrap(Settings.from_env(data_dir=tmp_path), db=db, clock=FixedClock(NOW))
    async with db.transaction() as session:
        org = Organisation(
            tenant_id=app.tenant_ids["stolberg"],
            name="Tafel (Test)",
            kind=OrgKind.VEREIN,
            created_at=NOW,
        )
        session.add(org)
        await session.flush()
        org_id = org.id
    need = await post_need(
        db,
        organisation_id=org_id,
        data=NeedInput(
            title="Ausgabe",
            category="soziales",
            lat=50.77,
            lon=6.22,
            starts_at=NOW + timedelta(days=2),
            ends_at=NOW + timedelta(days=2, hours=2),
            helpers_wanted=1,
        ),
        taxonomy=app.taxonomy,
        places=app.places,
        now=NOW,
        tz=ZoneInfo("Europe/Berlin"),
        actor="test",
    )
    gone = await register_with_consent(
        db, tenant_slug="stolberg", identity="web:abc", consent_version="1", language="de", now=NOW
    )
    waiting = await register_with_consent(
        db, tenant_slug="stolberg", identity="web:def", consent_version="1", language="de", now=NOW
    )
    first = await sign_up(db, gone.id, need.id, NOW)
    second = await sign_up(db, waiting.id, need.id, NOW)
    async with db.transaction() as session:
        session.add(
            WebChatLine(identity="web:abc", tenant_slug="stolberg", html="Hallo", created_at=NOW)
        )
        session.add(
            ConversationState(identity="web:abc", tenant_slug="stolberg", data={}, updated_at=NOW)
        )
        session.add(
            RelayMessage(
                tenant_id=app.tenant_ids["stolberg"],
                organisation_id=org_id,
                need_id=need.id,
                person_id=gone.id,
                direction="from_volunteer",
                body="Meine Nummer ist 0123",
                delivered=True,
                created_at=NOW,
            )
        )

    await delete_person(db, gone.id, NOW)

    async with db.sessions() as session:

        async def count(model, *where) -> int:  # type: ignore[no-untyped-def]
            q = select(func.count()).select_from(model)
            return int(await session.scalar(q.where(*where) if where else q) or 0)

        assert await count(Person, Person.id == gone.id) == 0
        assert await count(Identity, Identity.key == "web:abc") == 0
        assert await count(WebChatLine, WebChatLine.identity == "web:abc") == 0
        assert await count(ConversationState, ConversationState.identity == "web:abc") == 0
        assert await count(RelayMessage) == 0
        assert await count(Reminder, Reminder.person_id == gone.id) == 0
        kept = await session.get(Engagement, first.engagement_id)
        moved = await session.get(Engagement, second.engagement_id)
    assert kept is not None and kept.person_id is None  # an anonymous count stays
    assert moved is not None and not moved.waitlisted  # the waitlist moved up

"""The private calendar link is personal data (issue 14.6): the export names
when it was made (never its token or hash), and erasure deletes it, so the
link opens nothing afterwards."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bots.bootstrap import bootstrap
from core.clock import FixedClock
from core.db import Database
from core.models import CalendarLink
from core.services.calendar_links import make_link, person_of
from core.services.export import export_person
from core.services.people import delete_person, register_with_consent
from core.settings import Settings

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def test_erasure_deletes_the_calendar_link(db: Database, tmp_path: Path) -> None:
    await bootstrap(Settings.from_env(data_dir=tmp_path), db=db, clock=FixedClock(NOW))
    luisa = await register_with_consent(
        db, tenant_slug="aachen", identity="telegram:111", consent_version="2026-11",
        language="de", now=NOW,
    )  # fmt: skip
    token = await make_link(db, luisa.id, NOW)
    assert await person_of(db, "aachen", token) == luisa.id

    exported = await export_person(db, luisa.id)
    assert exported["calendar_link"] == [
        {"id": exported["calendar_link"][0]["id"], "person_id": luisa.id,
         "tenant_id": luisa.tenant_id, "created_at": NOW.isoformat()}
    ]  # fmt: skip
    assert token not in str(exported)

    await delete_person(db, luisa.id, NOW)
    async with db.sessions() as session:
        left = await session.scalar(select(func.count()).select_from(CalendarLink))
    assert left == 0
    assert await person_of(db, "aachen", token) is None

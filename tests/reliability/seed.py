"""What the service's database holds before a run: the demo municipalities
and, beside the people who chat, people whose 2-hour reminders fall due
during the run (one every ``spacing`` seconds), so reminders are sent while
the load and the faults go on.

The service runs on a clock that starts at ``T0`` (10:00 in Aachen, outside
quiet hours, whatever the real time of day) and then runs at real speed;
the anchor keeps that time across a restart of the process."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.clock import FixedClock

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
REMINDER_CHAT_BASE = 600_000_000


@dataclass(frozen=True)
class RunClock:
    """The service's time: ``T0`` at the Unix time ``anchor``, real speed."""

    anchor: float

    @property
    def spec(self) -> str:
        return f"{T0.isoformat()}@1@{self.anchor}"

    def now(self) -> datetime:
        return T0 + timedelta(seconds=time.time() - self.anchor)


async def seed(
    url: str,
    tenants_dir: Path,
    data_dir: Path,
    clock: RunClock,
    *,
    reminder_people: int,
    first_due_in: float,
    spacing: float,
) -> list[int]:
    """Demo data plus ``reminder_people`` signed-up people; returns their chat ids."""
    from bots.bootstrap import bootstrap
    from core.models import Organisation, OrgKind
    from core.services.demo import seed_demo
    from core.services.moderation import review
    from core.services.needs import NeedInput, post_need
    from core.services.people import register_with_consent
    from core.services.profiles import ProfileData, save_profile
    from core.services.signup import sign_up
    from core.settings import Settings
    from core.tenants import load_tenants

    now = clock.now()
    app = await bootstrap(
        Settings.from_env(database_url=url, data_dir=data_dir),
        clock=FixedClock(now),
        tenants=load_tenants(tenants_dir),
    )
    tz = ZoneInfo("Europe/Berlin")
    chats: list[int] = []
    try:
        await seed_demo(
            app.db,
            tenants=app.tenants,
            tenant_ids=app.tenant_ids,
            taxonomy=app.taxonomy,
            places=app.places,
            now=now,
        )
        # Several organisations: one may post only so many needs a day.
        org_ids: list[int] = []
        async with app.db.transaction() as session:
            for n in range(reminder_people // 10 + 1):
                org = Organisation(
                    tenant_id=app.tenant_ids["aachen"],
                    name=f"Tafel Lastprobe {n + 1}",
                    kind=OrgKind.VEREIN,
                    verified=True,
                    created_at=now,
                )
                session.add(org)
                await session.flush()
                org_ids.append(org.id)
        for k in range(reminder_people):
            starts = now + timedelta(hours=2, seconds=first_due_in + k * spacing)
            need = await post_need(
                app.db,
                organisation_id=org_ids[k // 10],
                data=NeedInput(
                    title=f"Ausgabe {k}",
                    category="soziales",
                    lat=50.7606,
                    lon=6.0939,
                    place_label="Burtscheid",
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=30),
                    helpers_wanted=1,
                ),
                taxonomy=app.taxonomy,
                places=app.places,
                now=now,
                tz=tz,
                actor="test",
            )
            await review(
                app.db,
                app.tenant_ids["aachen"],
                need.id,
                approve=True,
                reason=None,
                actor="editor:test",
                now=now,
            )
            chat = REMINDER_CHAT_BASE + k
            person = await register_with_consent(
                app.db,
                tenant_slug="aachen",
                identity=f"telegram:{chat}",
                consent_version="2026-11",
                language="de",
                now=now,
            )
            profile = ProfileData(
                person_id=person.id,
                tenant_id=person.tenant_id,
                home_lat=50.7606,
                home_lon=6.0939,
                radius_km=10,
            )
            await save_profile(
                app.db, replace(profile, muted_kinds=("follow_up",)), app.taxonomy, now
            )
            await sign_up(app.db, person.id, need.id, now)
            chats.append(chat)
    finally:
        await app.close()
    return chats


async def sent_reminder_chats(url: str) -> list[str]:
    """Identities whose 2-hour reminder is recorded as sent."""
    from core.db import Database, create_engine
    from core.models import Identity, Reminder, ReminderStatus

    db = Database(create_engine(url))
    try:
        async with db.sessions() as session:
            return list(
                (
                    await session.scalars(
                        select(Identity.key)
                        .join(Reminder, Reminder.person_id == Identity.person_id)
                        .where(Reminder.kind == "before_2h", Reminder.status == ReminderStatus.SENT)
                    )
                ).all()
            )
    finally:
        await db.dispose()

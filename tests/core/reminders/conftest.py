"""A little world for reminder tests: the demo tenants, one organisation,
people with Telegram identities, and a channel that records what it sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bots.bootstrap import App, bootstrap
from core.clock import FixedClock
from core.db import Database
from core.models import Organisation, OrgKind
from core.reminders.alerts import run_alert_wave
from core.reminders.delivery import Outcome, deliver_due
from core.schedule import Weekly
from core.services.needs import NeedInput, post_need
from core.services.people import register_with_consent
from core.services.profiles import ProfileData, save_profile
from core.settings import Settings
from dialogue.notifications import ChannelSender, Renderer
from tests.fakes import RecordingNotifier

BERLIN = ZoneInfo("Europe/Berlin")
BURTSCHEID = (50.7606, 6.0939)


@dataclass
class World:
    app: App
    clock: FixedClock
    channel: RecordingNotifier
    org_id: int

    @property
    def db(self) -> Database:
        return self.app.db

    def now(self) -> datetime:
        return self.clock.now()

    async def person(
        self,
        name: str,
        *,
        lang: str = "de",
        at: tuple[float, float] = BURTSCHEID,
        alerts: bool = True,
        cells: tuple[str, ...] = (),
        spontaneous: bool = True,
        interests: tuple[str, ...] = ("soziales",),
        radius: float = 10.0,
    ) -> int:
        ref = await register_with_consent(
            self.db,
            tenant_slug="aachen",
            identity=f"telegram:{name}",
            consent_version="2026-11",
            language=lang,
            now=self.now(),
            display_name=name,
        )
        await save_profile(
            self.db,
            ProfileData(
                person_id=ref.id,
                tenant_id=ref.tenant_id,
                interests=interests,
                home_lat=at[0],
                home_lon=at[1],
                home_label="Burtscheid",
                radius_km=radius,
                availability=cells,
                spontaneous=spontaneous,
                urgent_alerts=alerts,
            ),
            self.app.taxonomy,
            self.now(),
        )
        return ref.id

    async def need(
        self,
        *,
        starts_in: timedelta = timedelta(days=3),
        hours: int = 3,
        helpers: int = 1,
        urgent: bool = False,
        title: str = "Tafel: Lebensmittel ausgeben",
        weekly: Weekly | None = None,
    ) -> int:
        starts = self.now() + starts_in
        ref = await post_need(
            self.db,
            organisation_id=self.org_id,
            data=NeedInput(
                title=title,
                category="soziales",
                lat=BURTSCHEID[0] + 0.01,
                lon=BURTSCHEID[1],
                place_label="Burtscheid",
                starts_at=None if weekly else starts,
                ends_at=None if weekly else starts + timedelta(hours=hours),
                weekly=weekly,
                helpers_wanted=helpers,
                urgent=urgent,
            ),
            taxonomy=self.app.taxonomy,
            places=self.app.places,
            now=self.now(),
            tz=BERLIN,
            actor="test",
        )
        return ref.id

    async def deliver(self) -> list[Outcome]:
        sender = ChannelSender(
            Renderer(self.db, self.app.tenants), {"telegram": self.channel}, self.clock
        )
        return await deliver_due(self.db, sender, self.now(), {"alert_wave": run_alert_wave})

    async def at(self, when: datetime) -> list[Outcome]:
        self.clock.set(when)
        return await self.deliver()


async def make_world(db: Database, clock: FixedClock, tmp_path: Path) -> World:
    app = await bootstrap(Settings.from_env(data_dir=tmp_path), clock=clock, db=db)
    # Stolberg does not moderate: needs are published at once.
    async with db.transaction() as session:
        org = Organisation(
            tenant_id=app.tenant_ids["stolberg"],
            name="Tafel Stolberg (Test)",
            kind=OrgKind.VEREIN,
            contact_name="Petra",
            phone="+49 000",
            verified=True,
            created_at=clock.now(),
        )
        session.add(org)
        await session.flush()
        org_id = org.id
    return World(app, clock, RecordingNotifier(), org_id)


@pytest.fixture
async def world(db: Database, clock: FixedClock, tmp_path: Path) -> World:
    return await make_world(db, clock, tmp_path)


@pytest.fixture
async def sqlite_world(sqlite_db: Database, clock: FixedClock, tmp_path: Path) -> World:
    return await make_world(sqlite_db, clock, tmp_path)

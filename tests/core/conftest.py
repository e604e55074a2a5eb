"""The small world core tests share: two neighbouring tenants, an organisation
each, people, and a place resolver that knows a handful of names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.errors import UnknownPlace
from core.models import Engagement, Need, Organisation, OrgKind, Person, Tenant
from core.services.needs import NeedInput
from core.taxonomy import Taxonomy

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # as tests/conftest.py
PLACES: dict[str, tuple[float, float, str]] = {
    "burtscheid": (50.7606, 6.0939, "Burtscheid"),
    "brand": (50.7489, 6.1650, "Brand"),
    "aachen": (50.7753, 6.0839, "Aachen"),
    "stolberg": (50.7703, 6.2271, "Stolberg (Rhld.)"),
}


class FakePlaces:
    """Resolves the names above; anything else is an unknown place."""

    def resolve(self, name: str, tenant_slug: str) -> tuple[float, float, str]:
        found = PLACES.get(name.strip().lower())
        if found is None:
            raise UnknownPlace(name, suggestions=["Burtscheid"])
        return found


@dataclass(frozen=True, slots=True)
class World:
    aachen: int
    stolberg: int
    org: int  # an Aachen organisation
    stolberg_org: int
    people: tuple[int, ...]


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


@pytest.fixture
def places() -> FakePlaces:
    return FakePlaces()


async def make_world(db: Database, *, moderation: bool = False, people: int = 6) -> World:
    async with db.transaction() as session:
        aachen = Tenant(
            slug="aachen",
            name="Stadt Aachen",
            center_lat=50.7753,
            center_lon=6.0839,
            radius_km=15,
            show_neighbours=True,
            moderation_required=moderation,
        )
        stolberg = Tenant(
            slug="stolberg",
            name="Stolberg",
            center_lat=50.7703,
            center_lon=6.2271,
            radius_km=12,
            show_neighbours=True,
            moderation_required=False,
        )
        session.add_all([aachen, stolberg])
        await session.flush()
        org = Organisation(tenant_id=aachen.id, name="Tafel", kind=OrgKind.VEREIN, created_at=NOW)
        s_org = Organisation(
            tenant_id=stolberg.id, name="Kupferhof", kind=OrgKind.VEREIN, created_at=NOW
        )
        persons = [
            Person(tenant_id=aachen.id, display_name=f"P{i}", created_at=NOW, last_active_at=NOW)
            for i in range(people)
        ]
        session.add_all([org, s_org, *persons])
        await session.flush()
        return World(aachen.id, stolberg.id, org.id, s_org.id, tuple(p.id for p in persons))


@pytest.fixture
async def world(db: Database) -> World:
    return await make_world(db)


def one_off(in_days: int = 4, **kw: object) -> NeedInput:
    """A one-off need on a local morning ``in_days`` after NOW."""
    day = NOW.astimezone(BERLIN).date() + timedelta(days=in_days)
    starts = datetime.combine(day, time(9), BERLIN)
    fields: dict[str, object] = {
        "title": "Hausaufgabenhilfe",
        "category": "kinder_jugend",
        "place": "Burtscheid",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
    }
    fields.update(kw)
    return NeedInput(**fields)  # type: ignore[arg-type]


async def row_counts(db: Database) -> tuple[int, int]:
    """(needs, engagements): what "nothing was written" compares."""
    async with db.sessions() as session:
        needs = await session.scalar(select(func.count()).select_from(Need))
        engagements = await session.scalar(select(func.count()).select_from(Engagement))
    return int(needs or 0), int(engagements or 0)


@pytest.fixture
def need_input() -> Callable[..., NeedInput]:
    """``need_input(in_days=4, **fields)``: a valid one-off need at 09-11 local."""
    return one_off


@pytest.fixture
def counts(db: Database) -> Callable[[], Awaitable[tuple[int, int]]]:
    return lambda: row_counts(db)


@pytest.fixture
def world_factory() -> Callable[..., Awaitable[World]]:
    return make_world

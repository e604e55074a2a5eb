"""Volunteer profiles: what a person cares about, where and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from core.availability import Availability
from core.db import Database
from core.errors import InvalidRadius, InvalidValue, UnknownCategory, UnknownQualification
from core.fanout import interest_mask
from core.matching import VolunteerView
from core.models import VolunteerProfile
from core.schedule import cells_of, mask_of
from core.taxonomy import Taxonomy

MAX_RADIUS_KM = 100.0


@dataclass(frozen=True, slots=True)
class ProfileData:
    person_id: int
    tenant_id: int
    interests: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    home_lat: float | None = None
    home_lon: float | None = None
    home_label: str | None = None
    radius_km: float = 10.0
    availability: tuple[str, ...] = ()
    spontaneous: bool = False
    urgent_alerts: bool = False
    digest: bool = False
    paused_until: datetime | None = None
    muted_kinds: tuple[str, ...] = field(default_factory=tuple)

    def volunteer_view(self) -> VolunteerView:
        return VolunteerView(
            person_id=self.person_id, tenant_id=self.tenant_id,
            interests=frozenset(self.interests), qualifications=frozenset(self.qualifications),
            lat=self.home_lat, lon=self.home_lon, radius_km=self.radius_km,
            availability_mask=mask_of(self.availability), spontaneous=self.spontaneous,
        )


def validate_profile(data: ProfileData, taxonomy: Taxonomy) -> None:
    for code in data.interests:
        if not taxonomy.is_category(code):
            raise UnknownCategory(code=code)
    for code in data.qualifications:
        if not taxonomy.is_qualification(code):
            raise UnknownQualification(code=code)
    if not 0 < data.radius_km <= MAX_RADIUS_KM:
        raise InvalidRadius(radius=data.radius_km)
    if (data.home_lat is None) != (data.home_lon is None):
        raise InvalidValue(field="location")
    if data.home_lat is not None and not (-90 <= data.home_lat <= 90 and -180 <= data.home_lon <= 180):  # type: ignore[operator]
        raise InvalidValue(field="location")
    Availability(frozenset(data.availability), data.spontaneous)  # raises on unknown cells


async def save_profile(db: Database, data: ProfileData, taxonomy: Taxonomy, now: datetime) -> None:
    """Create or replace a person's profile; invalid input changes nothing."""
    validate_profile(data, taxonomy)
    async with db.transaction() as session:
        row = await session.get(VolunteerProfile, data.person_id)
        if row is None:
            row = VolunteerProfile(person_id=data.person_id)
            session.add(row)
        row.tenant_id = data.tenant_id
        row.interests = list(dict.fromkeys(data.interests))
        row.interest_mask = interest_mask(row.interests)
        row.qualifications = list(dict.fromkeys(data.qualifications))
        row.home_lat, row.home_lon, row.home_label = data.home_lat, data.home_lon, data.home_label
        row.radius_km = data.radius_km
        row.availability_mask = mask_of(data.availability)
        row.spontaneous = data.spontaneous
        row.urgent_alerts = data.urgent_alerts
        row.digest = data.digest
        row.paused_until = data.paused_until
        row.muted_kinds = list(data.muted_kinds)
        row.updated_at = now


async def get_profile(db: Database, person_id: int) -> ProfileData | None:
    async with db.sessions() as session:
        row = await session.get(VolunteerProfile, person_id)
    if row is None:
        return None
    return ProfileData(
        person_id=row.person_id, tenant_id=row.tenant_id, interests=tuple(row.interests),
        qualifications=tuple(row.qualifications), home_lat=row.home_lat, home_lon=row.home_lon,
        home_label=row.home_label, radius_km=row.radius_km,
        availability=tuple(cells_of(row.availability_mask)), spontaneous=row.spontaneous,
        urgent_alerts=row.urgent_alerts, digest=row.digest, paused_until=row.paused_until,
        muted_kinds=tuple(row.muted_kinds),
    )


async def pause(db: Database, person_id: int, until: datetime | None) -> None:
    """Pause unsolicited messages until a time (None resumes them)."""
    async with db.transaction() as session:
        row = await session.get(VolunteerProfile, person_id)
        if row is not None:
            row.paused_until = until


async def profiles_count(db: Database) -> int:
    from sqlalchemy import func

    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(VolunteerProfile)) or 0)

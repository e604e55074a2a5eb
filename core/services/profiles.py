"""Volunteer profiles: what a person cares about, where and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import Insert, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.availability import Availability
from core.db import Database
from core.errors import InvalidRadius, InvalidValue, UnknownCategory, UnknownQualification
from core.fanout import interest_mask, sync_alert_reach
from core.matching import VolunteerView
from core.models import AlertReach, VolunteerProfile
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
    digest_weekday: int = 0  # 0 = Monday, in the tenant's zone
    digest_hour: int = 18
    paused_until: datetime | None = None
    muted_kinds: tuple[str, ...] = field(default_factory=tuple)

    def volunteer_view(self) -> VolunteerView:
        return VolunteerView(
            person_id=self.person_id,
            tenant_id=self.tenant_id,
            interests=frozenset(self.interests),
            qualifications=frozenset(self.qualifications),
            lat=self.home_lat,
            lon=self.home_lon,
            radius_km=self.radius_km,
            availability_mask=mask_of(self.availability),
            spontaneous=self.spontaneous,
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
    if not (0 <= data.digest_weekday <= 6 and 0 <= data.digest_hour <= 23):
        raise InvalidValue(field="digest")
    if (data.home_lat is None) != (data.home_lon is None):
        raise InvalidValue(field="location")
    if data.home_lat is not None and not (
        -90 <= data.home_lat <= 90 and -180 <= data.home_lon <= 180  # type: ignore[operator]
    ):
        raise InvalidValue(field="location")
    Availability(frozenset(data.availability), data.spontaneous)  # raises on unknown cells


async def save_profile(db: Database, data: ProfileData, taxonomy: Taxonomy, now: datetime) -> None:
    """Create or replace a person's profile; invalid input changes nothing."""
    validate_profile(data, taxonomy)
    interests = list(dict.fromkeys(data.interests))
    row = {
        "person_id": data.person_id,
        "tenant_id": data.tenant_id,
        "interests": interests,
        "interest_mask": interest_mask(interests),
        "qualifications": list(dict.fromkeys(data.qualifications)),
        "home_lat": data.home_lat,
        "home_lon": data.home_lon,
        "home_label": data.home_label,
        "radius_km": data.radius_km,
        "availability_mask": mask_of(data.availability),
        "spontaneous": data.spontaneous,
        "urgent_alerts": data.urgent_alerts,
        "digest": data.digest,
        "digest_weekday": data.digest_weekday,
        "digest_hour": data.digest_hour,
        "paused_until": data.paused_until,
        "muted_kinds": list(data.muted_kinds),
        "updated_at": now,
    }
    async with db.engine.begin() as conn:
        # The profile row exists before its alert rows.
        await conn.execute(_upsert(conn.dialect.name), row)
        await sync_alert_reach(conn, row)


@cache
def _upsert(dialect: str) -> Insert:
    """Insert the profile or replace the columns ``save_profile`` sets (the
    quiet hours stay): one statement on SQLite and PostgreSQL."""
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(VolunteerProfile)
    return stmt.on_conflict_do_update(
        index_elements=[VolunteerProfile.person_id],
        set_={name: stmt.excluded[name] for name in _SAVED if name != "person_id"},
    )


_SAVED = (
    "person_id",
    "tenant_id",
    "interests",
    "interest_mask",
    "qualifications",
    "home_lat",
    "home_lon",
    "home_label",
    "radius_km",
    "availability_mask",
    "spontaneous",
    "urgent_alerts",
    "digest",
    "digest_weekday",
    "digest_hour",
    "paused_until",
    "muted_kinds",
    "updated_at",
)


_PROFILE = select(
    VolunteerProfile.person_id,
    VolunteerProfile.tenant_id,
    VolunteerProfile.interests,
    VolunteerProfile.qualifications,
    VolunteerProfile.home_lat,
    VolunteerProfile.home_lon,
    VolunteerProfile.home_label,
    VolunteerProfile.radius_km,
    VolunteerProfile.availability_mask,
    VolunteerProfile.spontaneous,
    VolunteerProfile.urgent_alerts,
    VolunteerProfile.digest,
    VolunteerProfile.digest_weekday,
    VolunteerProfile.digest_hour,
    VolunteerProfile.paused_until,
    VolunteerProfile.muted_kinds,
).where(VolunteerProfile.person_id == bindparam("person_id"))


async def get_profile(db: Database, person_id: int) -> ProfileData | None:
    # Columns, not the ORM row: this runs on nearly every page of matches.
    rows = await db.rows(_PROFILE, {"person_id": person_id})
    if not rows:
        return None
    row = rows[0]
    (pid, tenant_id, interests, quals, lat, lon, label, radius, mask, spontaneous, alerts,
     digest, digest_weekday, digest_hour, paused_until, muted) = row  # fmt: skip
    return ProfileData(
        person_id=pid,
        tenant_id=tenant_id,
        interests=tuple(interests),
        qualifications=tuple(quals),
        home_lat=lat,
        home_lon=lon,
        home_label=label,
        radius_km=radius,
        availability=tuple(cells_of(mask)),
        spontaneous=spontaneous,
        urgent_alerts=alerts,
        digest=digest,
        digest_weekday=digest_weekday,
        digest_hour=digest_hour,
        paused_until=paused_until,
        muted_kinds=tuple(muted),
    )


async def pause(db: Database, person_id: int, until: datetime | None) -> None:
    """Pause unsolicited messages until a time (None resumes them)."""
    async with db.transaction() as session:
        row = await session.get(VolunteerProfile, person_id)
        if row is not None:
            row.paused_until = until
            await session.execute(
                update(AlertReach)
                .where(AlertReach.person_id == person_id)
                .values(paused_until=until)
            )


async def profiles_count(db: Database) -> int:
    from sqlalchemy import func

    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(VolunteerProfile)) or 0)

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
from core.errors import (
    ConsentRequired,
    InvalidRadius,
    InvalidValue,
    UnknownCategory,
    UnknownQualification,
)
from core.fanout import interest_mask, sync_alert_reach
from core.matching import VolunteerView
from core.models import AlertReach, Person, VolunteerProfile
from core.schedule import cells_of, mask_of
from core.taxonomy import Taxonomy

MAX_RADIUS_KM = 100.0


@dataclass(frozen=True, slots=True)
class ProfileData:
    person_id: int
    tenant_id: int
    interests: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    # Said "habe ich nicht": only these hide a need asking for one.
    lacks_qualifications: tuple[str, ...] = ()
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
            lacks_qualifications=frozenset(self.lacks_qualifications),
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
    for code in (*data.qualifications, *data.lacks_qualifications):
        if not taxonomy.is_qualification(code):
            raise UnknownQualification(code=code)
    if set(data.qualifications) & set(data.lacks_qualifications):
        raise InvalidValue(field="qualifications")
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
        "lacks_qualifications": list(dict.fromkeys(data.lacks_qualifications)),
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
    "lacks_qualifications",
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
    VolunteerProfile.lacks_qualifications,
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
    (pid, tenant_id, interests, quals, lacks, lat, lon, label, radius, mask, spontaneous, alerts,
     digest, digest_weekday, digest_hour, paused_until, muted) = row  # fmt: skip
    return ProfileData(
        person_id=pid,
        tenant_id=tenant_id,
        interests=tuple(interests),
        qualifications=tuple(quals),
        lacks_qualifications=tuple(lacks or ()),
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


async def record_qualification(
    db: Database,
    person_id: int,
    code: str,
    has: bool,
    taxonomy: Taxonomy,
    now: datetime,
) -> ProfileData:
    """Record one answer about a qualification ("Hast du ein erweitertes
    Führungszeugnis?"): ``has`` moves ``code`` into the qualifications, ``not
    has`` into ``lacks_qualifications``; it leaves the other list. Only a code
    in ``lacks_qualifications`` hides needs that ask for it.

    A person without a profile yet gets one holding just this answer (the
    rest at its defaults), so the answer is never lost. Raises
    ``UnknownQualification`` for a code not in the taxonomy and
    ``ConsentRequired`` when there is no such person (people exist only with
    consent); either changes nothing. Returns the profile as saved."""
    if not taxonomy.is_qualification(code):
        raise UnknownQualification(code=code)
    async with db.transaction() as session:
        # Locked on PostgreSQL: two answers at once must not undo each other.
        row = await session.get(VolunteerProfile, person_id, with_for_update=True)
        if row is None:
            tenant_id = await session.scalar(select(Person.tenant_id).where(Person.id == person_id))
            if tenant_id is None:
                raise ConsentRequired()
            row = VolunteerProfile(
                person_id=person_id,
                tenant_id=tenant_id,
                interests=[],
                interest_mask=0,
                qualifications=[],
                lacks_qualifications=[],
                muted_kinds=[],
                updated_at=now,
            )
            session.add(row)
        keep, drop = (
            (row.qualifications, row.lacks_qualifications)
            if has
            else (row.lacks_qualifications, row.qualifications)
        )
        kept = [*keep, code] if code not in keep else list(keep)
        dropped = [c for c in drop if c != code]
        if has:
            row.qualifications, row.lacks_qualifications = kept, dropped
        else:
            row.qualifications, row.lacks_qualifications = dropped, kept
        row.updated_at = now
    profile = await get_profile(db, person_id)
    assert profile is not None
    return profile


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

"""Saving a profile: created, then replaced in place, its alert rows copied
along; what the save does not set (quiet hours) stays."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from core.db import Database
from core.errors import ConsentRequired, InvalidRadius, InvalidValue, UnknownQualification
from core.models import AlertReach, VolunteerProfile
from core.services.profiles import ProfileData, get_profile, record_qualification, save_profile
from core.taxonomy import Taxonomy
from tests.core.conftest import World

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _luisa(person_id: int, tenant_id: int, **kw: object) -> ProfileData:
    """Luisa aus Burtscheid: children and environment, Saturday mornings."""
    fields: dict[str, object] = {
        "person_id": person_id,
        "tenant_id": tenant_id,
        "interests": ("kinder_jugend", "umwelt", "umwelt"),
        "home_lat": 50.7606,
        "home_lon": 6.0939,
        "home_label": "Burtscheid",
        "radius_km": 5.0,
        "availability": ("sa:vormittag",),
        "urgent_alerts": True,
    }
    fields.update(kw)
    return ProfileData(**fields)  # type: ignore[arg-type]


async def _reach(db: Database, person_id: int) -> list[tuple[str, float]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(AlertReach.category, AlertReach.radius_km)
            .where(AlertReach.person_id == person_id)
            .order_by(AlertReach.category)
        )
        return [(c, r) for c, r in rows.all()]


async def test_a_new_profile_is_saved_with_one_alert_row_per_interest(
    db: Database, world: World, taxonomy: Taxonomy
) -> None:
    person = world.people[0]
    await save_profile(db, _luisa(person, world.aachen), taxonomy, NOW)
    saved = await get_profile(db, person)
    assert saved is not None
    assert saved.interests == ("kinder_jugend", "umwelt")
    assert saved.availability == ("sa:vormittag",)
    assert saved.home_label == "Burtscheid"
    assert await _reach(db, person) == [("kinder_jugend", 5.0), ("umwelt", 5.0)]


async def test_saving_again_replaces_the_profile_and_keeps_the_quiet_hours(
    db: Database, world: World, taxonomy: Taxonomy
) -> None:
    person = world.people[0]
    await save_profile(db, _luisa(person, world.aachen), taxonomy, NOW)
    async with db.transaction() as session:
        await session.execute(
            update(VolunteerProfile)
            .where(VolunteerProfile.person_id == person)
            .values(quiet_start="22:00")
        )
    await save_profile(
        db, _luisa(person, world.aachen, interests=("tiere",), radius_km=8.0), taxonomy, NOW
    )
    saved = await get_profile(db, person)
    assert saved is not None and saved.interests == ("tiere",) and saved.radius_km == 8.0
    assert await _reach(db, person) == [("tiere", 8.0)]
    async with db.engine.connect() as conn:
        quiet = await conn.scalar(
            select(VolunteerProfile.quiet_start).where(VolunteerProfile.person_id == person)
        )
    assert quiet == "22:00"
    await save_profile(db, _luisa(person, world.aachen, urgent_alerts=False), taxonomy, NOW)
    assert await _reach(db, person) == []


async def test_an_invalid_profile_changes_nothing(
    db: Database, world: World, taxonomy: Taxonomy
) -> None:
    person = world.people[0]
    await save_profile(db, _luisa(person, world.aachen), taxonomy, NOW)
    with pytest.raises(InvalidRadius):
        await save_profile(db, _luisa(person, world.aachen, radius_km=0.0), taxonomy, NOW)
    saved = await get_profile(db, person)
    assert saved is not None and saved.radius_km == 5.0


async def test_an_answer_about_a_qualification_moves_it_between_has_and_lacks(
    db: Database, world: World, taxonomy: Taxonomy
) -> None:
    person = world.people[0]
    await save_profile(
        db, _luisa(person, world.aachen, qualifications=("erste_hilfe",)), taxonomy, NOW
    )
    # "Nein, ein Führungszeugnis habe ich (noch) nicht."
    saved = await record_qualification(db, person, "fuehrungszeugnis", False, taxonomy, NOW)
    assert saved.qualifications == ("erste_hilfe",)
    assert saved.lacks_qualifications == ("fuehrungszeugnis",)
    assert saved.volunteer_view().lacks_qualifications == frozenset({"fuehrungszeugnis"})
    # Later she has applied for it and got it.
    await record_qualification(db, person, "fuehrungszeugnis", True, taxonomy, NOW)
    again = await get_profile(db, person)
    assert again is not None
    assert again.qualifications == ("erste_hilfe", "fuehrungszeugnis")
    assert again.lacks_qualifications == ()
    assert again.interests == ("kinder_jugend", "umwelt") and again.home_label == "Burtscheid"
    # Saving the profile as read keeps both lists.
    await save_profile(db, again, taxonomy, NOW)
    kept = await get_profile(db, person)
    assert kept == again


async def test_an_answer_before_any_profile_is_kept_in_a_new_one(
    db: Database, world: World, taxonomy: Taxonomy
) -> None:
    person = world.people[1]
    saved = await record_qualification(db, person, "fuehrerschein", False, taxonomy, NOW)
    assert saved.tenant_id == world.aachen
    assert saved.lacks_qualifications == ("fuehrerschein",) and saved.interests == ()
    assert await _reach(db, person) == []


async def test_a_wrong_answer_about_qualifications_changes_nothing(
    db: Database, world: World, taxonomy: Taxonomy
) -> None:
    person = world.people[0]
    await save_profile(db, _luisa(person, world.aachen), taxonomy, NOW)
    with pytest.raises(UnknownQualification):
        await record_qualification(db, person, "zauberei", True, taxonomy, NOW)
    with pytest.raises(ConsentRequired):
        await record_qualification(db, 987654, "fuehrerschein", True, taxonomy, NOW)
    with pytest.raises(InvalidValue):
        both = _luisa(
            person,
            world.aachen,
            qualifications=("fuehrerschein",),
            lacks_qualifications=("fuehrerschein",),
        )
        await save_profile(db, both, taxonomy, NOW)
    saved = await get_profile(db, person)
    assert saved is not None
    assert saved.qualifications == () and saved.lacks_qualifications == ()

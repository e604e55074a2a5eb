"""Migrations that copy data: profiles saved before a migration are found by
the urgent-alert fan-out after it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from core.db import Database, create_engine
from core.fanout import CATEGORY_BIT
from core.migrate import upgrade
from core.models import AlertReach, VolunteerProfile

NOW = "2026-12-01 09:00:00"


async def test_profiles_from_before_get_interest_bits_and_alert_rows(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    await upgrade(url, "0003")
    db = Database(create_engine(url))
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO tenant (id, slug, name, center_lat, center_lon, radius_km, "
                    "show_neighbours, moderation_required, retention_months, timezone, quiet_start, "
                    "quiet_end, weekly_budget) VALUES (1, 'aachen', 'Aachen', 50.7, 6.0, 15, 1, 1, "
                    "12, 'Europe/Berlin', '21:00', '08:00', 5)"
                )
            )
            for pid, alerts, interests in (
                (1, 1, '["umwelt", "tiere"]'),
                (2, 1, "[]"),
                (3, 0, '["umwelt"]'),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO person (id, tenant_id, language, created_at, last_active_at) "
                        f"VALUES ({pid}, 1, 'de', '{NOW}', '{NOW}')"
                    )
                )
                await conn.execute(
                    text(
                        "INSERT INTO volunteer_profile (person_id, tenant_id, interests, "
                        "qualifications, home_lat, home_lon, radius_km, availability_mask, "
                        "spontaneous, urgent_alerts, digest, digest_weekday, digest_hour, "
                        f"muted_kinds, updated_at) VALUES ({pid}, 1, '{interests}', '[]', 50.76, "
                        f"6.09, 10, 3, 0, {alerts}, 0, 0, 18, '[]', '{NOW}')"
                    )
                )
        await db.dispose()
        await upgrade(url)
        db = Database(create_engine(url))
        async with db.sessions() as session:
            masks = dict(
                (
                    await session.execute(
                        select(VolunteerProfile.person_id, VolunteerProfile.interest_mask)
                    )
                ).all()
            )
            reach = sorted(
                (await session.execute(select(AlertReach.person_id, AlertReach.category))).all()
            )
        assert masks[1] == CATEGORY_BIT["umwelt"] | CATEGORY_BIT["tiere"]
        assert masks[2] == 0
        assert reach == [(1, "tiere"), (1, "umwelt"), (2, "")]  # person 3 has no alerts
    finally:
        await db.dispose()

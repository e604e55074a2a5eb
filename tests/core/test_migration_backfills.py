"""Migrations that copy data: profiles saved before a migration are found by
the urgent-alert fan-out after it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from core.db import Database, create_engine
from core.fanout import CATEGORY_BIT
from core.migrate import upgrade
from core.models import AlertReach, SkippedDate, VolunteerProfile

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


async def test_dates_skipped_before_0022_are_copied_from_the_audit_log(tmp_path: Path) -> None:
    """Skips made before ``skipped_date`` existed (issue 14.6) keep their
    EXDATE: the audit log's ``date_skipped`` rows are copied, once each, for
    engagements that still exist."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    await upgrade(url, "0021")
    db = Database(create_engine(url))
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("PRAGMA foreign_keys=OFF"))
            await conn.execute(
                text(
                    "INSERT INTO engagement (id, need_id, person_id, status, waitlisted, "
                    f"contact_shared, created_at, updated_at) VALUES (7, 3, 5, 'accepted', 0, 0, "
                    f"'{NOW}', '{NOW}')"
                )
            )
            for engagement, starts in (
                (7, "2026-12-09T14:00:00+00:00"),
                (7, "2026-12-09T14:00:00+00:00"),  # pressed twice
                (7, "2026-12-16T15:00:00+01:00"),
                (8, "2026-12-09T14:00:00+00:00"),  # an engagement gone since
            ):
                await conn.execute(
                    text(
                        "INSERT INTO audit_event (at, actor, action, subject, data) VALUES "
                        f"('{NOW}', 'person:5', 'date_skipped', 'need:3', "
                        f'\'{{"engagement": {engagement}, "starts_at": "{starts}"}}\')'
                    )
                )
        await db.dispose()
        await upgrade(url)
        db = Database(create_engine(url))
        async with db.sessions() as session:
            rows = (
                await session.execute(
                    select(SkippedDate.engagement_id, SkippedDate.starts_at).order_by(
                        SkippedDate.starts_at
                    )
                )
            ).all()
        assert rows == [
            (7, datetime(2026, 12, 9, 14, tzinfo=UTC)),
            (7, datetime(2026, 12, 16, 14, tzinfo=UTC)),
        ]
    finally:
        await db.dispose()


async def test_needs_from_before_0024_lose_the_day_parts_they_only_brush(tmp_path: Path) -> None:
    """A need from 10:00 to 12:30 was stored as Saturday morning and afternoon;
    after 0024 it is a morning, its waiting change too, and a need whose
    times cannot be read keeps what it had."""
    from core.schedule import CELL_BIT, mask_of

    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    await upgrade(url, "0023")
    db = Database(create_engine(url))
    both = mask_of(["sa:vormittag", "sa:nachmittag"])
    change = (
        '{"starts_at": "2026-12-12T09:00:00+00:00", "ends_at": "2026-12-12T11:30:00+00:00",'
        f' "recurrence": null, "cell_mask": {both}, "title": "Neu"}}'
    )
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("PRAGMA foreign_keys=OFF"))
            await conn.execute(
                text(
                    "INSERT INTO tenant (id, slug, name, center_lat, center_lon, radius_km, "
                    "show_neighbours, moderation_required, retention_months, timezone, quiet_start, "
                    "quiet_end, weekly_budget) VALUES (1, 'aachen', 'Aachen', 50.7, 6.0, 15, 1, 1, "
                    "12, 'Europe/Berlin', '21:00', '08:00', 5)"
                )
            )
            for need_id, starts, ends, recurrence, pending in (
                # 10:00-12:30 in Aachen (UTC+1) on Saturday 5 December
                (1, "'2026-12-05 09:00:00.000000'", "'2026-12-05 11:30:00.000000'", "NULL", "NULL"),
                (2, "NULL", "NULL", '\'{"days": ["sa"], "from": "10:00", "to": "12:30"}\'', "NULL"),
                (3, "'2026-12-05 09:00:00.000000'", "'2026-12-05 11:30:00.000000'", "NULL", "?"),
                (4, "NULL", "NULL", '\'{"days": ["x"]}\'', "NULL"),
            ):
                await conn.exec_driver_sql(
                    "INSERT INTO need (id, tenant_id, organisation_id, title, description, "
                    "category, qualifications, remote, starts_at, ends_at, recurrence, cell_mask, "
                    "helpers_wanted, urgent, status, hidden, created_at, updated_at, "
                    f"pending_change) VALUES ({need_id}, 1, 1, 'T', '', 'soziales', '[]', 0, "
                    f"{starts}, {ends}, {recurrence}, {both}, 1, 0, 'published', 0, '{NOW}', "
                    f"'{NOW}', {pending})",
                    (change,) if pending == "?" else (),
                )
        await db.dispose()
        await upgrade(url)
        db = Database(create_engine(url))
        async with db.engine.connect() as conn:
            rows = dict((await conn.execute(text("SELECT id, cell_mask FROM need"))).all())
            waiting = (
                await conn.execute(text("SELECT pending_change FROM need WHERE id = 3"))
            ).scalar_one()
        morning = CELL_BIT["sa:vormittag"]
        assert rows == {1: morning, 2: morning, 3: morning, 4: both}
        assert json.loads(waiting) == {**json.loads(change), "cell_mask": morning}
    finally:
        await db.dispose()

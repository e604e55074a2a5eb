"""Migration 0007 splits people shared by two municipalities (issue 11,
finding 2): each tenant whose bot they talked to gets its own person with that
tenant's data, and consent stays where it was given. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from core.db import create_engine
from core.migrate import upgrade
from tests.core.test_migrate import fresh_pg_database  # noqa: F401  (a fixture)

T = "'2026-12-01 09:00:00'"
SETUP = [
    "INSERT INTO tenant (id, slug, name, center_lat, center_lon, radius_km, show_neighbours, "
    "moderation_required, retention_months, timezone, quiet_start, quiet_end, weekly_budget) "
    "VALUES (1, 'aachen', 'Aachen', 50.7, 6.0, 15, true, false, 12, 'Europe/Berlin', '21:00', "
    "'08:00', 5), (2, 'stolberg', 'Stolberg', 50.7, 6.2, 12, true, false, 12, "
    "'Europe/Berlin', '21:00', '08:00', 5)",
    "INSERT INTO organisation (id, tenant_id, name, kind, verified, created_at) VALUES "
    f"(1, 1, 'Tafel Aachen', 'verein', true, {T}), (2, 2, 'Tafel Stolberg', 'verein', true, {T})",
    "INSERT INTO need (id, tenant_id, organisation_id, title, description, category, "
    "qualifications, remote, cell_mask, helpers_wanted, urgent, status, hidden, created_at, "
    f"updated_at) VALUES (1, 1, 1, 'A', '', 'soziales', '[]', false, 0, 1, false, 'published', "
    f"false, {T}, {T}), (2, 2, 2, 'S', '', 'soziales', '[]', false, 0, 1, false, 'published', "
    f"false, {T}, {T})",
    # Anna started in Aachen, then wrote to Stolberg's bot with the same Telegram
    # id: Stolberg's newer consent overwrote Aachen's, both engagements hang on
    # one person, and the state row belongs to Stolberg's conversation.
    "INSERT INTO person (id, tenant_id, display_name, language, consent_version, consented_at, "
    f"created_at, last_active_at) VALUES (1, 1, 'Anna', 'de', '2027-01', {T}, {T}, {T}), "
    # Ben only ever talked to Aachen's bot; he signed up for a Stolberg need
    # shown as a neighbour's: he stays one person.
    f"(2, 1, 'Ben', 'de', '2026-11', {T}, {T}, {T}), "
    # Cleo consented in Aachen and only opened Stolberg's bot (a state, no consent).
    f"(3, 1, 'Cleo', 'de', '2026-11', {T}, {T}, {T})",
    "INSERT INTO identity (id, key, channel, person_id, tenant_id, created_at) VALUES "
    f"(1, 'telegram:7', 'telegram', 1, 1, {T}), (2, 'telegram:8', 'telegram', 2, 1, {T}), "
    f"(3, 'telegram:9', 'telegram', 3, 1, {T})",
    "INSERT INTO audit_event (id, tenant_id, at, actor, action, subject, data) VALUES "
    "(1, 1, '2026-11-01 09:00:00', 'person:1', 'consent', 'person:1', '{\"version\": \"2026-11\"}'), "
    "(2, 2, '2026-11-05 09:00:00', 'person:1', 'consent', 'person:1', '{\"version\": \"2027-01\"}'), "
    "(3, 2, '2026-11-05 09:05:00', 'person:1', 'signed_up', 'need:2', '{}'), "
    "(4, 1, '2026-11-01 09:00:00', 'person:2', 'consent', 'person:2', '{\"version\": \"2026-11\"}'), "
    "(5, 1, '2026-11-01 09:00:00', 'person:3', 'consent', 'person:3', '{\"version\": \"2026-11\"}')",
    "INSERT INTO engagement (id, need_id, person_id, status, waitlisted, contact_shared, "
    f"created_at, updated_at) VALUES (1, 1, 1, 'interested', false, false, {T}, {T}), "
    f"(2, 2, 1, 'interested', false, false, {T}, {T}), "
    f"(3, 2, 2, 'interested', false, false, {T}, {T})",
    "INSERT INTO reminder (id, tenant_id, kind, person_id, need_id, engagement_id, due_at, status, "
    f"dedupe_key, data, created_at) VALUES (1, 1, 'before', 1, 1, 1, {T}, 'pending', 'r1', '{{}}', "
    f"{T}), (2, 2, 'before', 1, 2, 2, {T}, 'pending', 'r2', '{{}}', {T})",
    "INSERT INTO volunteer_profile (person_id, tenant_id, interests, interest_mask, "
    "qualifications, home_lat, home_lon, radius_km, availability_mask, spontaneous, "
    "urgent_alerts, digest, digest_weekday, digest_hour, muted_kinds, updated_at) VALUES "
    f"(1, 1, '[\"soziales\"]', 0, '[]', 50.77, 6.08, 10, 3, false, true, false, 0, 18, '[]', {T})",
    "INSERT INTO alert_reach (person_id, category, home_lat, home_lon, radius_km, "
    "availability_mask, spontaneous, tenant_id) VALUES (1, 'soziales', 50.77, 6.08, 10, 3, "
    "false, 1)",
    "INSERT INTO conversation_state (identity, tenant_slug, data, version, updated_at) VALUES "
    f"('telegram:7', 'stolberg', '{{\"flow\": \"search\"}}', 3, {T}), "
    f'(\'telegram:9\', \'stolberg\', \'{{"flow": "onboarding", "slot": "interests"}}\', 1, {T})',
]


async def _split_people(url: str) -> None:
    await upgrade(url, "0006")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in SETUP:
                await conn.execute(text(statement))
            if url.startswith("postgresql"):  # rows with explicit ids: move the sequences on
                for table in ("person", "identity"):
                    await conn.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 100)")
                    )
    finally:
        await engine.dispose()

    await upgrade(url)

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            async def rows(sql: str) -> list[tuple[object, ...]]:
                return [tuple(r) for r in (await conn.execute(text(sql))).all()]

            people = await rows(
                "SELECT id, tenant_id, display_name, consent_version FROM person ORDER BY id"
            )
            (new_id,) = [p[0] for p in people if p[0] not in (1, 2, 3)]
            identities = await rows("SELECT person_id, tenant_id, key FROM identity ORDER BY id")
            engagements = await rows("SELECT id, person_id FROM engagement ORDER BY id")
            reminders = await rows("SELECT id, person_id FROM reminder ORDER BY id")
            consents = await rows(
                "SELECT tenant_id, subject FROM audit_event WHERE action = 'consent' ORDER BY id"
            )
            signed = await rows("SELECT actor FROM audit_event WHERE id = 3")
            profile = await rows("SELECT person_id, tenant_id FROM volunteer_profile")
            reach = await rows("SELECT person_id FROM alert_reach")
            states = await rows("SELECT identity, tenant_slug, data FROM conversation_state")
    finally:
        await engine.dispose()

    assert people == [
        (1, 1, "Anna", "2026-11"),  # Aachen's consent again, not Stolberg's
        (2, 1, "Ben", "2026-11"),
        (3, 1, "Cleo", "2026-11"),
        (new_id, 2, "Anna", "2027-01"),  # Anna in Stolberg, with Stolberg's consent
    ]
    assert identities == [
        (1, 1, "telegram:7"),
        (2, 1, "telegram:8"),
        (3, 1, "telegram:9"),
        (new_id, 2, "telegram:7"),
    ]
    assert engagements == [(1, 1), (2, new_id), (3, 2)]  # Ben's neighbour sign-up stays his
    assert reminders == [(1, 1), (2, new_id)]
    assert consents == [(1, "person:1"), (2, f"person:{new_id}"), (1, "person:2"), (1, "person:3")]
    assert signed == [(f"person:{new_id}",)]
    assert profile == [(1, 1)] and reach == [(1,)]  # the profile was saved in Aachen
    found = sorted(
        (key, slug, json.loads(d) if isinstance(d, str) else d) for key, slug, d in states
    )
    assert found == [
        ("telegram:7", "stolberg", {"flow": "search"}),  # Anna's, now her Stolberg person's
        ("telegram:9", "stolberg", {}),  # Cleo has no person in Stolberg: starts afresh
    ]


async def test_shared_people_are_split_per_tenant_on_sqlite(tmp_path: Path) -> None:
    await _split_people(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
async def test_shared_people_are_split_per_tenant_on_postgres(
    fresh_pg_database: str,  # noqa: F811
) -> None:
    await _split_people(fresh_pg_database)

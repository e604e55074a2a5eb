"""Twenty municipalities in one ``ehrenamt run`` process, each with its own
tenant file, Telegram bot (on the Bot API fake), districts, texts, editor,
organisation and need; nothing of one shows up in another: chat, web pages,
editors, statistics and their CSV export, metrics."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from bots.bootstrap import bootstrap
from core.migrate import upgrade
from core.models import Identity, Organisation, OrgKind, Person
from core.services.accounts import ensure_editor
from core.services.needs import NeedInput, post_need
from core.settings import Settings
from tests.bots.telegram.fake_bot_api import FakeBotAPI
from tests.perf.runner_bench import free_port, start_and_wait, stop

pytestmark = pytest.mark.slow
EHRENAMT = str(Path(sys.executable).with_name("ehrenamt"))
TOWNS = 20
PASSWORD = "redaktion-passwort-1"


def _centre(i: int) -> tuple[float, float]:
    """Twenty places ~100 km apart across Germany: no town is another's neighbour."""
    return round(48.0 + (i // 5) * 1.0, 4), round(7.0 + (i % 5) * 1.5, 4)


def _tenant_toml(i: int, api_url: str) -> str:
    lat, lon = _centre(i)
    return f"""\
slug = "town{i:02d}"
name = "Gemeinde Town {i:02d}"
languages = ["de", "en"]
address_form = "{"du" if i % 2 else "Sie"}"

[region]
center = [{lat}, {lon}]
radius_km = 15

[branding]
bot_name = "Engagement Town {i:02d}"
primary_color = "#{i:02d}6090"
description = {{ de = "Willkommen in Town {i:02d}", en = "Welcome to Town {i:02d}" }}

[privacy]
policy_url = "https://town{i:02d}.example/datenschutz"
imprint_url = "https://town{i:02d}.example/impressum"
consent_version = "2026-11"

[moderation]
required = false

[telegram]
token_env = "TOWN{i:02d}_TOKEN"
api_base_url = "{api_url}"

[districts]
"Oberdorf {i:02d}" = [{lat + 0.02}, {lon}]
"""


async def _seed(env: dict[str, str]) -> dict[int, int]:
    """An organisation, a need and an editor per town; returns town -> need id."""
    settings = Settings.from_env(env)
    await upgrade(settings.database_url)
    app = await bootstrap(settings, migrate=False)
    needs = {}
    try:
        for i in range(TOWNS):
            slug = f"town{i:02d}"
            tenant_id = app.tenant_ids[slug]
            async with app.db.transaction() as session:
                org = Organisation(
                    tenant_id=tenant_id,
                    name=f"Verein {i:02d}",
                    kind=OrgKind.VEREIN,
                    verified=True,
                    created_at=app.now(),
                )
                session.add(org)
                await session.flush()
                org_id = org.id
            lat, lon = app.tenants[slug].districts[f"Oberdorf {i:02d}"]
            ref = await post_need(
                app.db,
                organisation_id=org_id,
                data=NeedInput(
                    title=f"Hilfe im Dorfladen {i:02d}",
                    category="nachbarschaft",
                    lat=lat,
                    lon=lon,
                    place_label=f"Oberdorf {i:02d}",
                    starts_at=app.now() + timedelta(days=3),
                    ends_at=app.now() + timedelta(days=3, hours=2),
                    helpers_wanted=2,
                ),
                taxonomy=app.taxonomy,
                places=app.places,
                now=app.now(),
                tz=ZoneInfo("Europe/Berlin"),
                actor="test",
            )
            needs[i] = ref.id
            await ensure_editor(
                app.db,
                tenant_id=tenant_id,
                email=f"redaktion@town{i:02d}.example",
                display_name=f"Redaktion {i:02d}",
                password=PASSWORD,
                now=app.now(),
            )
    finally:
        await app.close()
    return needs


async def _login(client: httpx.AsyncClient, slug: str, email: str) -> None:
    page = await client.get(f"/t/{slug}/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    done = await client.post(
        f"/t/{slug}/login",
        data={"csrf": token.group(1), "email": email, "password": PASSWORD, "next": ""},
    )
    assert done.status_code == 303, done.text


async def test_twenty_municipalities_in_one_process_stay_apart(tmp_path: Path) -> None:
    fake = FakeBotAPI()
    await fake.start()
    tenants_dir = tmp_path / "tenants"
    tenants_dir.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "EHRENAMT_TENANTS_DIR": str(tenants_dir),
        "EHRENAMT_DATA_DIR": str(tmp_path / "var"),
        "EHRENAMT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'twenty.db'}",
        "EHRENAMT_WEB_PORT": str(port),
        "EHRENAMT_SECRET_KEY": "twenty-towns-secret",
    }
    bots = {}
    for i in range(TOWNS):
        token = f"{810000 + i}:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsb{i:02d}"
        bots[i] = fake.add_bot(token, f"Town{i:02d}Bot")
        env[f"TOWN{i:02d}_TOKEN"] = token
        (tenants_dir / f"town{i:02d}.toml").write_text(_tenant_toml(i, fake.url), "utf-8")
    checked = await asyncio.to_thread(
        subprocess.run,
        [EHRENAMT, "tenant", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout
    needs = await _seed(env)
    proc, _ = await start_and_wait(env, [], tmp_path / "run.log")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as web:
            ready = (await web.get("/readyz")).json()
            assert ready["ready"] is True
            running = {k for k, v in ready["channels"].items() if v["running"]}
            assert running == {f"telegram:town{i:02d}" for i in range(TOWNS)}

            # Chat: one person per town writes to that town's bot and hears that town.
            for i in range(TOWNS):
                bots[i].user_message(5000 + i, "/start")
            for i in range(TOWNS):
                await fake.wait_for(
                    lambda i=i: any(s.buttons for s in bots[i].sent_to(5000 + i)), within=30
                )
            for i in range(TOWNS):
                said = " ".join(s.plain or "" for s in bots[i].sent_to(5000 + i))
                assert f"Gemeinde Town {i:02d}" in said, said
                assert not any(f"Town {j:02d}" in said for j in range(TOWNS) if j != i), said
                bots[i].press(5000 + i, "f:consent:yes")
            for i in range(TOWNS):
                await fake.wait_for(
                    lambda i=i: any(
                        "f:interests" in str(s.buttons) for s in bots[i].sent_to(5000 + i)
                    ),
                    within=30,
                )
            assert all(not bot.sent_to(4999) for bot in bots.values())

            for i in range(TOWNS):
                slug, need = f"town{i:02d}", needs[i]
                # Web: its own description, need and bot; nobody else's.
                home = await web.get(f"/t/{slug}/?lang=de")
                assert f"Willkommen in Town {i:02d}" in home.text
                assert f"Hilfe im Dorfladen {i:02d}" in home.text
                others = [j for j in range(TOWNS) if j != i]
                assert not any(f"Hilfe im Dorfladen {j:02d}" in home.text for j in others)
                page = await web.get(f"/t/{slug}/needs/{need}")
                assert f"https://t.me/Town{i:02d}Bot?start=need_{need}" in page.text  # getMe
                foreign = await web.get(f"/t/{slug}/needs/{needs[(i + 1) % TOWNS]}")
                assert foreign.status_code == 404
                english = await web.get(f"/t/{slug}/?lang=en")
                assert f"Welcome to Town {i:02d}" in english.text

                # Editors: their own Redaktion, statistics and export; 403 next door.
                async with httpx.AsyncClient(base_url=str(web.base_url), timeout=30) as editor:
                    await _login(editor, slug, f"redaktion@{slug}.example")
                    assert (await editor.get(f"/t/{slug}/editor/")).status_code == 200
                    neighbour = f"town{(i + 7) % TOWNS:02d}"
                    assert (await editor.get(f"/t/{neighbour}/editor/")).status_code == 403
                    assert (
                        await editor.get(f"/t/{neighbour}/editor/statistics.csv")
                    ).status_code == 403
                    export = await editor.get(f"/t/{slug}/editor/statistics.csv")
                    rows = list(csv.reader(io.StringIO(export.text)))
                    total = next(r for r in rows if r[0] == "total")
                    assert total[2] == "1", rows  # one need posted: its own
                    orgs = await editor.get(f"/t/{slug}/editor/organisations")
                    assert f"Verein {i:02d}" in orgs.text
                    assert not any(f"Verein {j:02d}" in orgs.text for j in others)

            metrics = (await web.get("/metrics")).text
            for i in range(TOWNS):
                assert (
                    f'ehrenamt_messages_in_total{{channel="telegram",tenant="town{i:02d}"}} 2.0'
                    in metrics
                )
    finally:
        await asyncio.to_thread(stop, proc)
        await fake.close()

    # Each person belongs to the town whose bot they wrote to.
    settings = Settings.from_env(env)
    app = await bootstrap(settings, migrate=False)
    try:
        async with app.db.sessions() as session:
            rows = (
                await session.execute(
                    select(Identity.key, Person.tenant_id).join(
                        Person, Person.id == Identity.person_id
                    )
                )
            ).all()
        homes = {key: tenant_id for key, tenant_id in rows}
        for i in range(TOWNS):
            assert homes[f"telegram:{5000 + i}"] == app.tenant_ids[f"town{i:02d}"]
    finally:
        await app.close()

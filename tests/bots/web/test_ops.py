"""What an operator's monitoring sees: /healthz, /readyz and /metrics, and
JSON log lines without personal data."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bots.bootstrap import bootstrap
from bots.logs import JsonFormatter, configure_logging
from bots.web import create_app
from core.clock import FixedClock
from core.db import Database, create_engine
from core.services.signup import sign_up
from core.settings import Settings
from tests.bots.web.conftest import Web, web_config
from tests.core.reminders.conftest import make_world


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics.splitlines():
        if line.startswith("#"):
            continue
        found = re.match(r"^([a-z_]+)(?:\{(.*)\})? (\S+)$", line)
        if not found or found.group(1) != name:
            continue
        got = ",".join(sorted((found.group(2) or "").split(","))) if found.group(2) else ""
        if got == want:
            return float(found.group(3))
    return 0.0


async def test_healthz_answers_while_the_process_runs(web_app: Web) -> None:
    response = await web_app.client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


async def test_readyz_is_ready_on_a_migrated_database(tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ready.db'}"
    app = await bootstrap(Settings.from_env(data_dir=tmp_path, database_url=url), clock=clock)

    class _OffBot:  # the state a Telegram channel reports when its token was rejected
        name, running, failure = "telegram:stolberg", False, "token rejected"

    class _Bot:
        name, running, failure = "telegram:aachen", True, None

    app.channels = [_Bot(), _OffBot()]
    try:
        asgi = create_app(app, web_config(tmp_path))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
        ) as client:
            response = await client.get("/readyz")
        assert response.status_code == 200
        body = response.json()
        assert body["ready"] is True
        assert body["database"] == "ok" and body["migrations"] == "current"
        assert body["channels"] == {
            "telegram:aachen": {"running": True},
            "telegram:stolberg": {"running": False, "failure": "token rejected"},
        }
    finally:
        await app.close()


async def test_readyz_is_not_ready_before_the_migrations(web_app: Web) -> None:
    # The fixture's database has the tables but no migration history.
    response = await web_app.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "unknown"


async def test_readyz_is_not_ready_when_the_database_is_unreachable(
    tmp_path: Path, clock: FixedClock, sqlite_db: Database
) -> None:
    app = await bootstrap(
        Settings.from_env(data_dir=tmp_path), clock=clock, db=sqlite_db, migrate=False
    )
    app.db = Database(create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none"))
    asgi = create_app(app, web_config(tmp_path))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
    ) as client:
        response = await client.get("/readyz")
    await app.db.dispose()
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_metrics_count_a_chat_turn_and_a_reminder(
    sqlite_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    world = await make_world(sqlite_db, clock, tmp_path)
    asgi = create_app(world.app, web_config(tmp_path))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
    ) as client:
        before = (await client.get("/metrics")).text
        chat = await client.get("/t/aachen/chat")  # opening the chat is a /start turn
        assert chat.status_code == 200
        luisa = await world.person("luisa", alerts=False)
        need = await world.need(starts_in=timedelta(days=3))
        await sign_up(world.db, luisa, need, world.now())
        await world.at(world.now() + timedelta(days=2))  # the 24 h reminder
        await world.at(world.now() + timedelta(days=1))  # the 2 h one, 2 h late: dropped
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert grew("ehrenamt_messages_in_total", channel="web", tenant="aachen") == 1
    assert grew("ehrenamt_messages_out_total", channel="web", tenant="aachen") >= 1
    assert grew("ehrenamt_reply_seconds_count", channel="web") == 1
    assert grew("ehrenamt_reminders_total", kind="before_24h", outcome="sent") == 1
    assert grew("ehrenamt_reminders_total", kind="before_2h", outcome="dropped") == 1
    # The reminder went out through Telegram, in the person's municipality.
    assert grew("ehrenamt_messages_out_total", channel="telegram", tenant="aachen") == 1
    assert "ehrenamt_mails_total" in after or "ehrenamt_mails" in after
    assert "ehrenamt_errors_total" in after or "# HELP ehrenamt_errors" in after
    assert "luisa" not in after  # no identity in any label


async def test_metrics_want_the_token_when_one_is_set(web_app: Web, tmp_path: Path) -> None:
    from dataclasses import replace

    config = replace(web_config(tmp_path), metrics_token="s3cret")
    asgi = create_app(web_app.app, config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
    ) as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.get("/metrics", headers={"authorization": "Bearer s3cret"})
        assert right.status_code == 200 and "ehrenamt_messages_in" in right.text


def test_json_logs_are_one_object_a_line_with_context_but_no_extras() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("ehrenamt.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "dialogue turn failed",
            extra={"tenant": "aachen", "flow": "onboarding", "email": "a@b.de"},
        )
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["level"] == "WARNING" and line["message"] == "dialogue turn failed"
    assert line["tenant"] == "aachen" and line["flow"] == "onboarding"
    assert "email" not in line and "a@b.de" not in stream.getvalue()


def test_the_log_format_is_chosen_by_the_environment() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        configure_logging({"EHRENAMT_LOG_FORMAT": "json"})
        ours = [h for h in root.handlers if h.get_name() == "ehrenamt"]
        assert len(ours) == 1 and isinstance(ours[0].formatter, JsonFormatter)
        configure_logging({})
        ours = [h for h in root.handlers if h.get_name() == "ehrenamt"]
        assert len(ours) == 1 and not isinstance(ours[0].formatter, JsonFormatter)
    finally:
        root.handlers = before
        root.setLevel(level)


@pytest.fixture(autouse=True)
def _quiet_readiness(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)

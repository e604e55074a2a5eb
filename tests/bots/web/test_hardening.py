"""Issue 11, finding 7: the smaller holes of the web, each closed by a test
that failed before its fix."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from bots.web.config import parse_networks
from core.db import create_engine
from core.errors import InvalidValue
from core.models import Engagement, EngagementStatus, Organisation, TextOverride
from core.services.moderation import set_text
from core.services.people import register_with_consent
from core.services.signup import sign_up
from dialogue.texts import Texts, catalogue, placeholders
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import log_in_editor, post_need, sign_up_organisation


def _key_with_placeholder() -> tuple[str, str]:
    key = next(
        k for k, v in sorted(catalogue("de").items()) if isinstance(v, str) and placeholders(v)
    )
    return key, sorted(placeholders(catalogue("de")[key]))[0]


@pytest.mark.parametrize("spec", [":>999999999", "!r", "!s:^50", ":,"])
async def test_editor_text_overrides_reject_format_specs_and_conversions(
    web_app: Web, spec: str
) -> None:
    key, name = _key_with_placeholder()
    others = " ".join(
        "{" + p + "}" for p in sorted(placeholders(catalogue("de")[key])) if p != name
    )
    value = f"Hallo {{{name}{spec}}} {others}"
    editor = await log_in_editor(web_app)
    page = await editor.get("/t/aachen/editor/texts")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad = await editor.post(
        "/t/aachen/editor/texts?in=de", data={"csrf": token, "key": key, "value": value}
    )
    assert bad.status_code == 400
    async with web_app.app.db.sessions() as session:
        assert (await session.scalars(select(TextOverride))).all() == []
    with pytest.raises(InvalidValue):
        await set_text(web_app.app.db, 1, "de", key, value, actor="editor", now=web_app.clock.now())


def test_a_stored_override_with_a_format_spec_is_not_used(tenants: dict) -> None:  # type: ignore[type-arg]
    key, name = _key_with_placeholder()
    t = Texts(tenants["aachen"], "de", {"de": {key: f"{{{name}:>999999999}}"}})
    assert len(t(key, **{p: "x" for p in placeholders(catalogue("de")[key])})) < 10_000


async def test_database_errors_do_not_carry_bound_parameters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v TEXT UNIQUE)"))
            await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "geheim@example.org"})
            with pytest.raises(Exception) as failed:
                await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "geheim@example.org"})
        assert "geheim@example.org" not in str(failed.value)
    finally:
        await engine.dispose()


async def test_the_public_list_caps_its_offset(web_app: Web) -> None:
    page = await web_app.client.get("/t/aachen/?offset=1000000000")
    assert page.status_code == 200
    prev = re.search(r'href="([^"]*)" rel="prev"', page.text)
    assert prev is not None
    offset = int(html.unescape(prev.group(1)).rsplit("offset=", 1)[1])
    assert offset < 1000


async def test_an_organisation_calendar_is_404_without_public_needs(web_app: Web) -> None:
    org = await sign_up_organisation(web_app)
    async with web_app.app.db.sessions() as session:
        org_id = await session.scalar(select(Organisation.id))
    feed = await web_app.new_client().get(f"/t/aachen/calendar/organisation/{org_id}.ics")
    assert feed.status_code == 404
    assert "Aachener Tafel" not in feed.text
    need_id = await post_need(web_app, org)
    editor = await log_in_editor(web_app)
    token = re.search(r'name="csrf" value="([^"]+)"', (await editor.get("/t/aachen/editor/")).text)
    await editor.post(
        f"/t/aachen/editor/needs/{need_id}/approve",
        data={"csrf": token.group(1)},  # type: ignore[union-attr]
    )
    feed = await web_app.new_client().get(f"/t/aachen/calendar/organisation/{org_id}.ics")
    assert feed.status_code == 200 and "Aachener Tafel" in feed.text


async def test_accepting_a_signup_checks_it_belongs_to_the_need_in_the_url(web_app: Web) -> None:
    org = await sign_up_organisation(web_app)
    first = await post_need(web_app, org)
    second = await post_need(web_app, org, title="Zweites Gesuch")
    editor = await log_in_editor(web_app)
    token = re.search(r'name="csrf" value="([^"]+)"', (await editor.get("/t/aachen/editor/")).text)
    for need_id in (first, second):
        await editor.post(
            f"/t/aachen/editor/needs/{need_id}/approve",
            data={"csrf": token.group(1)},  # type: ignore[union-attr]
        )
    person = await register_with_consent(
        web_app.app.db,
        tenant_slug="aachen",
        identity="telegram:77",
        consent_version="1",
        language="de",
        now=web_app.clock.now(),
    )
    signed = await sign_up(web_app.app.db, person.id, second, web_app.clock.now())
    csrf = re.search(r'name="csrf" value="([^"]+)"', (await org.get("/t/aachen/org/")).text)
    answer = await org.post(
        f"/t/aachen/org/needs/{first}/signups/{signed.engagement_id}/accept",
        data={"csrf": csrf.group(1)},  # type: ignore[union-attr]
    )
    assert answer.status_code in (403, 404)
    async with web_app.app.db.sessions() as session:
        status = await session.scalar(
            select(Engagement.status).where(Engagement.id == signed.engagement_id)
        )
    assert status == EngagementStatus.INTERESTED


async def _signup(client: httpx.AsyncClient, email: str, name: str) -> httpx.Response:
    page = await client.get("/t/aachen/signup")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return await client.post(
        "/t/aachen/signup",
        data={
            "csrf": token,
            "organisation": name,
            "kind": "verein",
            "contact_name": "Petra",
            "email": email,
            "password": "sicheres-passwort-1",
        },
    )


async def test_signup_answers_the_same_whether_the_email_is_taken(web_app: Web) -> None:
    await sign_up_organisation(web_app, email="tafel@example.org")
    before = [m["To"] for m in (await web_app.mails())]
    # Outbox file names carry the clock's time: one tick apart, none overwritten.
    web_app.clock.set(web_app.clock.now() + timedelta(seconds=1))
    taken = await _signup(web_app.new_client(), "tafel@example.org", "Andere Tafel")
    await web_app.mails()  # delivered now (outbox names of one instant can collide)
    web_app.clock.set(web_app.clock.now() + timedelta(seconds=1))
    fresh = await _signup(web_app.new_client(), "neu@example.org", "Neue Tafel")
    assert taken.status_code == fresh.status_code == 303
    assert taken.headers["location"] == fresh.headers["location"]
    # The owner of the taken address hears about it; nobody else learns anything.
    after = [m["To"] for m in (await web_app.mails())]
    for address in before:
        after.remove(address)
    assert sorted(after) == ["neu@example.org", "tafel@example.org"]
    async with web_app.app.db.sessions() as session:
        names = (await session.scalars(select(Organisation.name))).all()
    assert "Andere Tafel" not in names


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    from bots.web.config import WebConfig, parse_networks

    base = WebConfig("http://x", "k", "", "f@x", Path("/tmp"), "")
    behind = replace(base, trusted_proxies=parse_networks("127.0.0.1, 10.0.0.0/8"))
    header = "6.6.6.6, 203.0.113.9, 10.0.0.2"
    # Nobody trusted: the connection's own address, the header is anyone's to write.
    assert base.client_address("198.51.100.7", header) == "198.51.100.7"
    # From a trusted proxy: the last address its chain did not add.
    assert behind.client_address("127.0.0.1", header) == "203.0.113.9"
    # From elsewhere, the header is ignored even with proxies configured.
    assert behind.client_address("198.51.100.7", header) == "198.51.100.7"
    assert behind.client_address("127.0.0.1", "not-an-ip") == "127.0.0.1"
    assert behind.client_address("127.0.0.1", None) == "127.0.0.1"


@pytest.mark.parametrize("trusted", [False, True])
async def test_the_login_limit_per_address_reads_forwarded_for_only_from_trusted_proxies(
    web_app: Web, trusted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy on the host every request comes from 127.0.0.1: with the
    proxy trusted, one address hitting the limit does not lock out another."""
    LOGIN_PER_IP = 3  # the real limit, 30, only makes the test slow
    monkeypatch.setattr("bots.web.routes.accounts.LOGIN_PER_IP", LOGIN_PER_IP)
    monkeypatch.setattr("bots.web.routes.accounts.LOGIN_PER_EMAIL", 100)
    state = web_app.asgi.state.web
    if trusted:
        state.config = replace(state.config, trusted_proxies=parse_networks("127.0.0.1"))
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web_app.asgi, client=("127.0.0.1", 4000)),
        base_url="http://testserver",
    )

    async def attempt(forwarded: str, n: int) -> httpx.Response:
        page = await client.get("/t/aachen/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        return await client.post(
            "/t/aachen/login",
            data={"csrf": token, "email": f"x{n}@example.org", "password": "falsch-falsch"},
            headers={"X-Forwarded-For": forwarded},
        )

    for n in range(LOGIN_PER_IP):
        await attempt("203.0.113.9", n)
    blocked = await attempt("203.0.113.9", 99)
    other = await attempt("198.51.100.7", 100)
    await client.aclose()
    assert "Zu viele Versuche" in blocked.text
    # Trusted: the other visitor is another address. Untrusted: everyone is
    # 127.0.0.1 and the header (anyone's to write) changes nothing.
    assert ("Zu viele Versuche" in other.text) is (not trusted)


async def test_logging_out_everywhere_ends_a_copied_session_and_open_links(web_app: Web) -> None:
    org = await sign_up_organisation(web_app)
    assert (await org.get("/t/aachen/org/")).status_code == 200
    thief = web_app.new_client()
    thief.cookies.update(org.cookies)  # a session cookie copied off a shared computer
    assert (await thief.get("/t/aachen/org/")).status_code == 200
    # A log-in link requested before, still unused.
    asker = web_app.new_client()
    page = await asker.get("/t/aachen/links/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    web_app.clock.set(web_app.clock.now() + timedelta(seconds=1))
    await asker.post(
        "/t/aachen/links/login",
        data={"csrf": token.group(1), "email": "tafel@example.org"},  # type: ignore[union-attr]
    )
    link = await web_app.last_link()
    assert "/login/link/" in link
    csrf = re.search(r'name="csrf" value="([^"]+)"', (await org.get("/t/aachen/org/")).text)
    out = await org.post(
        "/t/aachen/logout",
        data={"csrf": csrf.group(1), "everywhere": "1"},  # type: ignore[union-attr]
    )
    assert out.status_code == 303
    stolen = await thief.get("/t/aachen/org/")
    assert stolen.status_code in (302, 303) and "/login" in stolen.headers["location"]
    assert (await web_app.new_client().get(link)).status_code == 400


async def test_the_web_chat_limits_messages_per_chat_with_a_friendly_answer(
    web_app: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bots.web.routes.chat.CHAT_PER_MINUTE", 3)
    from tests.bots.web.test_chat import say

    for _ in range(3):
        page = await say(web_app, text="Hilfe")
        assert "sehr schnell" not in page
    page = await say(web_app, text="Hilfe")
    assert "sehr schnell" in page
    web_app.clock.set(web_app.clock.now() + timedelta(minutes=2))
    page = await say(web_app, text="Menü")
    assert page.count("sehr schnell") == 1  # answered normally again


@pytest.mark.parametrize("flag", [False, True])
async def test_mail_links_are_logged_only_with_the_demo_flag(
    web_app: Web, tmp_path: Path, caplog: pytest.LogCaptureFixture, flag: bool
) -> None:
    import logging

    from bots.web.app import mail_sender
    from bots.web.config import WebConfig

    env = {"EHRENAMT_DEMO_LOG_LINKS": "1"} if flag else {}
    config = replace(
        WebConfig.from_env(tmp_path, "127.0.0.1", 8080, env),
        outbox_dir=web_app.outbox,
        public_url="http://testserver",
    )
    assert config.demo_log_links is flag
    web_app.sender = mail_sender(web_app.app, config)
    with caplog.at_level(logging.INFO):
        await sign_up_organisation(web_app)  # a verification mail with its link
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "bots.web.mail")
    assert ("/verify/" in logged) is flag


async def test_the_web_chat_start_link_shows_no_hidden_need(web_app: Web) -> None:
    """Issue 11, finding 3, through the web chat's ``?start=need_<id>``."""
    from core.models import Need, NeedStatus
    from core.services.demo import seed_demo

    app = web_app.app
    await seed_demo(
        app.db, tenants=app.tenants, tenant_ids=app.tenant_ids, taxonomy=app.taxonomy,
        places=app.places, now=web_app.clock.now(),
    )  # fmt: skip
    async with app.db.transaction() as session:
        need = await session.scalar(
            select(Need)
            .where(Need.status == NeedStatus.PUBLISHED, Need.starts_at > web_app.clock.now())
            .order_by(Need.id)
        )
        assert need is not None
        need_id, title = need.id, need.title
    shown = await web_app.new_client().get(
        f"/t/aachen/chat?start=need_{need_id}", follow_redirects=True
    )
    assert html.escape(title) in shown.text or title in shown.text
    async with app.db.transaction() as session:
        row = await session.get(Need, need_id)
        assert row is not None
        row.hidden = True
    hidden = await web_app.new_client().get(
        f"/t/aachen/chat?start=need_{need_id}", follow_redirects=True
    )
    assert title not in hidden.text and html.escape(title) not in hidden.text

"""Organisation accounts: sign-up, verification by the outbox link, log-in by
password and by link, reset, log-out, rate limits; every e-mailed link works
once, across processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from bots.web import create_app
from bots.web.tokens import Purpose, Tokens, _ClockSigner
from core.models import Organisation, UsedLink
from tests.bots.web.conftest import LINK, Web, web_config
from tests.bots.web.helpers import csrf_of, sign_up_organisation

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_sign_up_sends_a_verification_link_that_logs_the_organisation_in(web_app: Web):
    client = web_app.client
    token = await csrf_of(client, "/t/aachen/signup")
    response = await client.post(
        "/t/aachen/signup",
        data={
            "csrf": token,
            "organisation": "Aachener Tafel",
            "kind": "verein",
            "contact_name": "Petra",
            "email": "Tafel@Example.org",
            "password": "sicheres-passwort-1",
        },
    )
    assert response.status_code == 303
    mails = await web_app.mails()
    assert len(mails) == 1 and mails[0]["To"] == "Tafel@Example.org"
    assert "/t/aachen/verify/" in (await web_app.last_link())
    # Not verified yet: the organisation area asks to log in.
    assert (await client.get("/t/aachen/org/")).status_code == 303
    verified = await client.get(await web_app.last_link())
    assert verified.headers["location"].startswith("/t/aachen/org/")
    page = await client.get("/t/aachen/org/")
    assert page.status_code == 200 and "Aachener Tafel" in page.text


async def test_signup_with_errors_keeps_the_input_and_names_each_field(web_app: Web):
    token = await csrf_of(web_app.client, "/t/aachen/signup")
    response = await web_app.client.post(
        "/t/aachen/signup",
        data={
            "csrf": token,
            "organisation": "Sportverein <Eintracht>",
            "kind": "",
            "contact_name": "Jo",
            "email": "not-an-address",
            "password": "kurz",
        },
    )
    assert response.status_code == 400
    assert 'value="Sportverein &lt;Eintracht&gt;"' in response.text  # kept, escaped
    assert 'value="not-an-address"' in response.text
    assert 'value="kurz"' not in response.text  # a password is never sent back
    for field in ("kind", "email", "password"):
        assert f'id="e-{field}"' in response.text
    assert (await web_app.mails()) == []


async def test_second_signup_with_the_same_email_creates_nothing_and_tells_nobody(web_app: Web):
    """The page answers as for a new address (it must not reveal who has an
    account); nothing is created (the owner gets a log-in link by e-mail,
    see test_hardening)."""
    await sign_up_organisation(web_app)
    other = web_app.new_client()
    token = await csrf_of(other, "/t/aachen/signup")
    response = await other.post(
        "/t/aachen/signup",
        data={
            "csrf": token,
            "organisation": "Zweite",
            "kind": "verein",
            "contact_name": "Max",
            "email": "tafel@example.org",
            "password": "sicheres-passwort-2",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/t/aachen/signup/sent"
    async with web_app.app.db.sessions() as session:
        names = (await session.scalars(select(Organisation.name))).all()
    assert "Zweite" not in names


async def test_password_login_and_logout(web_app: Web):
    await sign_up_organisation(web_app)
    client = web_app.new_client()
    token = await csrf_of(client, "/t/aachen/login")
    wrong = await client.post(
        "/t/aachen/login",
        data={"csrf": token, "email": "tafel@example.org", "password": "falsch-falsch"},
    )
    assert wrong.status_code == 400
    assert 'value="tafel@example.org"' in wrong.text
    right = await client.post(
        "/t/aachen/login",
        data={"csrf": token, "email": "tafel@example.org", "password": "sicheres-passwort-1"},
    )
    assert right.status_code == 303
    assert (await client.get("/t/aachen/org/")).status_code == 200
    token = await csrf_of(client, "/t/aachen/org/")
    assert (await client.post("/t/aachen/logout", data={"csrf": token})).status_code == 303
    assert (await client.get("/t/aachen/org/")).status_code == 303


async def test_login_is_rate_limited_per_address(web_app: Web):
    await sign_up_organisation(web_app)
    client = web_app.new_client()
    token = await csrf_of(client, "/t/aachen/login")
    statuses = []
    for _ in range(6):
        r = await client.post(
            "/t/aachen/login",
            data={"csrf": token, "email": "tafel@example.org", "password": "falsch-falsch"},
        )
        statuses.append(r.status_code)
    assert statuses == [400] * 5 + [429]
    # Even the right password waits until the window has passed.
    r = await client.post(
        "/t/aachen/login",
        data={"csrf": token, "email": "tafel@example.org", "password": "sicheres-passwort-1"},
    )
    assert r.status_code == 429
    web_app.clock.advance(timedelta(minutes=16))
    r = await client.post(
        "/t/aachen/login",
        data={"csrf": token, "email": "tafel@example.org", "password": "sicheres-passwort-1"},
    )
    assert r.status_code == 303


async def test_login_link_works_once_the_button_is_pressed_and_expires(web_app: Web):
    await sign_up_organisation(web_app)
    client = web_app.new_client()
    token = await csrf_of(client, "/t/aachen/links/login")
    sent = await client.post(
        "/t/aachen/links/login", data={"csrf": token, "email": "tafel@example.org"}
    )
    assert sent.status_code == 200
    link = await web_app.last_link()
    shown = await client.get(link)
    assert shown.status_code == 200
    assert (await client.get("/t/aachen/org/")).status_code == 303  # GET alone does not log in
    token = await csrf_of(client, link)
    assert (await client.post(link, data={"csrf": token})).status_code == 303
    assert (await client.get("/t/aachen/org/")).status_code == 200


async def test_link_request_for_unknown_address_looks_the_same_and_sends_nothing(web_app: Web):
    token = await csrf_of(web_app.client, "/t/aachen/links/reset")
    response = await web_app.client.post(
        "/t/aachen/links/reset", data={"csrf": token, "email": "nobody@example.org"}
    )
    assert response.status_code == 200
    assert (await web_app.mails()) == []


async def test_password_reset_sets_a_new_password_and_the_link_cannot_be_reused(web_app: Web):
    await sign_up_organisation(web_app)
    client = web_app.new_client()
    token = await csrf_of(client, "/t/aachen/links/reset")
    await client.post("/t/aachen/links/reset", data={"csrf": token, "email": "tafel@example.org"})
    link = await web_app.last_link()
    token = await csrf_of(client, link)
    mismatch = await client.post(
        link, data={"csrf": token, "password": "neues-passwort-1", "password2": "anderes-passwort"}
    )
    assert mismatch.status_code == 400 and 'id="e-password2"' in mismatch.text
    done = await client.post(
        link, data={"csrf": token, "password": "neues-passwort-1", "password2": "neues-passwort-1"}
    )
    assert done.status_code == 303
    again = await client.get(link)
    assert again.status_code == 400
    # The old session of the first client ended with the password change.
    assert (await web_app.client.get("/t/aachen/org/")).status_code == 303


async def test_tampered_verification_link_is_refused(web_app: Web):
    token = await csrf_of(web_app.client, "/t/aachen/signup")
    await web_app.client.post(
        "/t/aachen/signup",
        data={
            "csrf": token,
            "organisation": "Tafel",
            "kind": "verein",
            "contact_name": "Petra",
            "email": "tafel@example.org",
            "password": "sicheres-passwort-1",
        },
    )
    link = await web_app.last_link()
    response = await web_app.client.get(link[:-3] + "abc")
    assert response.status_code == 400


async def _request_login_link(web: Web) -> str:
    client = web.new_client()
    token = await csrf_of(client, "/t/aachen/links/login")
    await client.post("/t/aachen/links/login", data={"csrf": token, "email": "tafel@example.org"})
    return await web.last_link()


async def _used_links(web: Web) -> int:
    async with web.app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(UsedLink)) or 0)


async def test_login_link_works_once_even_in_another_process(web_app: Web, tmp_path: Path):
    await sign_up_organisation(web_app)
    link = await _request_login_link(web_app)
    first, second = web_app.new_client(), _other_process(web_app, tmp_path)
    # Both open the link before either presses the button.
    first_token, second_token = await csrf_of(first, link), await csrf_of(second, link)
    assert (await first.post(link, data={"csrf": first_token})).status_code == 303
    used = await _used_links(web_app)
    again = await second.post(link, data={"csrf": second_token})
    assert again.status_code == 400 and "gilt nur einmal" in again.text
    assert 'href="/t/aachen/links/login"' in again.text  # a new link is one click away
    assert (await second.get("/t/aachen/org/")).status_code == 303  # not logged in
    assert await _used_links(web_app) == used  # nothing changed
    reopened = await web_app.new_client().get(link)
    assert reopened.status_code == 400 and "gilt nur einmal" in reopened.text
    assert (await first.get("/t/aachen/org/")).status_code == 200


async def test_login_link_expires_after_15_minutes(web_app: Web):
    await sign_up_organisation(web_app)
    link = await _request_login_link(web_app)
    web_app.clock.advance(timedelta(minutes=16))
    expired = await web_app.new_client().get(link)
    assert expired.status_code == 400 and "abgelaufen" in expired.text


async def test_verification_link_logs_in_once_then_asks_for_the_password(web_app: Web):
    await sign_up_organisation(web_app)  # follows the link once
    link = next(
        LINK.findall(m.get_payload(decode=True).decode())[-1]  # type: ignore[union-attr]
        for m in (await web_app.mails())
        if "/verify/" in m.get_payload(decode=True).decode()  # type: ignore[union-attr]
    ).replace("http://testserver", "")
    stranger = web_app.new_client()
    again = await stranger.get(link)
    assert again.status_code == 400 and "mit Ihrem Passwort an" in again.text
    assert (await stranger.get("/t/aachen/org/")).status_code == 303


async def test_reset_link_is_refused_after_use_without_changing_the_password(web_app: Web):
    await sign_up_organisation(web_app)
    client = web_app.new_client()
    token = await csrf_of(client, "/t/aachen/links/reset")
    await client.post("/t/aachen/links/reset", data={"csrf": token, "email": "tafel@example.org"})
    link = await web_app.last_link()
    late = web_app.new_client()
    late_token = await csrf_of(late, link)
    token = await csrf_of(client, link)
    new = {"password": "neues-passwort-1", "password2": "neues-passwort-1"}
    assert (await client.post(link, data={"csrf": token, **new})).status_code == 303
    other = {"password": "anderes-passwort", "password2": "anderes-passwort"}
    refused = await late.post(link, data={"csrf": late_token, **other})
    assert refused.status_code == 400 and "gilt nur einmal" in refused.text
    token = await csrf_of(late, "/t/aachen/login")
    login = {"csrf": token, "email": "tafel@example.org", "next": ""}
    assert (await late.post("/t/aachen/login", data={**login, **new})).status_code == 303


def test_links_mailed_before_token_ids_keep_one_stable_id():
    tokens = Tokens("secret", lambda: NOW)
    old = URLSafeTimedSerializer(
        "secret", salt="ehrenamt-login", signer=_ClockSigner, signer_kwargs={"now": lambda: NOW}
    ).dumps([7, "fp"])
    first, again = tokens.read(Purpose.LOGIN, old), tokens.read(Purpose.LOGIN, old)
    assert (first.account_id, first.fingerprint) == (7, "fp")
    assert first.token_id == again.token_id
    assert first.expires_at == NOW + timedelta(minutes=15)
    fresh = tokens.make(Purpose.LOGIN, 7, "fp"), tokens.make(Purpose.LOGIN, 7, "fp")
    ids = {tokens.read(Purpose.LOGIN, t).token_id for t in fresh}
    assert len(ids) == 2  # two links mailed in the same second are two links


def _other_process(web: Web, tmp_path: Path) -> httpx.AsyncClient:
    """A second web app on the same database: what another worker sees."""
    asgi = create_app(web.app, web_config(tmp_path))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://testserver")

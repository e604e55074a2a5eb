"""Security at the edge: CSRF on every form, cookie flags, headers with a
CSP without inline script, the request size limit, escaped output."""

from __future__ import annotations

from starlette.routing import Route

from bots.web.config import WebConfig
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import post_need, sign_up_organisation


async def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(web_app: Web):
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    await log_in_as_editor_too(web_app)
    posts = [r for r in web_app.asgi.routes if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert len(posts) > 20
    for route in posts:
        path = (
            route.path.replace("{tenant}", "aachen")
            .replace("{need_id:int}", str(need_id))
            .replace("{engagement_id:int}", "1")
            .replace("{action:str}", "cancel")
            .replace("{kind:str}", "login")
            .replace("{offer_id:int}", "1")
            .replace("{token}", "x")
            .replace("{account_id:int}", "1")
            .replace("{entry_id:int}", "1")
            .replace("{message_id:int}", "1")
        )
        for data in ({}, {"csrf": "forged"}):
            response = await client.post(path, data=data)
            assert response.status_code in (403, 400), (path, data, response.status_code)
            assert response.status_code != 303
    from core.models import Need, NeedStatus

    async with web_app.app.db.sessions() as session:
        assert (await session.get(Need, need_id)).status == NeedStatus.PENDING_REVIEW  # type: ignore[union-attr]


async def log_in_as_editor_too(web: Web) -> None:
    """The signed-in account also becomes an admin of the Redaktion, so editor
    and admin routes are reached."""
    from sqlalchemy import select

    from core.models import Account, Membership, Role

    async with web.app.db.transaction() as session:
        account_id = await session.scalar(select(Account.id))
        session.add(
            Membership(
                tenant_id=web.app.tenant_ids["aachen"],
                account_id=account_id,
                role=Role.ADMIN,
                created_at=web.clock.now(),
            )
        )


async def test_session_cookie_is_httponly_and_samesite_lax(web_app: Web):
    response = await web_app.client.get("/t/aachen/signup")
    cookie = response.headers["set-cookie"]
    assert "ehrenamt_session=" in cookie
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http on the local demo


def test_cookies_are_secure_behind_https(tmp_path):
    config = WebConfig.from_env(
        tmp_path, "127.0.0.1", 8080, {"EHRENAMT_PUBLIC_URL": "https://engagement.aachen.de"}
    )
    assert config.secure_cookies
    # The secret is kept for the next process of the deployment.
    again = WebConfig.from_env(tmp_path, "127.0.0.1", 8080, {})
    assert again.secret_key == config.secret_key and len(config.secret_key) > 40


async def test_security_headers_and_csp_without_inline_script(web_app: Web):
    response = await web_app.client.get("/t/aachen/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text and " on" + "click=" not in response.text


async def test_only_the_embed_chat_may_be_framed_by_the_configured_site(web_app: Web):
    response = await web_app.client.get("/embed/t/aachen/chat")
    assert response.status_code == 200
    assert "frame-ancestors https://www.example.org" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers


async def test_oversized_request_is_refused(web_app: Web):
    response = await web_app.client.post(
        "/t/aachen/login",
        content=b"x" * (65 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


async def test_login_redirect_does_not_leave_the_site(web_app: Web):
    page = await web_app.client.get("/t/aachen/login?next=//evil.example/")
    assert 'name="next" value="/t/aachen/"' in page.text

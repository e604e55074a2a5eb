"""The embedded chat's session travels in the page (a signed token) and its
CSRF check stays: a form from another site cannot post into someone's chat.
Over https a partitioned third-party cookie keeps the chat across reloads."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import httpx

from bots.web import create_app
from tests.bots.web.conftest import Web, web_config

TOKEN = re.compile(r'name="s" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def test_the_embedded_chat_keeps_its_session_without_cookies(web_app: Web) -> None:
    page = await web_app.client.get("/embed/t/aachen/chat")
    token, csrf = TOKEN.search(page.text), CSRF.search(page.text)
    assert token and csrf
    # A browser in a cross-site frame sends no cookies: a fresh client each time.
    said = await web_app.new_client().post(
        "/embed/t/aachen/chat", data={"s": token.group(1), "csrf": csrf.group(1), "text": "Hallo"}
    )
    assert said.status_code == 303 and "?s=" in said.headers["location"]
    back = await web_app.new_client().get(said.headers["location"])
    assert "Hallo" in back.text  # the same conversation


async def test_a_forged_or_foreign_post_is_refused(web_app: Web) -> None:
    page = await web_app.client.get("/embed/t/aachen/chat")
    token, csrf = TOKEN.search(page.text), CSRF.search(page.text)
    other = await web_app.new_client().get("/embed/t/aachen/chat")
    other_csrf = CSRF.search(other.text)
    assert token and csrf and other_csrf
    client = web_app.new_client()
    for data in (
        {"s": token.group(1), "text": "x"},  # no CSRF token
        {"s": token.group(1), "csrf": other_csrf.group(1), "text": "x"},  # another chat's
        {"s": token.group(1) + "x", "csrf": csrf.group(1), "text": "x"},  # tampered session
        {"csrf": csrf.group(1), "text": "x"},  # no session at all
    ):
        response = await client.post("/embed/t/aachen/chat", data=data)
        assert response.status_code == 403, data
    assert "x</" not in (await web_app.client.get(page.url)).text


async def test_over_https_a_partitioned_cookie_is_set_for_the_embed_only(
    web_app: Web, tmp_path: Path
) -> None:
    config = replace(web_config(tmp_path), public_url="https://engagement.example.org")
    asgi = create_app(web_app.app, config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="https://engagement.example.org"
    ) as client:
        embedded = await client.get("/embed/t/aachen/chat")
        cookies = embedded.headers.get_list("set-cookie")
        embed_cookie = next(c for c in cookies if c.startswith("ehrenamt_embed="))
        for flag in ("Secure", "SameSite=None", "Partitioned", "HttpOnly", "Path=/embed/"):
            assert flag in embed_cookie
        site = await client.get("/t/aachen/chat")
        assert not any(c.startswith("ehrenamt_embed=") for c in site.headers.get_list("set-cookie"))
        assert any(
            "samesite=lax" in c.lower() for c in site.headers.get_list("set-cookie")
        )  # the site's own session stays Lax

"""``WebChannel`` runs uvicorn inside the caller's event loop, like any channel
of the runner; a port in use is an ``OSError`` for the runner to report."""

from __future__ import annotations

import socket

import httpx
import pytest

from bots.web import WebChannel, ensure_demo_editor
from core.services.accounts import authenticate
from tests.bots.web.conftest import Web, web_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_channel_serves_in_this_loop_and_stops(web_app: Web, tmp_path):
    port = _free_port()
    channel = WebChannel(web_app.app, "127.0.0.1", port, web_config(tmp_path))
    await channel.start()
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/t/aachen/login")
        assert response.status_code == 200 and "Anmelden" in response.text
        with pytest.raises(OSError):
            await WebChannel(web_app.app, "127.0.0.1", port, web_config(tmp_path)).start()
    finally:
        await channel.stop()
    with socket.socket() as s:  # the port is free again
        s.bind(("127.0.0.1", port))


async def test_demo_editor_gets_a_fresh_password_each_start(web_app: Web):
    email, first = await ensure_demo_editor(web_app.app)
    again, second = await ensure_demo_editor(web_app.app)
    assert email == again == "redaktion@aachen.demo" and first != second
    assert await authenticate(web_app.app.db, email, second)

"""One browser, two municipalities' web chats (issue 11, finding 2): the
session cookie is the same, the conversations are not."""

from __future__ import annotations

from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of


async def test_the_same_browser_has_a_separate_chat_in_each_municipality(web_app: Web):
    await web_app.client.get("/t/aachen/chat")
    token = await csrf_of(web_app.client, "/t/aachen/chat")
    await web_app.client.post("/t/aachen/chat", data={"csrf": token, "text": "Hallo Aachen"})
    assert "Hallo Aachen" in (await web_app.client.get("/t/aachen/chat")).text

    stolberg = (await web_app.client.get("/t/stolberg/chat")).text
    assert "Hallo Aachen" not in stolberg
    assert "Stolberg" in stolberg

    # Starting over in Stolberg leaves the Aachen conversation alone.
    token = await csrf_of(web_app.client, "/t/stolberg/chat")
    await web_app.client.post("/t/stolberg/chat/reset", data={"csrf": token})
    assert "Hallo Aachen" in (await web_app.client.get("/t/aachen/chat")).text

"""Issue 10 in the web chat: the browser's language is only a prior, and a
"no" to consent takes what was typed out of the transcript too."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from core.models import Base
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of

ENGLISH = {"accept-language": "en-GB,en;q=0.9"}
BUTTON = re.compile(r'<button type="submit" name="button" value="([^"]+)">([^<]+)</button>')


async def _say(web: Web, **data: str) -> str:
    token = await csrf_of(web.client, "/t/aachen/chat")
    response = await web.client.post(
        "/t/aachen/chat", data={"csrf": token, **data}, headers=ENGLISH
    )
    assert response.status_code == 303
    page = await web.client.get("/t/aachen/chat", headers=ENGLISH)
    assert page.status_code == 200
    return html.unescape(page.text)


async def _rows(web: Web) -> set[str]:
    rows: set[str] = set()
    async with web.app.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                rows.add(f"{table.name}: {tuple(row)!r}".casefold())
    return rows


async def test_german_text_in_an_english_browser_is_answered_in_german(web_app: Web) -> None:
    opened = html.unescape((await web_app.client.get("/t/aachen/chat", headers=ENGLISH)).text)
    assert "Do you agree?" in opened
    page = await _say(web_app, text="Ich möchte samstags in Burtscheid mit Kindern helfen")
    latest = page.rsplit("Ich möchte samstags", 1)[1]
    assert "ich antworte dir auf Deutsch" in latest
    assert "Verstanden: Kinder & Jugend · Burtscheid" in latest
    assert "didn't understand" not in latest and "nicht verstanden" not in latest
    assert ("lang:en", "🌐 Zurück zu English") in BUTTON.findall(latest)


async def test_no_to_consent_removes_the_typed_text_from_the_transcript(web_app: Web) -> None:
    await web_app.client.get("/t/aachen/chat")
    before = await _rows(web_app)
    page = await _say(
        web_app, text="Ich heiße Zwetschgenbaum und wohne in Brand, mittwochs abends Tiere"
    )
    assert "Zwetschgenbaum" in page and "Brand" in page
    page = await _say(web_app, button="f:consent:no")
    assert "Zwetschgenbaum" not in page and "Brand" not in page
    new = (await _rows(web_app)) - before
    found = [row for row in new if "zwetschgenbaum" in row or "brand" in row or "tiere" in row]
    assert not found, found

"""Issue 14 (part 6): someone who uses only the web chat leaves a verified
e-mail address, so reminders and replies reach them with the page closed.
Opt-in, confirmed by a link, ended from the page or from any mail, gone on
erasure; the bot's lines stay in the transcript either way."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from email.header import decode_header, make_header

from sqlalchemy import func, select

from bots.web.notify import WebChatNotifier
from core.models import ChatEmail, Identity
from core.reminders.housekeeping import run_housekeeping
from core.services.people import delete_person, person_for_identity
from dialogue.messages import Reply
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of

FORM = 'action="/t/aachen/chat/email"'


async def _say(web: Web, **data: str) -> str:
    token = await csrf_of(web.client, "/t/aachen/chat")
    response = await web.client.post("/t/aachen/chat", data={"csrf": token, **data})
    assert response.status_code == 303
    return html.unescape((await web.client.get("/t/aachen/chat")).text)


async def _leave(web: Web, address: str) -> str:
    token = await csrf_of(web.client, "/t/aachen/chat")
    response = await web.client.post("/t/aachen/chat/email", data={"csrf": token, "email": address})
    assert response.status_code == 303
    return html.unescape((await web.client.get("/t/aachen/chat")).text)


async def _identity(web: Web) -> str:
    async with web.app.db.sessions() as session:
        keys = list(await session.scalars(select(Identity.key).where(Identity.channel == "web")))
    assert len(keys) == 1
    return keys[0]


async def _consented(web: Web) -> str:
    page = html.unescape((await web.client.get("/t/aachen/chat")).text)
    assert FORM not in page, "no address before consent: nothing may be kept yet"
    page = await _say(web, button="f:consent:yes")
    assert FORM in page
    return await _identity(web)


async def _notify(web: Web, identity: str, text: str) -> None:
    notifier = WebChatNotifier(web.app.db, web.app.now)
    await notifier.notify("aachen", identity, [Reply(text=text)])


def _body(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_payload(decode=True).decode()


async def test_a_confirmed_address_gets_a_copy_of_what_the_bot_says_while_away(
    web_app: Web,
) -> None:
    identity = await _consented(web_app)
    page = await _leave(web_app, "Lena@Example.org")
    assert "E-Mail an lena@example.org geschickt" in page
    assert "Noch nicht bestätigt: lena@example.org" in page
    mails = await web_app.mails()
    assert [m["To"] for m in mails] == ["lena@example.org"]
    assert "bestätigen" in str(make_header(decode_header(mails[0]["Subject"])))

    # Not confirmed yet: a reminder goes only to the transcript.
    await _notify(web_app, identity, "Morgen um 10 Uhr: <b>Tafel</b> Brand")
    assert len(await web_app.mails()) == 1

    link = await web_app.last_link()
    confirmed = await web_app.client.get(link)
    assert confirmed.status_code == 200
    assert "E-Mail-Adresse bestätigt" in html.unescape(confirmed.text)
    assert (await web_app.client.get(link)).status_code == 400, "a link works once"
    assert "Nachrichten gehen auch an lena@example.org" in html.unescape(
        (await web_app.client.get("/t/aachen/chat")).text
    )

    await _notify(web_app, identity, "Morgen um 10 Uhr: <b>Tafel</b> Brand")
    mails = await web_app.mails()
    assert len(mails) == 2
    copy = _body(mails[-1])
    assert "Morgen um 10 Uhr: Tafel Brand" in copy, "plain text, markup dropped"
    assert "http://testserver/t/aachen/chat" in copy
    assert "/t/aachen/chat/email/stop/" in copy
    # The transcript still has the line: the mail is a copy.
    assert "Tafel" in html.unescape((await web_app.client.get("/t/aachen/chat")).text)


async def test_the_stop_link_in_a_mail_asks_first_then_ends_the_opt_in(web_app: Web) -> None:
    identity = await _consented(web_app)
    await _leave(web_app, "lena@example.org")
    await web_app.client.get(await web_app.last_link())
    await _notify(web_app, identity, "Eine Antwort der Tafel")
    stop = re.search(
        r"http://testserver(/t/aachen/chat/email/stop/\S+)", _body((await web_app.mails())[-1])
    )
    assert stop
    path = stop.group(1)
    asked = await web_app.client.get(path)
    assert asked.status_code == 200 and "abbestellen" in html.unescape(asked.text)
    async with web_app.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ChatEmail)) == 1, (
            "opening the link (a mail scanner does) stops nothing"
        )
    done = await web_app.post(path, {})
    assert "keine E-Mails mehr" in html.unescape(done.text)
    async with web_app.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ChatEmail)) == 0
    before = len(await web_app.mails())
    await _notify(web_app, identity, "Noch eine Nachricht")
    assert len(await web_app.mails()) == before


async def test_stopping_from_the_chat_page_deletes_the_address(web_app: Web) -> None:
    identity = await _consented(web_app)
    await _leave(web_app, "lena@example.org")
    await web_app.client.get(await web_app.last_link())
    token = await csrf_of(web_app.client, "/t/aachen/chat")
    response = await web_app.client.post("/t/aachen/chat/email/stop", data={"csrf": token})
    assert response.status_code == 303
    page = html.unescape((await web_app.client.get("/t/aachen/chat")).text)
    assert "Es gehen keine E-Mails mehr" in page
    assert "Nachrichten gehen auch an" not in page and FORM in page
    before = len(await web_app.mails())
    await _notify(web_app, identity, "Noch eine Nachricht")
    assert len(await web_app.mails()) == before


async def test_a_bad_address_or_no_consent_changes_nothing(web_app: Web) -> None:
    await web_app.client.get("/t/aachen/chat")
    page = await _leave(web_app, "lena@example.org")
    assert "erst merken, wenn du zugestimmt hast" in page
    await _say(web_app, button="f:consent:yes")
    page = await _leave(web_app, "keine adresse")
    assert "nicht wie eine E-Mail-Adresse" in page
    async with web_app.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ChatEmail)) == 0
    assert await web_app.mails() == []


async def test_an_unconfirmed_address_is_gone_when_its_link_expired(web_app: Web) -> None:
    await _consented(web_app)
    await _leave(web_app, "lena@example.org")
    link = await web_app.last_link()
    web_app.clock.advance(timedelta(days=3, minutes=1))
    expired = await web_app.client.get(link)
    assert expired.status_code == 400
    await run_housekeeping(web_app.app.db, web_app.app.now())
    async with web_app.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ChatEmail)) == 0


async def test_erasure_takes_the_address_with_it(web_app: Web) -> None:
    identity = await _consented(web_app)
    await _leave(web_app, "lena@example.org")
    await web_app.client.get(await web_app.last_link())
    person = await person_for_identity(web_app.app.db, identity, "aachen")
    assert person is not None
    await delete_person(web_app.app.db, person.id, web_app.app.now())
    async with web_app.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ChatEmail)) == 0

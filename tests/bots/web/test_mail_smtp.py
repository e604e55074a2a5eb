"""E-mail that arrives: the web only enqueues, the background sender delivers
to a real SMTP server started here (plain, STARTTLS with a self-signed
certificate, AUTH), with the tenant's sender name and encoded headers; a log-in
link works once; an outage of minutes loses nothing and sends nothing twice;
a message that cannot be built is parked and the next one still goes out."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.message import Message
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from bots.bootstrap import bootstrap
from bots.web import create_app
from bots.web.mail import MailSender, build_mail_sender
from core.clock import FixedClock
from core.db import Database
from core.models import Need
from core.services import mail_queue
from core.services.relay import record_reply, send_to_volunteer
from core.services.signup import sign_up
from core.settings import Settings
from tests.bots.web.conftest import LINK, Web, web_config
from tests.bots.web.helpers import csrf_of, post_need, sign_up_organisation
from tests.bots.web.smtp import SmtpServer, self_signed

SENDER = '"Stadt Aachen (Demo) – Engagement" <test@localhost>'


@dataclass
class SmtpWeb(Web):
    """The web test app whose mail goes to the SMTP server instead of an outbox."""

    server: SmtpServer | None = None

    async def mails(self) -> list[Message]:
        await self.sender.run_once()
        assert self.server is not None
        return [r.message for r in self.server.received]


@pytest.fixture
def cert(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


def _server(**kwargs: object) -> Iterator[SmtpServer]:
    server = SmtpServer(**kwargs)  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def plain_smtp() -> Iterator[SmtpServer]:
    yield from _server()


@pytest.fixture
def tls_smtp(cert: tuple[Path, Path]) -> Iterator[SmtpServer]:
    yield from _server(tls=cert)


@pytest.fixture
def auth_smtp(cert: tuple[Path, Path]) -> Iterator[SmtpServer]:
    yield from _server(tls=cert, auth=True)


async def _site(
    db: Database, clock: FixedClock, tmp_path: Path, server: SmtpServer, smtp_url: str = ""
) -> AsyncIterator[SmtpWeb]:
    settings = Settings.from_env({"EHRENAMT_DATA_DIR": str(tmp_path)}, database_url=db.url)
    app = await bootstrap(settings, clock=clock, db=db, migrate=False)
    config = web_config(tmp_path)
    sender = build_mail_sender(
        app.db,
        app.clock,
        app.tenants,
        app.tenant_ids,
        public_url=config.public_url,
        smtp_url=smtp_url or server.url(),
        mail_from=config.mail_from,
        outbox_dir=config.outbox_dir,
        ssl_context=server.client_context(),
    )
    sender.transport.timeout = 5
    asgi = create_app(app, config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
    ) as client:
        yield SmtpWeb(app, asgi, client, config.outbox_dir, clock, sender, server)


@pytest.fixture
async def site(
    sqlite_db: Database, clock: FixedClock, tmp_path: Path, plain_smtp: SmtpServer
) -> AsyncIterator[SmtpWeb]:
    async for s in _site(sqlite_db, clock, tmp_path, plain_smtp):
        yield s


def _body(message: Message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "ascii")  # type: ignore[union-attr]


async def _request_login_link(site: SmtpWeb, email: str = "tafel@example.org") -> None:
    client = site.new_client()
    token = await csrf_of(client, "/t/aachen/links/login")
    response = await client.post("/t/aachen/links/login", data={"csrf": token, "email": email})
    assert response.status_code == 200


async def test_the_web_only_enqueues_and_the_sender_delivers_with_the_right_headers(
    site: SmtpWeb, plain_smtp: SmtpServer
):
    client = site.client
    token = await csrf_of(client, "/t/aachen/signup")
    response = await client.post(
        "/t/aachen/signup",
        data={
            "csrf": token,
            "organisation": "Bürgerhilfe Süd",
            "kind": "verein",
            "contact_name": "Jürgen Müßig",
            "email": "tafel@example.org",
            "password": "sicheres-passwort-1",
        },
    )
    assert response.status_code == 303
    assert plain_smtp.received == []  # the request only enqueued
    assert (await mail_queue.counts(site.app.db)).pending == 1

    assert (await site.sender.run_once()).sent == 1
    [got] = plain_smtp.received
    assert got.rcpt_tos == ["tafel@example.org"] and got.mail_from == "test@localhost"
    raw_headers = got.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # 7-bit on the wire
    assert "=?utf-8?" in raw_headers  # the umlauts are encoded words
    message = got.message
    assert str(message["From"]) == SENDER
    assert message["From"].addresses[0].display_name == "Stadt Aachen (Demo) – Engagement"
    assert str(message["To"]) == "tafel@example.org"
    assert str(message["Subject"]) == (
        "Bitte bestätigen Sie Ihre E-Mail-Adresse – Engagement-Bot Aachen"
    )
    assert message["Date"].datetime == site.clock.now()
    assert re.fullmatch(r"<[^@\s]+@localhost>", str(message["Message-ID"]))
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert "Guten Tag Jürgen Müßig," in message.get_content()
    # Sent rows keep no address or link.
    assert (await mail_queue.counts(site.app.db)).sent == 1
    assert (await site.sender.run_once()).sent == 0 and len(plain_smtp.received) == 1


async def test_a_mailed_log_in_link_works_exactly_once(site: SmtpWeb, plain_smtp: SmtpServer):
    await sign_up_organisation(site)  # verification mail by SMTP, link followed
    await _request_login_link(site)
    mails = await site.mails()
    assert len(mails) == 2 and "Anmelde-Link" in str(mails[-1]["Subject"])
    link = LINK.findall(_body(mails[-1]))[-1].replace("http://testserver", "")
    assert "/login/link/" in link

    browser = site.new_client()
    confirm = await browser.get(link)
    assert confirm.status_code == 200
    token = await csrf_of(browser, link)
    first = await browser.post(link, data={"csrf": token})
    assert first.status_code == 303 and first.headers["location"] == "/t/aachen/org/"
    assert (await browser.get("/t/aachen/org/")).status_code == 200

    other = site.new_client()
    again = await other.get(link)
    assert again.status_code == 400
    assert (await other.get("/t/aachen/org/")).status_code == 303  # not logged in


async def test_starttls_with_a_self_signed_certificate(
    sqlite_db: Database, clock: FixedClock, tmp_path: Path, tls_smtp: SmtpServer
):
    async for site in _site(sqlite_db, clock, tmp_path, tls_smtp):
        await sign_up_organisation(site)
        [got] = tls_smtp.received
        assert got.tls and not got.authenticated
        assert "/t/aachen/verify/" in _body(got.message)


async def test_authentication_over_starttls_and_a_wrong_password_keeps_the_mail(
    sqlite_db: Database,
    clock: FixedClock,
    tmp_path: Path,
    auth_smtp: SmtpServer,
    caplog: pytest.LogCaptureFixture,
):
    async for site in _site(
        sqlite_db, clock, tmp_path, auth_smtp, smtp_url=auth_smtp.url(password="falsch")
    ):
        await _sign_up_only(site)
        result = await site.sender.run_once()
        assert result.retrying == 1 and auth_smtp.received == []
        assert "SMTPAuthenticationError 535" in caplog.text
        # The operator fixes the password; the mail is still there.
        site.sender.transport.smtp_url = auth_smtp.url()
        clock.advance(mail_queue.backoff(1))
        assert (await site.sender.run_once()).sent == 1
        [got] = auth_smtp.received
        assert got.tls and got.authenticated


async def _sign_up_only(site: SmtpWeb, email: str = "tafel@example.org") -> None:
    client = site.new_client()
    token = await csrf_of(client, "/t/aachen/signup")
    response = await client.post(
        "/t/aachen/signup",
        data={
            "csrf": token,
            "organisation": f"Verein {email}",
            "kind": "verein",
            "contact_name": "Petra",
            "email": email,
            "password": "sicheres-passwort-1",
        },
    )
    assert response.status_code == 303


async def test_an_smtp_outage_of_minutes_loses_nothing_and_sends_nothing_twice(
    site: SmtpWeb, plain_smtp: SmtpServer, caplog: pytest.LogCaptureFixture
):
    plain_smtp.stop()
    addresses = [f"verein{i}@example.org" for i in range(3)]
    for address in addresses:
        await _sign_up_only(site, address)
    # Seven minutes of outage: each round finds the server down with one mail
    # (the round ends there; that mail waits 1, 2, 4 … minutes, the others go
    # next), so every mail is tried and none is parked.
    started = site.clock.now()
    rounds = 0
    while site.clock.now() - started < timedelta(minutes=7):
        result = await site.sender.run_once()
        assert result.sent == 0 and result.parked == 0 and result.retrying <= 1
        rounds += 1
        site.clock.advance(timedelta(seconds=30))
    counts = await mail_queue.counts(site.app.db)
    assert counts.pending == 3 and counts.retrying == 3 and counts.failed_attempts >= 6
    # One log line per failure, without any address.
    failures = [r.getMessage() for r in caplog.records if "failed, attempt" in r.getMessage()]
    assert len(failures) == counts.failed_attempts <= rounds
    assert all("@" not in line and "ConnectionRefusedError" in line for line in failures)

    plain_smtp.start()
    site.clock.advance(mail_queue.BACKOFF_MAX)
    assert (await site.sender.run_once()).sent == 3
    for _ in range(3):
        site.clock.advance(timedelta(hours=1))
        assert (await site.sender.run_once()).sent == 0
    received = plain_smtp.received
    assert sorted(r.rcpt_tos[0] for r in received) == addresses
    assert len({str(r.message["Message-ID"]) for r in received}) == 3


async def test_two_senders_at_once_send_every_mail_exactly_once(
    db: Database, clock: FixedClock, tmp_path: Path, plain_smtp: SmtpServer
):
    """Two senders at once over one database, each transaction on its own
    connection as two processes would have (PostgreSQL: SKIP LOCKED and the
    claim; SQLite: the claim) never deliver the same row twice."""
    settings = Settings.from_env({"EHRENAMT_DATA_DIR": str(tmp_path)}, database_url=db.url)
    app = await bootstrap(settings, clock=clock, db=db, migrate=False)
    tid = app.tenant_ids["aachen"]
    for i in range(40):
        await mail_queue.enqueue_mail(
            db,
            tenant_id=tid,
            kind=mail_queue.LOGIN,
            to=f"p{i}@example.org",
            data={"name": f"P{i}", "path": f"/t/aachen/login/link/{i}"},
            now=clock.now(),
        )

    def sender(database: Database) -> MailSender:
        return build_mail_sender(
            database,
            clock,
            app.tenants,
            app.tenant_ids,
            public_url="http://testserver",
            smtp_url=plain_smtp.url(),
            mail_from="test@localhost",
            outbox_dir=tmp_path / "outbox",
        )

    results = await asyncio.gather(sender(db).run_once(), sender(db).run_once())
    assert sum(r.sent for r in results) == 40
    assert sorted(r.rcpt_tos[0] for r in plain_smtp.received) == sorted(
        f"p{i}@example.org" for i in range(40)
    )


async def _reply_from_volunteer(site: SmtpWeb, client: httpx.AsyncClient, identity: str) -> int:
    """An organisation's need, a volunteer signed up, a message and the reply."""
    from core.services.needs import moderate
    from core.services.people import register_with_consent

    need_id = await post_need(site, client)
    await moderate(site.app.db, need_id, approve=True, reason=None, actor="t", now=site.clock.now())
    person = await register_with_consent(
        site.app.db,
        tenant_slug="aachen",
        identity=identity,
        consent_version="2026-11",
        language="de",
        now=site.clock.now(),
        display_name="Luisa",
    )
    engagement = await sign_up(site.app.db, person.id, need_id, site.clock.now())
    async with site.app.db.sessions() as session:
        need = await session.get(Need, need_id)
        assert need is not None
        org_id = need.organisation_id
    await send_to_volunteer(
        site.app.db,
        org_id,
        engagement.engagement_id,
        "Kannst du Samstag?",
        account_id=None,
        now=site.clock.now(),
    )
    return need_id


async def test_a_poisoned_reply_mail_is_parked_and_the_next_one_is_delivered(
    site: SmtpWeb, plain_smtp: SmtpServer, caplog: pytest.LogCaptureFixture
):
    """Issue 11.5: a need title with a line break made every reply e-mail of
    every tenant wait behind it."""
    tafel = await sign_up_organisation(site, email="tafel@example.org", name="Tafel")
    kleiderkammer = await sign_up_organisation(
        site, email="kleider@example.org", name="Kleiderkammer", client=site.new_client()
    )
    bad_need = await _reply_from_volunteer(site, tafel, "telegram:1")
    await _reply_from_volunteer(site, kleiderkammer, "telegram:2")
    # A title stored before single-line fields were checked.
    async with site.app.db.transaction() as session:
        await session.execute(
            update(Need).where(Need.id == bad_need).values(title="Tafel\nBcc: alle@example.org")
        )
    persons = {}
    from core.services.people import person_for_identity

    for identity in ("telegram:1", "telegram:2"):
        person = await person_for_identity(site.app.db, identity, "aachen")
        assert person is not None
        persons[identity] = person.id
    assert await record_reply(site.app.db, persons["telegram:1"], "Ja!", now=site.clock.now())
    assert await record_reply(site.app.db, persons["telegram:2"], "Gern!", now=site.clock.now())
    before = len(plain_smtp.received)  # the two verification mails

    result = await site.sender.run_once()
    assert (result.sent, result.parked) == (1, 1)
    [got] = plain_smtp.received[before:]
    assert got.rcpt_tos == ["kleider@example.org"] and "Gern!" in got.message.get_content()
    assert not any("alle@example.org" in r.rcpt_tos for r in plain_smtp.received)
    counts = await mail_queue.counts(site.app.db)
    assert counts.parked == 1 and counts.pending == 0
    parked = [r for r in caplog.records if "parked" in r.getMessage()]
    assert len(parked) == 1 and parked[0].levelno == logging.WARNING
    assert "@" not in parked[0].getMessage()
    # Parked stays parked: later rounds send nothing more.
    site.clock.advance(timedelta(hours=2))
    assert (await site.sender.run_once()) == type(result)()


async def test_erasing_a_volunteer_removes_their_reply_still_waiting_in_the_queue(
    site: SmtpWeb, plain_smtp: SmtpServer
):
    from sqlalchemy import select

    from core.models import QueuedMail
    from core.services.people import delete_person, person_for_identity

    org = await sign_up_organisation(site)
    await _reply_from_volunteer(site, org, "telegram:1")
    person = await person_for_identity(site.app.db, "telegram:1", "aachen")
    assert person is not None
    plain_smtp.stop()  # the reply cannot go out yet
    assert await record_reply(
        site.app.db, person.id, "Ich heiße Luisa Beispiel", now=site.clock.now()
    )
    assert (await site.sender.run_once()).retrying == 1
    await delete_person(site.app.db, person.id, site.clock.now())
    async with site.app.db.sessions() as session:
        rows = (await session.scalars(select(QueuedMail))).all()
    assert all("Luisa" not in str(r.data) for r in rows)
    assert (await mail_queue.counts(site.app.db)).pending == 0


async def test_replies_recorded_before_the_upgrade_are_mailed_once(
    site: SmtpWeb, plain_smtp: SmtpServer
):
    from sqlalchemy import delete

    from core.models import QueuedMail, RelayMessage

    org = await sign_up_organisation(site)
    await _reply_from_volunteer(site, org, "telegram:1")
    from core.services.people import person_for_identity

    person = await person_for_identity(site.app.db, "telegram:1", "aachen")
    assert person is not None
    await record_reply(site.app.db, person.id, "Von vor dem Update", now=site.clock.now())
    async with site.app.db.transaction() as session:  # as 0.x left it: no queue row
        await session.execute(delete(QueuedMail).where(QueuedMail.kind == mail_queue.REPLY))
        await session.execute(update(RelayMessage).values(emailed_at=None))
    assert await mail_queue.enqueue_unsent_replies(site.app.db, site.clock.now()) == 1
    assert await mail_queue.enqueue_unsent_replies(site.app.db, site.clock.now()) == 0
    await site.sender.run_once()
    assert "Von vor dem Update" in plain_smtp.received[-1].message.get_content()

"""E-mail delivery: the background sender of the mail queue
(``core.services.mail_queue``).

Transport: SMTP when ``EHRENAMT_SMTP_URL`` is set (``smtp://user:pass@host:587``
with STARTTLS, ``smtps://…:465`` with TLS, ``smtp+plain://host:25`` for a local
relay), else an outbox folder: each mail is a ``.eml`` file and its links are
logged, so a person can follow them on a local demo. SMTP runs in a thread
(stdlib ``smtplib``), never blocking the event loop.

``MailSender`` claims due mails, renders each in its tenant's language and
sender name (``"Stadt Aachen – Engagement" <EHRENAMT_MAIL_FROM>``), sends it
and records the outcome, one message at a time: a message that cannot be
built (a header with a line break) or that the server refuses for good is
parked, a transient failure waits with backoff; neither stops the next one.
The runner starts one sender per process (claims keep processes apart)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from bots.web.i18n import WebTexts
from core import metrics
from core.clock import Clock
from core.db import Database
from core.services import mail_queue
from core.services.mail_queue import ClaimedMail, MailStatus
from core.tenants import TenantConfig

log = logging.getLogger(__name__)
_OUTBOX_SEQ = itertools.count()
_LINK = re.compile(r"https?://\S+")
SEND_EVERY = 5.0  # seconds between looks at the queue when nothing woke the sender
PURGE_EVERY = timedelta(hours=6)


# Failures of the server or the settings, not of one message: the round ends.
_SERVER_DOWN = (
    OSError,  # refused, unreachable, timed out, TLS failed
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
)


class PermanentFailure(Exception):
    """This message will never go out as it is: park it."""


@dataclass(frozen=True, slots=True)
class Rendered:
    to: str
    sender_name: str
    subject: str
    body: str
    links: tuple[str, ...]


class Transport:
    """Hands a finished message to the SMTP server or the outbox folder."""

    def __init__(
        self,
        *,
        smtp_url: str,
        outbox_dir: Path,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.smtp_url = smtp_url
        self.outbox_dir = outbox_dir
        self.ssl_context = ssl_context
        self.timeout = timeout

    @property
    def uses_smtp(self) -> bool:
        return bool(self.smtp_url)

    async def deliver(self, msg: EmailMessage, now: datetime) -> Path | None:
        if self.smtp_url:
            await asyncio.to_thread(self._send_smtp, msg)
            return None
        return await asyncio.to_thread(self._write_outbox, msg, now)

    def _write_outbox(self, msg: EmailMessage, now: datetime) -> Path:
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        stamp = now.strftime("%Y%m%dT%H%M%S%f")
        # Sorted by name = in order: a fixed clock gives two mails the same
        # stamp, so a sequence follows it, and "x" never overwrites a mail.
        path = self.outbox_dir / f"{stamp}-{next(_OUTBOX_SEQ):08d}-{secrets.token_hex(3)}.eml"
        with path.open("xb") as file:
            file.write(bytes(msg))
        return path

    def _send_smtp(self, msg: EmailMessage) -> None:
        url = urlsplit(self.smtp_url)
        host = url.hostname or "localhost"
        context = self.ssl_context or ssl.create_default_context()
        if url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, url.port or 465, timeout=self.timeout, context=context
            )
        else:
            client = smtplib.SMTP(host, url.port or 587, timeout=self.timeout)
        with client:
            if url.scheme == "smtp":
                client.starttls(context=context)
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            try:
                client.send_message(msg)
            except smtplib.SMTPRecipientsRefused as exc:
                if all(code >= 500 for code, _ in exc.recipients.values()):
                    raise PermanentFailure("SMTPRecipientsRefused") from None
                raise
            except smtplib.SMTPDataError as exc:
                if exc.smtp_code >= 500:
                    raise PermanentFailure(f"SMTPDataError {exc.smtp_code}") from None
                raise


def build_message(mail: Rendered, *, mail_from: str, now: datetime) -> EmailMessage:
    """The message with encoded headers; raises ``PermanentFailure`` when a
    value cannot go into a header (a line break in a title, …)."""
    try:
        msg = EmailMessage()
        _, address = parseaddr(mail_from)
        msg["From"] = Address(display_name=mail.sender_name, addr_spec=address or mail_from)
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = make_msgid(domain=(address or mail_from).rpartition("@")[2] or None)
        msg.set_content(mail.body)
        bytes(msg)  # serialise once: a bad header fails here, not at the server
    except (ValueError, TypeError, IndexError) as exc:
        raise PermanentFailure(type(exc).__name__) from None
    return msg


class MailRenderer:
    """Texts of a queued mail in its tenant's language, address form and sender name."""

    def __init__(
        self, tenants: Mapping[str, TenantConfig], tenant_ids: Mapping[str, int], public_url: str
    ) -> None:
        self.by_id = {tenant_ids[slug]: t for slug, t in tenants.items() if slug in tenant_ids}
        self.public_url = public_url.rstrip("/")

    def render(self, mail: ClaimedMail) -> Rendered:
        tenant = self.by_id.get(mail.tenant_id)
        if tenant is None:
            raise PermanentFailure("UnknownTenant")
        language = mail.language if mail.language in tenant.languages else tenant.default_language
        t = WebTexts(language, ZoneInfo(tenant.timezone), tenant.address_form)
        values: dict[str, Any] = {"site": tenant.branding.bot_name, **mail.data}
        # ``path`` becomes ``{link}``, ``<name>_path`` becomes ``{<name>_link}``.
        for key in [k for k in values if k == "path" or k.endswith("_path")]:
            values[key[:-4] + "link"] = self.public_url + str(values.pop(key))
        if mail.kind in (mail_queue.REPLY, mail_queue.ORG_MESSAGE) and not values.get("volunteer"):
            values["volunteer"] = t("signup.someone")
        subject_key = f"mail.{mail.kind}.subject"
        if values.get("count") == 1 and t.has(f"{subject_key}_one"):
            subject_key += "_one"
        if not t.has(subject_key) or not t.has(f"mail.{mail.kind}.body"):
            raise PermanentFailure("UnknownKind")
        body = t(f"mail.{mail.kind}.body", **values)
        return Rendered(
            to=mail.recipient,
            sender_name=t("mail.sender", municipality=tenant.name),
            subject=t(subject_key, **values),
            body=body,
            links=tuple(_LINK.findall(body)),
        )


@dataclass(frozen=True, slots=True)
class SendResult:
    sent: int = 0
    retrying: int = 0
    parked: int = 0
    dropped: int = 0


class MailSender:
    """Delivers the mail queue in the background (start/stop like a channel)."""

    name = "mail"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        renderer: MailRenderer,
        transport: Transport,
        *,
        mail_from: str,
        every: float = SEND_EVERY,
        log_links: bool = False,
    ) -> None:
        self.log_links = log_links  # a demo's convenience: a log-in link is a password
        self.db = db
        self.clock = clock
        self.renderer = renderer
        self.transport = transport
        self.mail_from = mail_from
        self.every = every
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._purged_at: datetime | None = None
        self._server_down = False

    def wake(self) -> None:
        """Look at the queue now (something was just enqueued)."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name="mail-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _forever(self) -> None:
        caught_up = False
        while True:
            try:
                if not caught_up:  # replies recorded before the queue existed
                    await mail_queue.enqueue_unsent_replies(self.db, self.clock.now())
                    caught_up = True
                await self.run_once()
                await self._purge()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be away: look again next round
                log.warning("mail queue: could not read the queue", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.every)
            self._wake.clear()

    async def _purge(self) -> None:
        now = self.clock.now()
        if self._purged_at is None or now - self._purged_at >= PURGE_EVERY:
            await mail_queue.purge_done(self.db, now)
            self._purged_at = now

    async def run_once(self) -> SendResult:
        """Send every mail due now, each on its own; returns what happened.

        One row is claimed at a time, so a claim never waits behind other
        mails' SMTP conversations (its lease outlasts one conversation). When
        the server cannot be reached at all, the round ends: the mail that
        found out waits with backoff, the others stay due for the next round."""
        totals = {"sent": 0, "retrying": 0, "parked": 0, "dropped": 0}
        self._server_down = False
        while not self._server_down:
            batch = await mail_queue.claim_due(self.db, self.clock.now(), limit=1)
            if not batch:
                break
            for mail in batch:
                totals[await self._send_one(mail)] += 1
        return SendResult(**totals)

    async def _send_one(self, mail: ClaimedMail) -> str:
        now = self.clock.now()
        try:
            if mail.kind == mail_queue.EDITOR_QUEUE:
                count = await mail_queue.waiting_for_review(self.db, mail.tenant_id)
                if count == 0:
                    await mail_queue.mark_dropped(self.db, mail.id, now)
                    metrics.mail_outcome("dropped")
                    return "dropped"
                mail = _with(mail, count=count)
            rendered = self.renderer.render(mail)
            msg = build_message(rendered, mail_from=self.mail_from, now=now)
        except PermanentFailure as exc:
            return await self._failed(mail, str(exc), permanent=True)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:  # data that does not fit
            return await self._failed(mail, type(exc).__name__, permanent=True)
        try:
            path = await self.transport.deliver(msg, now)
        except PermanentFailure as exc:
            return await self._failed(mail, str(exc), permanent=True)
        except Exception as exc:  # server away, refused for now, bad settings: try again later
            self._server_down = isinstance(exc, _SERVER_DOWN)
            code = getattr(exc, "smtp_code", None)
            return await self._failed(mail, f"{type(exc).__name__}{f' {code}' if code else ''}")
        await mail_queue.mark_sent(self.db, mail.id, self.clock.now())
        metrics.mail_outcome("sent")
        if path is not None:
            # The file name and links only: the recipient's address stays out of the log.
            log.info("mail %s (%s) written to the outbox: %s", mail.id, mail.kind, path)
            if self.log_links:  # only with EHRENAMT_DEMO_LOG_LINKS=1
                for link in rendered.links:
                    log.info("mail link: %s", link)
        else:
            log.info("mail %s (%s) sent by SMTP", mail.id, mail.kind)
        return "sent"

    async def _failed(self, mail: ClaimedMail, error: str, *, permanent: bool = False) -> str:
        status = await mail_queue.mark_failed(
            self.db, mail.id, self.clock.now(), error=error, permanent=permanent
        )
        attempt = mail.attempts + 1
        metrics.mail_outcome("parked" if status == MailStatus.PARKED else "retrying")
        if status == MailStatus.PARKED:
            log.warning(
                "mail %s (%s, tenant %s) parked after attempt %d: %s",
                mail.id,
                mail.kind,
                mail.tenant_id,
                attempt,
                error,
            )
            return "parked"
        log.warning(
            "mail %s (%s, tenant %s) failed, attempt %d, next in %s: %s",
            mail.id,
            mail.kind,
            mail.tenant_id,
            attempt,
            mail_queue.backoff(attempt),
            error,
        )
        return "retrying"


def _with(mail: ClaimedMail, **data: Any) -> ClaimedMail:
    return ClaimedMail(
        mail.id,
        mail.tenant_id,
        mail.kind,
        mail.recipient,
        mail.language,
        {**mail.data, **data},
        mail.attempts,
    )


def build_mail_sender(
    db: Database,
    clock: Clock,
    tenants: Mapping[str, TenantConfig],
    tenant_ids: Mapping[str, int],
    *,
    public_url: str,
    smtp_url: str,
    mail_from: str,
    outbox_dir: Path,
    ssl_context: ssl.SSLContext | None = None,
    log_links: bool = False,
) -> MailSender:
    return MailSender(
        db,
        clock,
        MailRenderer(tenants, tenant_ids, public_url),
        Transport(smtp_url=smtp_url, outbox_dir=outbox_dir, ssl_context=ssl_context),
        mail_from=mail_from,
        log_links=log_links,
    )


def outbox_mails(outbox_dir: Path) -> list[Path]:
    """The outbox's mails, oldest first (tests and the local demo read them)."""
    return sorted(outbox_dir.glob("*.eml")) if outbox_dir.exists() else []

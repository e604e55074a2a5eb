"""E-mail: SMTP when ``EHRENAMT_SMTP_URL`` is set (``smtp://user:pass@host:587``
with STARTTLS, ``smtps://…:465`` with TLS, ``smtp+plain://host:25`` for a local
relay), else an outbox folder: each mail is a ``.eml`` file and its links are
logged, so a person can follow them on a local demo. Sending runs in a
thread (stdlib ``smtplib``), never blocking the event loop."""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)
_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer:
    def __init__(
        self, *, smtp_url: str, mail_from: str, outbox_dir: Path, log_links: bool = False
    ) -> None:
        self.smtp_url = smtp_url
        self.mail_from = mail_from
        self.outbox_dir = outbox_dir
        self.log_links = log_links  # a demo's convenience: a log-in link is a password

    def _message(self, mail: Mail, now: datetime) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.mail_from
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = make_msgid(domain="ehrenamt-bot")
        msg.set_content(mail.body)
        return msg

    async def send(self, mail: Mail, now: datetime) -> None:
        msg = self._message(mail, now)
        if self.smtp_url:
            await asyncio.to_thread(self._send_smtp, msg)
            log.info("mail sent by SMTP: %s", mail.subject)
            return
        path = await asyncio.to_thread(self._write_outbox, msg, now)
        # Links and the file name only: the recipient's address stays out of the log.
        log.info("mail written to the outbox: %s", path)
        if self.log_links:
            for link in _LINK.findall(mail.body):
                log.info("mail link: %s", link)

    def _write_outbox(self, msg: EmailMessage, now: datetime) -> Path:
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        stamp = now.strftime("%Y%m%dT%H%M%S%f")
        path = self.outbox_dir / f"{stamp}-{make_msgid()[1:9].strip('.@')}.eml"
        path.write_bytes(bytes(msg))
        return path

    def _send_smtp(self, msg: EmailMessage) -> None:
        url = urlsplit(self.smtp_url)
        host = url.hostname or "localhost"
        if url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, url.port or 465, timeout=30, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, url.port or 587, timeout=30)
        with client:
            if url.scheme == "smtp":
                client.starttls(context=ssl.create_default_context())
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(msg)


def outbox_mails(outbox_dir: Path) -> list[Path]:
    """The outbox's mails, oldest first (tests and the local demo read them)."""
    return sorted(outbox_dir.glob("*.eml")) if outbox_dir.exists() else []

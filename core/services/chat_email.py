"""The web chat's opt-in e-mail address: people who talk to the bot only in
the browser hear of reminders and replies while the page is closed.

Opt-in and verified: the address is kept only for a person (someone who
consented), is used only after the link mailed to it was opened, and every
forwarded mail carries a link that ends it. The bot's messages still go to
the transcript; the mail is a copy that points back to the chat page."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from core.db import Database
from core.models import ChatEmail, Identity, Person, Tenant
from core.reminders.delivery import joined_transaction
from core.services import mail_queue
from core.services.accounts import is_email, normalise_email

CONFIRM_WITHIN = timedelta(days=3)
CHAT_EMAIL_VERIFY, CHAT_NOTICE = "chat_email_verify", "chat_notice"
MAX_NOTICE = 3000  # characters of bot text copied into one mail


@dataclass(frozen=True, slots=True)
class Status:
    """What the chat page shows about the opt-in (the address, as typed)."""

    address: str
    verified: bool


class NoPerson(Exception):
    """Only someone who agreed to be remembered can leave an address."""


class BadAddress(Exception):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _person(db: Database, identity: str, tenant_slug: str) -> tuple[int, int, str] | None:
    """(person id, tenant id, language) of a chat identity with consent."""
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Person.id, Person.tenant_id, Person.language)
                .join(Identity, Identity.person_id == Person.id)
                .join(Tenant, Tenant.id == Identity.tenant_id)
                .where(
                    Identity.key == identity,
                    Tenant.slug == tenant_slug,
                    Person.consent_version.is_not(None),
                )
            )
        ).first()
    return (row[0], row[1], row[2]) if row else None


async def status(db: Database, identity: str, tenant_slug: str) -> Status | None:
    found = await _person(db, identity, tenant_slug)
    if found is None:
        return None
    async with db.sessions() as session:
        row = await session.scalar(select(ChatEmail).where(ChatEmail.person_id == found[0]))
    return Status(row.address, row.verified_at is not None) if row else None


async def can_opt_in(db: Database, identity: str, tenant_slug: str) -> bool:
    return await _person(db, identity, tenant_slug) is not None


async def request(
    db: Database, identity: str, tenant_slug: str, address: str, now: datetime
) -> str:
    """Keep ``address`` as pending and mail it a confirmation link; returns
    the address as kept. A new address replaces the old one (which stops at once)."""
    found = await _person(db, identity, tenant_slug)
    if found is None:
        raise NoPerson()
    address = normalise_email(address)
    if not is_email(address):
        raise BadAddress()
    person_id, tenant_id, language = found
    token = secrets.token_urlsafe(24)
    async with db.transaction() as session:
        await session.execute(delete(ChatEmail).where(ChatEmail.person_id == person_id))
        session.add(
            ChatEmail(
                person_id=person_id,
                tenant_id=tenant_id,
                address=address,
                confirm_hash=_hash(token),
                stop_token=secrets.token_urlsafe(24),
                requested_at=now,
                verified_at=None,
            )
        )
        mail_queue.enqueue(
            session,
            tenant_id=tenant_id,
            kind=CHAT_EMAIL_VERIFY,
            to=address,
            data={"path": f"/t/{tenant_slug}/chat/email/{token}"},
            now=now,
            language=language,
            person_id=person_id,
        )
    return address


async def confirm(db: Database, tenant_slug: str, token: str, now: datetime) -> bool:
    """Open a confirmation link: True if it was valid (it works once)."""
    async with db.transaction() as session:
        row = await session.scalar(
            select(ChatEmail)
            .join(Tenant, Tenant.id == ChatEmail.tenant_id)
            .where(ChatEmail.confirm_hash == _hash(token), Tenant.slug == tenant_slug)
        )
        if row is None or row.requested_at + CONFIRM_WITHIN < now:
            return False
        row.verified_at = now
        row.confirm_hash = None
        return True


async def stop(db: Database, identity: str, tenant_slug: str) -> None:
    found = await _person(db, identity, tenant_slug)
    if found is None:
        return
    async with db.transaction() as session:
        await session.execute(delete(ChatEmail).where(ChatEmail.person_id == found[0]))


async def stop_token_known(db: Database, tenant_slug: str, token: str) -> bool:
    async with db.sessions() as session:
        found = await session.scalar(
            select(ChatEmail.id)
            .join(Tenant, Tenant.id == ChatEmail.tenant_id)
            .where(ChatEmail.stop_token == token, Tenant.slug == tenant_slug)
        )
    return found is not None


async def stop_by_token(db: Database, tenant_slug: str, token: str) -> bool:
    """The link in every forwarded mail: ends the opt-in, True if it did."""
    async with db.transaction() as session:
        row = await session.scalar(
            select(ChatEmail)
            .join(Tenant, Tenant.id == ChatEmail.tenant_id)
            .where(ChatEmail.stop_token == token, Tenant.slug == tenant_slug)
        )
        if row is None:
            return False
        await session.delete(row)
        return True


async def forward(
    db: Database, identity: str, tenant_slug: str, plain_texts: list[str], now: datetime
) -> bool:
    """Copy what the bot said to a verified address (True if a mail was queued)."""
    found = await _person(db, identity, tenant_slug)
    if found is None or not plain_texts:
        return False
    person_id, tenant_id, language = found
    # Called by the web chat's notifier: inside delivery, in its transaction.
    async with joined_transaction(db) as session:
        row = await session.scalar(
            select(ChatEmail).where(
                ChatEmail.person_id == person_id, ChatEmail.verified_at.is_not(None)
            )
        )
        if row is None:
            return False
        body = "\n\n".join(plain_texts)
        if len(body) > MAX_NOTICE:
            body = body[: MAX_NOTICE - 1] + "…"
        mail_queue.enqueue(
            session,
            tenant_id=tenant_id,
            kind=CHAT_NOTICE,
            to=row.address,
            data={
                "body": body,
                "path": f"/t/{tenant_slug}/chat",
                "stop_path": f"/t/{tenant_slug}/chat/email/stop/{row.stop_token}",
            },
            now=now,
            language=language,
            person_id=person_id,
        )
    return True


async def purge_unconfirmed(db: Database, now: datetime) -> int:
    """Addresses never confirmed go once their link has expired."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(ChatEmail).where(
                ChatEmail.verified_at.is_(None), ChatEmail.requested_at < now - CONFIRM_WITHIN
            )
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

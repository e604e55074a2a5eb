"""Organisation accounts: sign-up, verification, password log-in, reset, and
the rate limits that guard them. Passwords are hashed with argon2."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, text, update

from core.db import Database
from core.errors import DomainError, InvalidValue, NotAllowed
from core.models import Account, Membership, Organisation, OrgKind, RateLimitHit, Role, Tenant
from core.services import mail_queue
from core.services.audit import record
from core.single_line import is_single_line

_hasher = PasswordHasher()
# Dots split the domain, so nothing can match two ways (no backtracking);
# callers check the length (MAX_EMAIL) first.
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
MAX_EMAIL = 200


def is_email(text: str) -> bool:
    """A plausible e-mail address (length first, then the shape)."""
    return len(text) <= MAX_EMAIL and is_single_line(text) and EMAIL.match(text) is not None


MIN_PASSWORD = 10


class EmailTaken(DomainError):
    key = "error.email_taken"


class BadCredentials(DomainError):
    key = "error.bad_credentials"


class EmailNotVerified(DomainError):
    key = "error.email_not_verified"


class RateLimited(DomainError):
    key = "error.rate_limited"


@dataclass(frozen=True, slots=True)
class SignupInput:
    tenant_slug: str
    organisation: str
    kind: str
    contact_name: str
    email: str
    password: str


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: int
    email: str
    display_name: str
    verified: bool
    password_fingerprint: str  # changes when the password changes (ends old sessions and links)
    organisation_id: int | None
    organisation_name: str | None
    organisation_tenant_id: int | None
    organisation_verified: bool
    editor_tenant_ids: frozenset[int]
    admin_tenant_ids: frozenset[int] = frozenset()  # may manage the tenant's editors
    organisation_suspended: bool = False
    last_active_at: datetime | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def fingerprint(password_hash: str | None, session_version: int = 0) -> str:
    """What sessions and e-mailed links are bound to: it changes with the
    password and with every "log out everywhere"."""
    return hashlib.sha256(f"{password_hash or ''}:{session_version}".encode()).hexdigest()[:16]


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def validate_signup(data: SignupInput) -> dict[str, str]:
    """Field -> error key; empty when the input is fine."""
    errors: dict[str, str] = {}
    if not data.organisation.strip() or len(data.organisation) > 200:
        errors["organisation"] = "required"
    elif not is_single_line(data.organisation):
        errors["organisation"] = "invalid"
    if data.kind not in {k.value for k in OrgKind}:
        errors["kind"] = "choose"
    if not data.contact_name.strip() or len(data.contact_name) > 120:
        errors["contact_name"] = "required"
    elif not is_single_line(data.contact_name):
        errors["contact_name"] = "invalid"
    if not is_email(data.email.strip()):
        errors["email"] = "email"
    if len(data.password) < MIN_PASSWORD:
        errors["password"] = "password_short"
    return errors


async def sign_up(
    db: Database,
    data: SignupInput,
    now: datetime,
    *,
    verify_path: Callable[[int, str], str] | None = None,
    language: str = "",
) -> int:
    """Create the organisation, its first account (unverified) and the
    membership; returns the account id. Raises ``EmailTaken``.
    ``verify_path(account_id, fingerprint)`` gives the verification link's path: its mail
    is enqueued in the same transaction."""
    if validate_signup(data):
        raise InvalidValue(field="signup")
    email = normalise_email(data.email)
    password_hash = await hash_password(data.password)
    async with db.transaction() as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == data.tenant_slug))
        if tenant_id is None:
            raise NotAllowed()
        if await session.scalar(select(Account.id).where(Account.email == email)):
            raise EmailTaken()
        org = Organisation(
            tenant_id=tenant_id,
            name=data.organisation.strip(),
            kind=OrgKind(data.kind),
            contact_name=data.contact_name.strip(),
            email=email,
            verified=False,
            created_at=now,
        )
        account = Account(
            email=email,
            password_hash=password_hash,
            display_name=data.contact_name.strip(),
            created_at=now,
        )
        session.add_all([org, account])
        await session.flush()
        session.add(
            Membership(
                tenant_id=tenant_id,
                organisation_id=org.id,
                account_id=account.id,
                role=Role.ADMIN,
                created_at=now,
            )
        )
        record(
            session,
            tenant_id=tenant_id,
            actor=f"account:{account.id}",
            action="organisation_signed_up",
            subject=f"organisation:{org.id}",
            at=now,
        )
        if verify_path is not None:
            mail_queue.enqueue(
                session,
                tenant_id=tenant_id,
                kind=mail_queue.VERIFY,
                to=data.email.strip(),  # as typed: a local part may be case-sensitive
                data={
                    "name": account.display_name,
                    # Bound to the password: the link dies when it changes.
                    "path": verify_path(account.id, fingerprint(password_hash)),
                },
                now=now,
                language=language,
                account_id=account.id,
                organisation_id=org.id,
            )
        return account.id


async def account_info(db: Database, account_id: int) -> AccountInfo | None:
    async with db.sessions() as session:
        account = await session.get(Account, account_id)
        if account is None:
            return None
        rows = (
            await session.execute(
                select(Membership, Organisation)
                .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
                .where(Membership.account_id == account_id)
                .order_by(Membership.id)
            )
        ).all()
    org = next((o for m, o in rows if o is not None), None)
    editor_of = frozenset(
        m.tenant_id for m, o in rows if o is None and m.role in (Role.EDITOR, Role.ADMIN)
    )
    return AccountInfo(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        verified=account.email_verified_at is not None,
        password_fingerprint=fingerprint(account.password_hash, account.session_version or 0),
        organisation_id=org.id if org else None,
        organisation_name=org.name if org else None,
        organisation_tenant_id=org.tenant_id if org else None,
        organisation_verified=bool(org and org.verified),
        editor_tenant_ids=editor_of,
        admin_tenant_ids=frozenset(
            m.tenant_id for m, o in rows if o is None and m.role == Role.ADMIN
        ),
        organisation_suspended=bool(org and org.suspended_at is not None),
        last_active_at=account.last_active_at or account.created_at,
    )


async def touch_account(db: Database, account_id: int, now: datetime) -> None:
    """The account was used: retention counts from here."""
    async with db.transaction() as session:
        await session.execute(
            update(Account).where(Account.id == account_id).values(last_active_at=now)
        )


async def account_id_for_email(db: Database, email: str) -> int | None:
    async with db.sessions() as session:
        return await session.scalar(
            select(Account.id).where(Account.email == normalise_email(email))
        )


async def authenticate(db: Database, email: str, password: str) -> int:
    """The account id for a correct e-mail and password of a verified account."""
    async with db.sessions() as session:
        account = await session.scalar(
            select(Account).where(Account.email == normalise_email(email))
        )
    if account is None or not account.password_hash:
        # Same work as a real check, so timing does not tell which e-mails exist.
        await _verify(_dummy_hash(), password)
        raise BadCredentials()
    if not await _verify(account.password_hash, password):
        raise BadCredentials()
    if account.email_verified_at is None:
        raise EmailNotVerified()
    return account.id


async def mark_verified(db: Database, account_id: int, now: datetime) -> bool:
    """Confirm the e-mail address; False when the account is gone."""
    async with db.transaction() as session:
        account = await session.get(Account, account_id)
        if account is None:
            return False
        if account.email_verified_at is None:
            account.email_verified_at = now
            tenant_id = await session.scalar(
                select(Membership.tenant_id).where(Membership.account_id == account_id)
            )
            record(
                session,
                tenant_id=tenant_id,
                actor=f"account:{account_id}",
                action="email_verified",
                subject=f"account:{account_id}",
                at=now,
            )
        return True


async def set_password(
    db: Database, account_id: int, password: str, now: datetime, *, verify_email: bool = True
) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidValue(field="password")
    password_hash = await hash_password(password)
    async with db.transaction() as session:
        account = await session.get(Account, account_id)
        if account is None:
            raise NotAllowed()
        account.password_hash = password_hash
        account.session_version = (account.session_version or 0) + 1
        if verify_email and account.email_verified_at is None:
            account.email_verified_at = now  # the reset link proved the address
        record(
            session,
            tenant_id=None,
            actor=f"account:{account_id}",
            action="password_set",
            subject=f"account:{account_id}",
            at=now,
        )


async def end_sessions(db: Database, account_id: int, now: datetime) -> None:
    """Log the account out everywhere: every session and unused e-mailed
    link of it stops working."""
    async with db.transaction() as session:
        await session.execute(
            update(Account)
            .where(Account.id == account_id)
            .values(session_version=Account.session_version + 1)
        )
        record(
            session,
            tenant_id=None,
            actor=f"account:{account_id}",
            action="sessions_ended",
            subject=f"account:{account_id}",
            at=now,
        )


async def ensure_editor(
    db: Database, *, tenant_id: int, email: str, display_name: str, password: str, now: datetime
) -> int:
    """An editor account of a tenant with this password (created or reset)."""
    email = normalise_email(email)
    password_hash = await hash_password(password)
    async with db.transaction() as session:
        account = await session.scalar(select(Account).where(Account.email == email))
        if account is None:
            account = Account(email=email, display_name=display_name, created_at=now)
            session.add(account)
        account.password_hash, account.email_verified_at = password_hash, now
        await session.flush()
        has_role = await session.scalar(
            select(Membership.id).where(
                Membership.account_id == account.id,
                Membership.tenant_id == tenant_id,
                Membership.organisation_id.is_(None),
                Membership.role == Role.EDITOR,
            )
        )
        if not has_role:
            session.add(
                Membership(
                    tenant_id=tenant_id, account_id=account.id, role=Role.EDITOR, created_at=now
                )
            )
        return account.id


# -- rate limits ---------------------------------------------------------------


RATE_LIMIT_LOCK_SPACE = 7311  # the first number of the per-key advisory lock


def limit_key(kind: str, value: str, *, salt: str) -> str:
    """A rate-limit key that does not store the e-mail address or IP itself:
    a keyed hash with the deployment's secret, so nobody holding the table
    can test guesses (there are only 2^32 IPv4 addresses)."""
    digest = hmac.new(
        salt.encode(), f"{kind}\x00{value.strip().lower()}".encode(), hashlib.sha256
    ).hexdigest()[:40]
    return f"{kind}:{digest}"


async def hit(db: Database, key: str, *, limit: int, window: timedelta, now: datetime) -> None:
    """Count one attempt; raises ``RateLimited`` when ``limit`` attempts were
    already made inside ``window``. Kept in the database, so it holds across
    processes; old hits are pruned on the way."""
    since = now - window
    async with db.transaction() as session:
        # Count and add as one step per key: on PostgreSQL a transaction lock
        # on the key (two-number form: its own key space); on SQLite the
        # delete below takes the database's write lock first.
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
                {"space": RATE_LIMIT_LOCK_SPACE, "key": key},
            )
        await session.execute(
            delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at < since)
        )
        count = await session.scalar(
            select(func.count())
            .select_from(RateLimitHit)
            .where(RateLimitHit.key == key, RateLimitHit.at >= since)
        )
        if (count or 0) >= limit:
            raise RateLimited()
        session.add(RateLimitHit(key=key, at=now))


def new_password() -> str:
    return secrets.token_urlsafe(12)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password, only for timing")

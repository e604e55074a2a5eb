"""A municipality's Redaktion: invite editors and admins, list them, change
their role, remove them. An invited person has an account without a password
until they follow their invitation link (``set_password``). Every change is
in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.db import Database
from core.errors import DomainError, InvalidValue
from core.models import Account, Membership, Role
from core.services.accounts import EMAIL, normalise_email
from core.services.audit import record

EDITOR_ROLES = (Role.EDITOR, Role.ADMIN)


class LastAdmin(DomainError):
    """The tenant would be left without an admin."""

    key = "error.last_admin"


class NotAnEditor(DomainError):
    key = "error.not_an_editor"


@dataclass(frozen=True, slots=True)
class EditorRow:
    account_id: int
    email: str
    display_name: str
    role: str
    active: bool  # has set a password (False: invited, link not used yet)


@dataclass(frozen=True, slots=True)
class Invited:
    account_id: int
    role: str
    needs_password: bool  # a new person: the mail carries a link to set one
    changed: bool  # False when they already had this role


def _role(role: str) -> Role:
    try:
        found = Role(role)
    except ValueError as exc:
        raise InvalidValue(field="role") from exc
    if found not in EDITOR_ROLES:
        raise InvalidValue(field="role")
    return found


def _editor_memberships(tenant_id: int):  # type: ignore[no-untyped-def]
    return select(Membership).where(
        Membership.tenant_id == tenant_id,
        Membership.organisation_id.is_(None),
        Membership.role.in_(EDITOR_ROLES),
    )


async def invite(
    db: Database,
    *,
    tenant_id: int,
    email: str,
    role: str,
    actor: str,
    now: datetime,
) -> Invited:
    """Make the person with this e-mail an editor or admin of the tenant
    (creating an account without password if there is none)."""
    wanted = _role(role)
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > 200:
        raise InvalidValue(field="email")
    async with db.transaction() as session:
        account = await session.scalar(select(Account).where(Account.email == email))
        if account is None:
            account = Account(email=email, display_name=email.split("@")[0], created_at=now)
            session.add(account)
            await session.flush()
        membership = await session.scalar(
            _editor_memberships(tenant_id).where(Membership.account_id == account.id)
        )
        changed = True
        if membership is None:
            session.add(
                Membership(tenant_id=tenant_id, account_id=account.id, role=wanted, created_at=now)
            )
        elif membership.role == wanted:
            changed = False
        else:
            membership.role = wanted
        if changed:
            record(
                session,
                tenant_id=tenant_id,
                actor=actor,
                action="editor_invited",
                subject=f"account:{account.id}",
                at=now,
                data={"role": wanted.value},
            )
        return Invited(account.id, wanted.value, account.password_hash is None, changed)


async def editors(db: Database, tenant_id: int) -> list[EditorRow]:
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Account, Membership.role)
                .join(Membership, Membership.account_id == Account.id)
                .where(
                    Membership.tenant_id == tenant_id,
                    Membership.organisation_id.is_(None),
                    Membership.role.in_(EDITOR_ROLES),
                )
                .order_by(Account.email)
            )
        ).all()
    return [
        EditorRow(a.id, a.email, a.display_name, Role(r).value, a.password_hash is not None)
        for a, r in rows
    ]


async def _admins(session, tenant_id: int) -> int:  # type: ignore[no-untyped-def]
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.tenant_id == tenant_id,
                Membership.organisation_id.is_(None),
                Membership.role == Role.ADMIN,
            )
        )
        or 0
    )


async def set_role(
    db: Database,
    *,
    tenant_id: int,
    account_id: int,
    role: str,
    actor: str,
    now: datetime,
    keep_an_admin: bool = True,
) -> None:
    wanted = _role(role)
    async with db.transaction() as session:
        membership = await session.scalar(
            _editor_memberships(tenant_id).where(Membership.account_id == account_id)
        )
        if membership is None:
            raise NotAnEditor()
        if membership.role == wanted:
            return
        if membership.role == Role.ADMIN and keep_an_admin and await _admins(session, tenant_id) <= 1:
            raise LastAdmin()
        membership.role = wanted
        record(
            session,
            tenant_id=tenant_id,
            actor=actor,
            action="editor_role_changed",
            subject=f"account:{account_id}",
            at=now,
            data={"role": wanted.value},
        )


async def remove(
    db: Database,
    *,
    tenant_id: int,
    account_id: int,
    actor: str,
    now: datetime,
    keep_an_admin: bool = True,
) -> None:
    """End the person's editor role in this tenant (their account stays for
    other roles; an invited account that never set a password goes)."""
    async with db.transaction() as session:
        membership = await session.scalar(
            _editor_memberships(tenant_id).where(Membership.account_id == account_id)
        )
        if membership is None:
            raise NotAnEditor()
        if membership.role == Role.ADMIN and keep_an_admin and await _admins(session, tenant_id) <= 1:
            raise LastAdmin()
        await session.delete(membership)
        await session.flush()
        account = await session.get(Account, account_id)
        others = await session.scalar(
            select(func.count()).select_from(Membership).where(Membership.account_id == account_id)
        )
        if account is not None and account.password_hash is None and not others:
            await session.delete(account)
        record(
            session,
            tenant_id=tenant_id,
            actor=actor,
            action="editor_removed",
            subject=f"account:{account_id}",
            at=now,
        )


async def editor_by_email(db: Database, tenant_id: int, email: str) -> EditorRow | None:
    wanted = normalise_email(email)
    return next((e for e in await editors(db, tenant_id) if e.email == wanted), None)


__all__ = [
    "EditorRow",
    "Invited",
    "LastAdmin",
    "NotAnEditor",
    "editor_by_email",
    "editors",
    "invite",
    "remove",
    "set_role",
]

"""An editor's chat: an editor makes a code on the web and sends
``/start ed_<code>`` to the tenant's bot; the Redaktion's notices (needs
waiting for review) then reach that chat too (``Account.person_id``)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from core.db import Database
from core.errors import NotAllowed
from core.models import Account, Membership, Person, Role
from core.services.audit import record
from core.services.org_invites import UnknownInvite

PREFIX = "ed_"
VALID_FOR = timedelta(days=1)


def _editor_of(tenant_id: int):  # type: ignore[no-untyped-def]
    return select(Membership.id).where(
        Membership.tenant_id == tenant_id,
        Membership.organisation_id.is_(None),
        Membership.role.in_((Role.EDITOR, Role.ADMIN)),
    )


async def new_code(db: Database, account_id: int, tenant_id: int, now: datetime) -> str:
    """A fresh code for this editor (an older one stops working)."""
    code = secrets.token_hex(6)
    async with db.transaction() as session:
        if not await session.scalar(
            _editor_of(tenant_id).where(Membership.account_id == account_id)
        ):
            raise NotAllowed()
        account = await session.get(Account, account_id)
        assert account is not None
        account.chat_link_code, account.chat_link_expires_at = code, now + VALID_FOR
    return code


async def linked(db: Database, account_id: int) -> bool:
    async with db.sessions() as session:
        return bool(await session.scalar(select(Account.person_id).where(Account.id == account_id)))


async def redeem(db: Database, start_arg: str, person_id: int, now: datetime) -> None:
    """Link the chat person to the editor's account. ``UnknownInvite`` for a
    wrong or expired code, or a chat of a tenant the account does not edit."""
    code = start_arg.strip().lower().removeprefix(PREFIX)
    async with db.transaction() as session:
        account = await session.scalar(select(Account).where(Account.chat_link_code == code))
        if (
            not code
            or account is None
            or account.chat_link_expires_at is None
            or account.chat_link_expires_at <= now
        ):
            raise UnknownInvite()
        tenant_id = await session.scalar(select(Person.tenant_id).where(Person.id == person_id))
        if tenant_id is None or not await session.scalar(
            _editor_of(tenant_id).where(Membership.account_id == account.id)
        ):
            raise UnknownInvite()
        account.person_id = person_id
        account.chat_link_code = account.chat_link_expires_at = None
        record(
            session,
            tenant_id=tenant_id,
            actor=f"person:{person_id}",
            action="editor_chat_linked",
            subject=f"account:{account.id}",
            at=now,
        )

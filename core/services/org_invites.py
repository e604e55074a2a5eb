"""Invites that link a chat person to an organisation.

On the web a member creates a code; the person sends ``/start org_<code>`` to
the bot (a Telegram deep link does it in one tap); the dialogue engine calls
``redeem(db, code, person_id, now)``, which makes the person a member so they
can post needs by chat as the organisation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.db import Database
from core.errors import DomainError, NotAllowed
from core.models import Membership, Organisation, OrgInvite, Person, Role
from core.services.audit import record

VALID_FOR = timedelta(days=14)
START_PREFIX = "org_"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to type


class UnknownInvite(DomainError):
    key = "error.unknown_invite"


@dataclass(frozen=True, slots=True)
class InviteView:
    code: str
    expires_at: datetime
    uses: int

    @property
    def start_arg(self) -> str:
        return START_PREFIX + self.code


@dataclass(frozen=True, slots=True)
class Redeemed:
    organisation_id: int
    organisation: str
    already_member: bool


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def code_from_start_arg(arg: str) -> str | None:
    """``org_abc`` -> ``abc``; None for other start arguments."""
    arg = arg.strip()
    return arg[len(START_PREFIX) :].lower() if arg.lower().startswith(START_PREFIX) else None


async def create_invite(
    db: Database, organisation_id: int, *, account_id: int | None, now: datetime
) -> InviteView:
    async with db.transaction() as session:
        org = await session.get(Organisation, organisation_id)
        if org is None:
            raise NotAllowed()
        invite = OrgInvite(
            code=new_code(),
            tenant_id=org.tenant_id,
            organisation_id=org.id,
            created_by_account_id=account_id,
            created_at=now,
            expires_at=now + VALID_FOR,
        )
        session.add(invite)
        record(
            session,
            tenant_id=org.tenant_id,
            actor=f"account:{account_id}",
            action="invite_created",
            subject=f"organisation:{org.id}",
            at=now,
        )
        return InviteView(invite.code, invite.expires_at, 0)


async def current_invite(db: Database, organisation_id: int, now: datetime) -> InviteView | None:
    async with db.sessions() as session:
        invite = await session.scalar(
            select(OrgInvite)
            .where(
                OrgInvite.organisation_id == organisation_id,
                OrgInvite.revoked_at.is_(None),
                OrgInvite.expires_at > now,
            )
            .order_by(OrgInvite.created_at.desc(), OrgInvite.id.desc())
            .limit(1)
        )
    return InviteView(invite.code, invite.expires_at, invite.uses) if invite else None


async def revoke_invites(
    db: Database, organisation_id: int, *, account_id: int | None, now: datetime
) -> None:
    async with db.transaction() as session:
        invites = (
            await session.scalars(
                select(OrgInvite).where(
                    OrgInvite.organisation_id == organisation_id, OrgInvite.revoked_at.is_(None)
                )
            )
        ).all()
        for invite in invites:
            invite.revoked_at = now
        if invites:
            record(
                session,
                tenant_id=invites[0].tenant_id,
                actor=f"account:{account_id}",
                action="invites_revoked",
                subject=f"organisation:{organisation_id}",
                at=now,
            )


async def redeem(db: Database, code: str, person_id: int, now: datetime) -> Redeemed:
    """Make the person a member of the invite's organisation. Raises
    ``UnknownInvite`` for a wrong, expired or revoked code, or a person of
    another tenant."""
    code = (code_from_start_arg(code) or code).strip().lower()
    async with db.transaction() as session:
        invite = await session.scalar(select(OrgInvite).where(OrgInvite.code == code))
        if invite is None or invite.revoked_at is not None or invite.expires_at <= now:
            raise UnknownInvite()
        person = await session.get(Person, person_id)
        if person is None or person.tenant_id != invite.tenant_id:
            raise UnknownInvite()
        org = await session.get(Organisation, invite.organisation_id)
        assert org is not None
        existing = await session.scalar(
            select(Membership.id).where(
                Membership.person_id == person_id, Membership.organisation_id == org.id
            )
        )
        if existing is None:
            session.add(
                Membership(
                    tenant_id=org.tenant_id,
                    organisation_id=org.id,
                    person_id=person_id,
                    role=Role.MEMBER,
                    created_at=now,
                )
            )
            invite.uses += 1
            record(
                session,
                tenant_id=org.tenant_id,
                actor=f"person:{person_id}",
                action="invite_redeemed",
                subject=f"organisation:{org.id}",
                at=now,
            )
        return Redeemed(org.id, org.name, existing is not None)

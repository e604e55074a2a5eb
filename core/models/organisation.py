from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class OrgKind(enum.StrEnum):
    VEREIN = "verein"
    COMPANY = "company"
    SCHOOL = "school"
    INITIATIVE = "initiative"
    PRIVATE = "private"
    PUBLIC = "public"


class Role(enum.StrEnum):
    MEMBER = "member"
    EDITOR = "editor"  # the municipality's Redaktion
    ADMIN = "admin"


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(Enum(OrgKind, native_enum=False, length=20))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    verified: Mapped[bool] = mapped_column(default=False)
    # Set by an editor: a suspended organisation cannot post or log in to post.
    suspended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Account(Base):
    """A web login (argon2 hash), optionally tied to a chat person."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(120))
    email_verified_at: Mapped[datetime | None]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    # An editor links a chat (``/start ed_<code>``) to get the Redaktion's notices there.
    chat_link_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    chat_link_expires_at: Mapped[datetime | None]
    # Last use of a session, at most daily; retention counts from it.
    last_active_at: Mapped[datetime | None]
    # Raised to end every session and e-mailed link of the account at once
    # (log out everywhere; a new password changes the hash, which does too).
    session_version: Mapped[int] = mapped_column(default=0)


class Membership(Base):
    """A role: member of an organisation (by web account or linked chat
    person), or editor/admin of a tenant (``organisation_id`` empty)."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    created_at: Mapped[datetime]

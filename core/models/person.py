from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class Person(Base):
    """Someone who talks to one municipality's bot. Created only with consent:
    before it, the conversation state is all that is stored for an identity.
    People belong to one tenant; the same human talking to two tenants' bots
    is two people, and nothing links them."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(80))  # first name or pseudonym
    language: Mapped[str] = mapped_column(String(8), default="de")
    consent_version: Mapped[str | None] = mapped_column(String(40))
    consented_at: Mapped[datetime | None]
    email: Mapped[str | None] = mapped_column(String(200))  # shared only on consent
    phone: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime]
    last_active_at: Mapped[datetime]
    # When the person was asked for the name organisations may see (once).
    name_asked_at: Mapped[datetime | None]


class Identity(Base):
    """One channel identity of a person: ``telegram:<chat id>``, ``matrix:@a:b``.
    The same key in two municipalities is two identities of two people: each
    tenant is its own controller (issue 11, finding 2)."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    created_at: Mapped[datetime]
    unreachable_at: Mapped[datetime | None]  # blocked the bot: skipped by notifications

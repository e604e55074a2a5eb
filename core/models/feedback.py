from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class Feedback(Base):
    """A Rückmeldung a person sent the bot by message, kept for the tenant's
    editors. Only a person who consented has one kept (``person_id`` set).
    Erasure of the person, or the tenant's retention period, anonymises it:
    ``body`` is emptied and the person unlinked, ``anonymised_at`` set; the
    row stays as a count for the statistics."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_tenant_at", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))  # telegram, matrix, web, ...
    language: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    anonymised_at: Mapped[datetime | None]

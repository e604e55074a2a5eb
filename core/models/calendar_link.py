from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class CalendarLink(Base):
    """A person's private calendar subscription (issue 14.6):
    ``/t/<tenant>/me/calendar/<token>.ics`` carries all their engagements.
    Only the SHA-256 of the token is kept (the link is shown once, when made);
    one link per person, a new one replaces it (the old stops working), and
    it goes with the person (erasure)."""

    __tablename__ = "calendar_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]

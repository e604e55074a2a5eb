from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class ChatEmail(Base):
    """A web-chat person's opt-in e-mail address for what the bot tells them
    while the page is closed (reminders, replies). Pending until the link
    mailed to it is opened; one address per person. Only the hash of the
    confirmation link is kept; ``stop_token`` ends the opt-in from any mail."""

    __tablename__ = "chat_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    stop_token: Mapped[str] = mapped_column(String(64), unique=True)
    requested_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]

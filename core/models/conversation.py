from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class ConversationState(Base):
    """Dialogue state per identity and tenant, so a restart or a second process
    goes on where the conversation was. Keyed by identity, not person: it
    exists before consent; and by tenant: the same Telegram id talks to each
    municipality's bot separately."""

    __tablename__ = "conversation_state"

    identity: Mapped[str] = mapped_column(String(300), primary_key=True)
    tenant_slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]

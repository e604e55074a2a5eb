"""Tables the web needs around accounts: rate-limit hits (shared by every
process through the database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class RateLimitHit(Base):
    """One attempt counted against a limit. ``key`` is a hash (``login:<sha256>``),
    never an e-mail address or IP in clear."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]

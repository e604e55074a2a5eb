"""E-mailed links (log-in, password reset, e-mail verification) that were
used: each works once, in every process, because the use is a row here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class UsedLink(Base):
    """One used link, by the random id its signed token carries (never the
    token itself); kept until the link would have expired anyway."""

    __tablename__ = "used_link"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)

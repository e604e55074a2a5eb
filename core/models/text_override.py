from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class TextOverride(Base):
    """A tenant's own wording of one bot text, edited by its Redaktion on the
    web. It wins over the tenant file's ``[texts.<lang>]`` and the defaults."""

    __tablename__ = "text_override"
    __table_args__ = (UniqueConstraint("tenant_id", "language", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(60))

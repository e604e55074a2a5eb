from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class WebChatLine(Base):
    """One line of a web chat transcript (the page shows the latest ones).
    ``html`` is the reply's light markup, already escaped; ``buttons`` the
    reply's buttons as ``[{"label", "payload"}]``."""

    __tablename__ = "web_chat_line"
    __table_args__ = (Index("ix_web_chat_line_identity_id", "identity", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity: Mapped[str] = mapped_column(String(300))
    tenant_slug: Mapped[str] = mapped_column(String(40))
    from_bot: Mapped[bool] = mapped_column(default=True)
    html: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    request_location: Mapped[bool] = mapped_column(default=False)
    # Files the bot sent (a calendar entry): [{"filename", "mime_type", "content_b64"}].
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]

"""What an organisation hears about its volunteers (issue 14, part 2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class OrgNotice(Base):
    """One event on one of the organisation's needs: someone signed up,
    withdrew, cannot come or did not come. The web inbox lists these rows;
    chat-linked members hear of each through the reminder outbox (one
    ``org_notice`` reminder per member), members without a chat in the daily
    e-mail digest (``mailed_at`` once it went out)."""

    __tablename__ = "org_notice"
    __table_args__ = (Index("ix_org_notice_org_created", "organisation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"))
    # The engagement it is about; the volunteer's name is read from their
    # person at display time (erasure takes it with them).
    engagement_id: Mapped[int | None] = mapped_column(
        ForeignKey("engagement.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))  # signed_up | withdrawn | cant_come | no_show
    waitlisted: Mapped[bool] = mapped_column(default=False)
    # The date it is about: the one date a weekly volunteer skips (skips_date).
    starts_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]

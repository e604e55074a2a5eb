from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class EngagementStatus(enum.StrEnum):
    INTERESTED = "interested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DONE = "done"
    NO_SHOW = "no_show"
    WITHDRAWN = "withdrawn"


# Statuses that hold one of the need's places (or a waitlist spot).
ACTIVE_STATUSES = (EngagementStatus.INTERESTED, EngagementStatus.ACCEPTED)
# Statuses of someone who held a place, also after the date passed (done) or
# they did not come: what an organisation counts on a need, past ones too.
HELD_STATUSES = (*ACTIVE_STATUSES, EngagementStatus.DONE, EngagementStatus.NO_SHOW)


class Engagement(Base):
    __tablename__ = "engagement"
    __table_args__ = (
        UniqueConstraint("need_id", "person_id"),
        Index("ix_engagement_need_status", "need_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[EngagementStatus] = mapped_column(
        Enum(EngagementStatus, native_enum=False, length=20)
    )
    waitlisted: Mapped[bool] = mapped_column(default=False)
    contact_shared: Mapped[bool] = mapped_column(default=False)
    hours: Mapped[float | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SkippedDate(Base):
    """One date of a weekly engagement the person will not come to ("❌ Ich
    kann nicht", ``signup.skip_date``): their calendar file leaves it out
    (EXDATE) and no reminder of it is planned again (issue 14.6)."""

    __tablename__ = "skipped_date"
    __table_args__ = (UniqueConstraint("engagement_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]  # the date's start as it was skipped (UTC)
    created_at: Mapped[datetime]

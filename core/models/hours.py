"""Hours a volunteer gave, one row per engagement and date (issue 14.5), and
the certificates (Ehrenamtsnachweise) issued over them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class HoursStatus(enum.StrEnum):
    LOGGED = "logged"  # said by the volunteer, waiting for the organisation
    CONFIRMED = "confirmed"  # the organisation confirmed it: goes on a certificate
    REJECTED = "rejected"  # the organisation said it was not so


class HoursEntry(Base):
    """One date of an engagement: a weekly engagement has one row per date it
    was done, never one row overwritten week after week."""

    __tablename__ = "hours_entry"
    __table_args__ = (UniqueConstraint("engagement_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date]  # the local date the hours were given on
    hours: Mapped[float]
    status: Mapped[HoursStatus] = mapped_column(
        Enum(HoursStatus, native_enum=False, length=20), default=HoursStatus.LOGGED
    )
    source: Mapped[str] = mapped_column(String(10))  # button | typed
    logged_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(80))  # an audit actor


class HoursCertificate(Base):
    """An issued Ehrenamtsnachweis: what it states (``content``), so that its
    verification code shows exactly that and no more. Goes with the person."""

    __tablename__ = "hours_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    holder_name: Mapped[str] = mapped_column(String(120))
    total_hours: Mapped[float]
    content: Mapped[dict[str, Any]]
    issued_at: Mapped[datetime]

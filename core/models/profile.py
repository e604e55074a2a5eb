from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class VolunteerProfile(Base):
    """What a person cares about, where and when. ``availability_mask`` is the
    weekly grid as 21 bits (``core.schedule``) so SQL can filter on it."""

    __tablename__ = "volunteer_profile"
    # Urgent-alert fan-out (core.fanout): opted-in people first, then a
    # latitude range; the other columns let the database bound each score
    # from the index alone.
    __table_args__ = (
        Index(
            "ix_profile_alert_geo",
            "urgent_alerts",
            "home_lat",
            "home_lon",
            "radius_km",
            "availability_mask",
            "spontaneous",
            "interest_mask",
            "tenant_id",
            "paused_until",
        ),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    interests: Mapped[list[str]] = mapped_column(default=list)
    interest_mask: Mapped[int] = mapped_column(default=0)  # interests as bits (core.fanout)
    qualifications: Mapped[list[str]] = mapped_column(default=list)
    # Qualifications the person said they do not have ("habe ich nicht"): the
    # only thing that hides a need asking for one (core.matching).
    lacks_qualifications: Mapped[list[str]] = mapped_column(default=list)
    home_lat: Mapped[float | None]
    home_lon: Mapped[float | None]
    home_label: Mapped[str | None] = mapped_column(String(120))
    radius_km: Mapped[float] = mapped_column(default=10.0)
    availability_mask: Mapped[int] = mapped_column(default=0)
    spontaneous: Mapped[bool] = mapped_column(default=False)
    urgent_alerts: Mapped[bool] = mapped_column(default=False)
    digest: Mapped[bool] = mapped_column(default=False)
    digest_weekday: Mapped[int] = mapped_column(default=0)  # 0 = Monday
    digest_hour: Mapped[int] = mapped_column(default=18)
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # None: tenant default
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    paused_until: Mapped[datetime | None]
    muted_kinds: Mapped[list[str]] = mapped_column(default=list)  # reminder kinds switched off
    updated_at: Mapped[datetime]

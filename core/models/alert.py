from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class AlertReach(Base):
    """Where an opted-in person can be alerted: one row per interest (``""``
    when they stated none), copied from ``VolunteerProfile`` whenever it is
    saved (``core.fanout.sync_alert_reach``). The urgent-alert fan-out reads
    the people interested in the need's category first, from this table's
    covering index, instead of every opted-in profile nearby."""

    __tablename__ = "alert_reach"
    __table_args__ = (
        Index(
            "ix_alert_reach_scan",
            "category",
            "home_lat",
            "home_lon",
            "radius_km",
            "availability_mask",
            "spontaneous",
            "tenant_id",
            "paused_until",
        ),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profile.person_id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    home_lat: Mapped[float]
    home_lon: Mapped[float]
    radius_km: Mapped[float]
    availability_mask: Mapped[int]
    spontaneous: Mapped[bool]
    tenant_id: Mapped[int]
    paused_until: Mapped[datetime | None]

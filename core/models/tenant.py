from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class Tenant(Base):
    """A municipality. The tenant file is the source; this row mirrors what
    queries need (region, moderation) and is synced at start-up."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    center_lat: Mapped[float]
    center_lon: Mapped[float]
    radius_km: Mapped[float]
    show_neighbours: Mapped[bool] = mapped_column(default=True)
    moderation_required: Mapped[bool] = mapped_column(default=True)
    # A published need whose only change is its time or helpers count stays
    # published; off (the default), every edit goes back to review.
    corrections_without_review: Mapped[bool] = mapped_column(default=False)
    retention_months: Mapped[int] = mapped_column(default=12)
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Berlin")
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    weekly_budget: Mapped[int] = mapped_column(default=5)

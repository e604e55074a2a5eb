from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, Enum, ForeignKey, Index, String, Text, or_
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class NeedStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    FILLED = "filled"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class Need(Base):
    """A Bedarf. ``cell_mask`` holds the weekly grid cells its times touch (in
    the tenant's zone) so retrieval filters on time in SQL; ``starts_at`` /
    ``ends_at`` hold a one-off range, ``recurrence`` a weekly one."""

    __tablename__ = "need"
    __table_args__ = (
        # Retrieval (core.search): equality on status, remote and category, a
        # latitude range, and every column the score bound and the visibility
        # filters read, so candidates are ranked from the index alone.
        Index(
            "ix_need_match",
            "status",
            "remote",
            "category",
            "lat",
            "lon",
            "cell_mask",
            "urgent",
            "tenant_id",
            "published_at",
            "starts_at",
            "ends_at",
            "valid_until",
            "hidden",
        ),
        Index("ix_need_status_category", "status", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(30))
    qualifications: Mapped[list[str]] = mapped_column(default=list)
    remote: Mapped[bool] = mapped_column(default=False)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    place_label: Mapped[str | None] = mapped_column(String(120))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    recurrence: Mapped[dict[str, Any] | None]  # {"days": ["di"], "from": "15:00", "to": "17:00"}
    cell_mask: Mapped[int] = mapped_column(default=0)
    helpers_wanted: Mapped[int] = mapped_column(default=1)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[NeedStatus] = mapped_column(
        Enum(NeedStatus, native_enum=False, length=20), default=NeedStatus.DRAFT
    )
    valid_until: Mapped[datetime | None]  # expiry of a recurring need
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(default=False)
    # A published need's change waiting for an editor (``needs.change_values``
    # form); the need stays public as approved until the change is approved.
    pending_change: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_by_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


def awaits_review() -> ColumnElement[bool]:
    """The Redaktion's queue: new needs, and published ones with a change."""
    return or_(Need.status == NeedStatus.PENDING_REVIEW, Need.pending_change.is_not(None))


class Offer(Base):
    """An Angebot: time, skills or resources (a van, a room) someone offers."""

    __tablename__ = "offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))  # time | skill | resource
    category: Mapped[str | None] = mapped_column(String(30))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    place_label: Mapped[str | None] = mapped_column(String(120))
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # When (the weekly grid of core.schedule; 0: any time), how far and what
    # skills: what matching an offer to needs reads (issue 14).
    cell_mask: Mapped[int] = mapped_column(default=0, server_default="0")
    radius_km: Mapped[float] = mapped_column(default=10.0, server_default="10")
    skills: Mapped[str | None] = mapped_column(String(200))
    # Which resource a resource offer lends (``core.resources``: van, room, ...).
    resource: Mapped[str | None] = mapped_column(String(20))

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class RelayDirection(enum.StrEnum):
    TO_VOLUNTEER = "to_volunteer"  # written on the web by the organisation
    FROM_VOLUNTEER = "from_volunteer"  # the volunteer's answer, written in their chat
    # One organisation to another about an offer (a company's van) and the
    # answers: ``from_organisation_id`` wrote, ``organisation_id`` receives.
    BETWEEN_ORGS = "between_orgs"


class RelayMessage(Base):
    """A message between an organisation and a volunteer, relayed through the
    volunteer's chat channel so neither sees the other's contact details.
    The organisation's inbox page lists these rows; ``emailed_at`` marks a
    volunteer's reply handed to the mail queue for the organisation."""

    __tablename__ = "relay_message"
    __table_args__ = (Index("ix_relay_message_org_at", "organisation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id", ondelete="SET NULL"))
    engagement_id: Mapped[int | None] = mapped_column(
        ForeignKey("engagement.id", ondelete="SET NULL")
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    direction: Mapped[RelayDirection] = mapped_column(
        Enum(RelayDirection, native_enum=False, length=20)
    )
    body: Mapped[str] = mapped_column(Text)
    author_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL")
    )
    delivered: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # message (about an engagement) | question (before sign-up) | offer (about
    # an offer) | contact (details the volunteer chose to pass on)
    kind: Mapped[str] = mapped_column(String(20), default="message", server_default="message")
    # The message this one answers: replies thread, in both directions.
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("relay_message.id", ondelete="SET NULL")
    )
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("offer.id", ondelete="SET NULL"), index=True
    )
    # The writing organisation of a message between organisations (None otherwise).
    from_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )

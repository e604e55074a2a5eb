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

    @classmethod
    def incoming(
        cls,
        *,
        tenant_id: int,
        organisation_id: int,
        body: str,
        kind: str,
        now: datetime,
        person_id: int | None = None,
        from_organisation_id: int | None = None,
        answering: RelayMessage | None = None,
        need_id: int | None = None,
        engagement_id: int | None = None,
        offer_id: int | None = None,
        account_id: int | None = None,
    ) -> RelayMessage:
        """The one constructor of a message an organisation receives: from a
        volunteer (``person_id``: ``FROM_VOLUNTEER``), or from another
        organisation (``from_organisation_id``: ``BETWEEN_ORGS``). An answer
        (``answering``) threads to the message it answers and stays about what
        that one was about (its need, engagement, offer) unless given. Stored
        as delivered: the web inbox shows it at once, the members' chats and
        mailboxes get theirs (``core.services.relay``)."""
        if (person_id is None) == (from_organisation_id is None):
            raise ValueError("an incoming message has exactly one writer")
        if answering is not None:
            need_id = need_id if need_id is not None else answering.need_id
            engagement_id = engagement_id if engagement_id is not None else answering.engagement_id
            offer_id = offer_id if offer_id is not None else answering.offer_id
        return cls(
            tenant_id=tenant_id,
            organisation_id=organisation_id,
            from_organisation_id=from_organisation_id,
            need_id=need_id,
            engagement_id=engagement_id,
            offer_id=offer_id,
            person_id=person_id,
            direction=RelayDirection.FROM_VOLUNTEER
            if from_organisation_id is None
            else RelayDirection.BETWEEN_ORGS,
            kind=kind,
            reply_to_id=answering.id if answering is not None else None,
            body=body,
            author_account_id=account_id,
            delivered=True,
            created_at=now,
        )

    @property
    def thread_kind(self) -> str:
        """The kind of an answer to this message: a question's or an offer's
        thread keeps its kind, anything else is a message."""
        return self.kind if self.kind in ("question", "offer") else "message"

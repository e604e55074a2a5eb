"""Outgoing e-mail: one durable queue for every mail the service sends."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class MailStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    SENT = "sent"  # handed to the SMTP server (or written to the outbox)
    PARKED = "parked"  # failed for good; an operator looks at the count
    DROPPED = "dropped"  # nothing left to say when its time came (a bundle emptied)


class QueuedMail(Base):
    """One mail, enqueued in the same transaction as what causes it and
    rendered at delivery from ``kind`` (the text keys ``mail.<kind>.*``) and
    ``data`` in ``language``. The sender claims a row (``claimed_until``)
    before sending, so two processes never send it twice; after sending the
    address and data are cleared, only the counts stay."""

    __tablename__ = "mail_queue"
    __table_args__ = (Index("ix_mail_queue_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Whom the mail is to or about: erasing them deletes their queued mail.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    # Editor notices collect into one pending mail per editor ("editor:<account id>").
    bundle_key: Mapped[str | None] = mapped_column(String(80), index=True)
    status: Mapped[MailStatus] = mapped_column(
        Enum(MailStatus, native_enum=False, length=20), default=MailStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))  # an error class, no address
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

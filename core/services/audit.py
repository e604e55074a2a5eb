"""The audit log: who did what to which subject (never contact details)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import AuditEvent


def record(
    session: AsyncSession,
    *,
    tenant_id: int | None,
    actor: str,
    action: str,
    subject: str,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            tenant_id=tenant_id, actor=actor, action=action, subject=subject, at=at, data=data or {}
        )
    )


def audit_row(
    *,
    tenant_id: int | None,
    actor: str,
    action: str,
    subject: str,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``record``'s row as values for a Core ``insert(AuditEvent)``."""
    return dict(
        tenant_id=tenant_id, actor=actor, action=action, subject=subject, at=at, data=data or {}
    )

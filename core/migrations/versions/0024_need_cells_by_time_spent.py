"""A need's weekly grid cells count a day part only when the need spends
real time in it (``core.schedule.SPILL_MINUTES``): a need from 10:00 to 12:30
was stored as morning and afternoon, and shown to people free in the
afternoon as fitting them. The cells of every need, and of a change waiting
for review, are computed again.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 07:00:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import core.models.base
from core.errors import InvalidTimeRange
from core.schedule import Weekly, one_off_mask, weekly_mask

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _as_dict(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else dict(value)


def _as_time(value: Any) -> datetime | None:
    """A stored moment, aware (UTC where the text carries no offset)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _mask(
    recurrence: Any, starts_at: Any, ends_at: Any, zone: ZoneInfo, old: int | None
) -> int | None:
    """The cells under today's rule, or ``old`` for times that give none."""
    try:
        weekly = _as_dict(recurrence)
        if weekly:
            return weekly_mask(Weekly.from_dict(weekly))
        starts, ends = _as_time(starts_at), _as_time(ends_at)
        if starts is None or ends is None:
            return old
        return one_off_mask(starts, ends, zone)
    except (InvalidTimeRange, KeyError, TypeError, ValueError):
        return old


def upgrade() -> None:
    bind = op.get_bind()
    zones = {
        tenant_id: ZoneInfo(name or "Europe/Berlin")
        for tenant_id, name in bind.execute(sa.text("SELECT id, timezone FROM tenant")).all()
    }
    need = sa.table(
        "need",
        sa.column("id", sa.Integer()),
        sa.column("tenant_id", sa.Integer()),
        sa.column("recurrence", sa.JSON()),
        sa.column("starts_at", core.models.base.UtcDateTime(timezone=True)),
        sa.column("ends_at", core.models.base.UtcDateTime(timezone=True)),
        sa.column("cell_mask", sa.Integer()),
        sa.column("pending_change", sa.JSON()),
    )
    rows = bind.execute(
        sa.select(
            need.c.id,
            need.c.tenant_id,
            need.c.recurrence,
            need.c.starts_at,
            need.c.ends_at,
            need.c.cell_mask,
            need.c.pending_change,
        )
    ).all()
    for need_id, tenant_id, recurrence, starts_at, ends_at, mask, pending in rows:
        zone = zones.get(tenant_id, ZoneInfo("Europe/Berlin"))
        new = _mask(recurrence, starts_at, ends_at, zone, mask)
        change = _as_dict(pending)
        if change is not None and "cell_mask" in change:
            change["cell_mask"] = _mask(
                change.get("recurrence"),
                change.get("starts_at"),
                change.get("ends_at"),
                zone,
                change["cell_mask"],
            )
        if new != mask or change != _as_dict(pending):
            bind.execute(
                need.update()
                .where(need.c.id == need_id)
                .values(cell_mask=new, pending_change=change)
            )


def downgrade() -> None:
    """The old cells are not kept; the new ones are what the code reads."""

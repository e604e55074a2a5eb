"""The dates of a weekly engagement a person skips are kept as such
(``skipped_date``), no longer only as cancelled reminders: every later
calendar file of that person's engagement leaves them out (EXDATE), and a
need moved back to a skipped time does not bring its reminders back.
Skips recorded before (in the audit log) are copied.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 04:00:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import core.models.base

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "skipped_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("engagement_id", "starts_at"),
    )
    _copy_earlier_skips(table)


def _copy_earlier_skips(table: sa.Table) -> None:
    """A skip so far is in the audit log (``date_skipped``, with the
    engagement and the date's start)."""
    bind = op.get_bind()
    audit = sa.table(
        "audit_event",
        sa.column("action", sa.String()),
        sa.column("data", sa.JSON()),
        sa.column("at", core.models.base.UtcDateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(audit.c.data, audit.c.at).where(audit.c.action == "date_skipped")
    ).all()
    engagements = {row[0] for row in bind.execute(sa.text("SELECT id FROM engagement")).all()}
    seen: set[tuple[int, datetime]] = set()
    values = []
    for data, at in rows:
        facts = json.loads(data) if isinstance(data, str) else data
        try:
            engagement_id = int(facts["engagement"])
            start = datetime.fromisoformat(facts["starts_at"]).astimezone(UTC)
        except (KeyError, TypeError, ValueError):
            continue
        if engagement_id not in engagements or (engagement_id, start) in seen:
            continue
        seen.add((engagement_id, start))
        values.append({"engagement_id": engagement_id, "starts_at": start, "created_at": at})
    if values:
        op.bulk_insert(table, values)


def downgrade() -> None:
    op.drop_table("skipped_date")

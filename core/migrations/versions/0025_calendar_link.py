"""A person's private calendar subscription (issue 14.6): the link
``/t/<tenant>/me/calendar/<token>.ics`` carries all their engagements;
only the SHA-256 of its token is kept, one per person, renewed on request
and deleted with the person.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models.base

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenant.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_calendar_link_tenant_id", "calendar_link", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_calendar_link_tenant_id", table_name="calendar_link")
    op.drop_table("calendar_link")

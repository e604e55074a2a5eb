"""A notice about one date of a weekly need (a volunteer skips it) keeps
that date (``org_notice.starts_at``), so the web inbox can name it. Older
notices have none and are shown as before.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models.base

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "org_notice",
        sa.Column("starts_at", core.models.base.UtcDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("org_notice", schema=None) as batch_op:
        batch_op.drop_column("starts_at")

"""Hardening (issue 11 findings 1, 3, 7): corrections without review per
tenant, a session version per web account

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table on SQLite: other tables
    # point at tenant and account, and copying them breaks those keys).
    op.add_column(
        "tenant",
        sa.Column(
            "corrections_without_review", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column(
        "account",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("session_version")
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("corrections_without_review")

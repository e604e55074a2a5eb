"""The web chat's opt-in e-mail address (issue 14, part 6)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_email",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenant.id"), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("confirm_hash", sa.String(64), unique=True),
        sa.Column("stop_token", sa.String(64), nullable=False, unique=True),
        sa.Column("requested_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", core.models.base.UtcDateTime(timezone=True)),
    )
    op.create_index("ix_chat_email_tenant_id", "chat_email", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_chat_email_tenant_id", table_name="chat_email")
    op.drop_table("chat_email")

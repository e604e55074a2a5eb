"""Feedback kept: a person's Rückmeldung by message is stored for the
tenant's editors (with consent, anonymised on erasure and after the tenant's
retention period) and counted in the statistics (issue 14.7). Importing and
exporting needs (issue 14.8) needs no table.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("anonymised_at", core.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_feedback_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_feedback_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_tenant_at", "feedback", ["tenant_id", "created_at"])
    op.create_index(op.f("ix_feedback_person_id"), "feedback", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_person_id"), table_name="feedback")
    op.drop_index("ix_feedback_tenant_at", table_name="feedback")
    op.drop_table("feedback")

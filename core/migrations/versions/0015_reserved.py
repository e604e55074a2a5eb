"""Needs by message, display name and organisation notices (issue 14, parts
1 and 2): the ``org_notice`` table (sign-ups, withdrawals, "can't come",
no-shows an organisation hears of) and when a person was asked for the name
organisations may see

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("waitlisted", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("read_at", core.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("mailed_at", core.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_org_notice_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_org_notice_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_org_notice_need_id_need"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_org_notice_engagement_id_engagement"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_notice")),
    )
    with op.batch_alter_table("org_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_notice_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_org_notice_org_created", ["organisation_id", "created_at"], unique=False
        )
    # Plain ADD COLUMN (no batch copy of a table others point at).
    op.add_column(
        "person",
        sa.Column("name_asked_at", core.models.base.UtcDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("name_asked_at")
    with op.batch_alter_table("org_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_org_notice_org_created")
        batch_op.drop_index(batch_op.f("ix_org_notice_tenant_id"))
    op.drop_table("org_notice")

"""Hours per date and the Ehrenamtsnachweis (issue 14.5): one hours_entry row
per engagement and date (weekly engagements no longer overwrite their hours),
confirmed by the organisation; hours_certificate keeps what each issued
certificate states, for its verification code

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hours_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "LOGGED",
                "CONFIRMED",
                "REJECTED",
                name="hoursstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("logged_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", core.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name=op.f("fk_hours_entry_engagement_id_engagement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hours_entry")),
        sa.UniqueConstraint("engagement_id", "day", name=op.f("uq_hours_entry_engagement_id_day")),
    )
    with op.batch_alter_table("hours_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hours_entry_engagement_id"), ["engagement_id"], unique=False
        )
    op.create_table(
        "hours_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("holder_name", sa.String(length=120), nullable=False),
        sa.Column("total_hours", sa.Double(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("issued_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_hours_certificate_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_hours_certificate_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hours_certificate")),
        sa.UniqueConstraint("code", name=op.f("uq_hours_certificate_code")),
    )
    with op.batch_alter_table("hours_certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hours_certificate_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hours_certificate_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("hours_certificate")
    op.drop_table("hours_entry")

"""Mail queue and organisation suspension: one durable queue for every
outgoing e-mail (issue 11.5, 13.2), editors' notices bundled through it,
organisations an editor suspended, and the code an editor links a chat with
(issue 13.1/13.3)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("bundle_key", sa.String(length=80), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "SENT",
                "PARKED",
                "DROPPED",
                name="mailstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", core.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", core.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", core.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_mail_queue_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_mail_queue_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_mail_queue_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_mail_queue_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_queue")),
    )
    with op.batch_alter_table("mail_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_queue_bundle_key"), ["bundle_key"], unique=False)
        batch_op.create_index(
            "ix_mail_queue_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mail_queue_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_queue_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mail_queue_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mail_queue_account_id"), ["account_id"], unique=False)

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suspended_at", core.models.base.UtcDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_link_code", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column(
                "chat_link_expires_at", core.models.base.UtcDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_account_chat_link_code"), ["chat_link_code"]
        )


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_account_chat_link_code"), type_="unique")
        batch_op.drop_column("chat_link_expires_at")
        batch_op.drop_column("chat_link_code")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("suspended_at")
    with op.batch_alter_table("mail_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_queue_account_id"))
        batch_op.drop_index(batch_op.f("ix_mail_queue_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_mail_queue_person_id"))
        batch_op.drop_index(batch_op.f("ix_mail_queue_tenant_id"))
        batch_op.drop_index("ix_mail_queue_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_mail_queue_bundle_key"))
    op.drop_table("mail_queue")

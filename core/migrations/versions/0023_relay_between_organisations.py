"""An organisation answers another organisation's offer (a company's van)
through the relay: ``relay_message.from_organisation_id`` is the writing
organisation of a message between organisations (direction
``between_orgs``; ``organisation_id`` receives it).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The key needs a copy of relay_message on SQLite (nothing else points at it
    # but its own reply_to_id).
    with op.batch_alter_table("relay_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_relay_message_from_organisation_id_organisation",
            "organisation",
            ["from_organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index(
        "ix_relay_message_from_organisation_id", "relay_message", ["from_organisation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_relay_message_from_organisation_id", table_name="relay_message")
    with op.batch_alter_table("relay_message", schema=None) as batch_op:
        batch_op.drop_column("from_organisation_id")

"""Offers from everyone and relay both ways (issue 14, parts 3 and 4): an
offer's week (cell mask), reach and skills; a relayed message's kind, the
message it answers and the offer it is about

Not in 0014, which was reserved for it: instances that already ran the
reserved no-op 0014 would never get these columns.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite: other tables point at these).
    op.add_column("offer", sa.Column("cell_mask", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("offer", sa.Column("radius_km", sa.Double(), nullable=False, server_default="10"))
    op.add_column("offer", sa.Column("skills", sa.String(length=200), nullable=True))
    op.add_column(
        "relay_message",
        sa.Column("kind", sa.String(length=20), nullable=False, server_default="message"),
    )
    # The keys need a copy of relay_message on SQLite (nothing points at it).
    with op.batch_alter_table("relay_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("offer_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_relay_message_reply_to_id_relay_message",
            "relay_message",
            ["reply_to_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_relay_message_offer_id_offer", "offer", ["offer_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index("ix_relay_message_offer_id", "relay_message", ["offer_id"])
    op.create_index("ix_offer_person_id", "offer", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_offer_person_id", table_name="offer")
    op.drop_index("ix_relay_message_offer_id", table_name="relay_message")
    with op.batch_alter_table("relay_message", schema=None) as batch_op:
        batch_op.drop_column("offer_id")
        batch_op.drop_column("reply_to_id")
        batch_op.drop_column("kind")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_column("skills")
        batch_op.drop_column("radius_km")
        batch_op.drop_column("cell_mask")

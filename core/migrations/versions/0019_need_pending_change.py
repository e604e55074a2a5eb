"""A published need's change waiting for review is stored beside it
(``need.pending_change``): the need stays public in its approved version until
an editor approves the change.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 07:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite: other tables point at need).
    op.add_column("need", sa.Column("pending_change", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_column("pending_change")

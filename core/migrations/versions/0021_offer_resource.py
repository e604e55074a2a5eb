"""An offer of a thing or a room says which (``offer.resource``: van, room,
tools, tent, tech, staff; ``core.resources``), so it is matched only to the
needs that resource suits. Older resource offers have none and are read
from their title when matched.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("offer", sa.Column("resource", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_column("resource")

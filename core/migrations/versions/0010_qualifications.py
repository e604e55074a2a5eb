"""Profiles: qualifications a volunteer said they lack

``volunteer_profile.lacks_qualifications`` holds the codes a person said they
do not have; only those hide a need that asks for one (issue 10). Existing
profiles start with an empty list: nobody has said so yet.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a batch copy of the table on
    # SQLite would drop the old one and, by ON DELETE CASCADE, every
    # ``alert_reach`` row with it.
    op.add_column(
        "volunteer_profile",
        sa.Column(
            "lacks_qualifications", sa.JSON(), nullable=False, server_default=sa.text("'[]'")
        ),
    )


def downgrade() -> None:
    # SQLite >= 3.35 and PostgreSQL drop a column in place (no table copy).
    op.execute("ALTER TABLE volunteer_profile DROP COLUMN lacks_qualifications")

"""Reserved: issue 10: qualifications a volunteer said they lack

A placeholder that keeps the revision chain linear while this work is done on
separate branches; it is filled in (or removed) by the change named above.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

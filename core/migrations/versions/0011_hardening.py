"""Reserved: issue 11 findings 1, 3, 7: moderation, hidden needs, sessions, rate limits

A placeholder that keeps the revision chain linear while this work is done on
separate branches; it is filled in (or removed) by the change named above.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

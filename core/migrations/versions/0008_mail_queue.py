"""Reserved: issue 11.5/13.2/13.3: durable mail queue, organisation verification, editor notices

A placeholder that keeps the revision chain linear while this work is done on
separate branches; it is filled in (or removed) by the change named above.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""Reserved: issue 11 finding 2: people, identities, profiles, states and consents per tenant

A placeholder that keeps the revision chain linear while this work is done on
separate branches; it is filled in (or removed) by the change named above.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

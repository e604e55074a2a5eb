"""Issue 13: editor invitations and tenant administration — no schema change

Kept in the chain on purpose: editor invitations need no new table. An
invited editor is an ``account`` without a password plus a ``membership``
(role editor or admin, no organisation); the invitation link is signed and,
once used, recorded in ``used_link``; the invitation mail is a row of the
mail queue (0008).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

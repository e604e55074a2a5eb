"""Single-use e-mailed links: ``use_once`` records a link's token id and
refuses a second use. The row is the lock, so the rule holds across
processes and for two clicks at the same moment (a primary key admits one).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from core.db import Database
from core.errors import DomainError
from core.models import UsedLink

# Rows outlive their link a little: token times are whole seconds.
GRACE = timedelta(minutes=5)


class LinkUsed(DomainError):
    key = "error.link_used"


async def was_used(db: Database, token_id: str) -> bool:
    async with db.sessions() as session:
        found = await session.scalar(select(UsedLink.token_id).where(UsedLink.token_id == token_id))
    return found is not None


async def use_once(db: Database, token_id: str, *, expires_at: datetime, now: datetime) -> None:
    """Mark the link used; raises ``LinkUsed`` when it was used before.
    Rows of links that expired anyway are pruned on the way."""
    try:
        async with db.transaction() as session:
            await session.execute(delete(UsedLink).where(UsedLink.expires_at < now - GRACE))
            session.add(UsedLink(token_id=token_id, expires_at=expires_at))
    except IntegrityError as exc:
        raise LinkUsed() from exc

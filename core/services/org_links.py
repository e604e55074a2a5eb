"""Which organisations a chat person may speak for (post needs by message).

The link itself is made on the web (membership by a linked chat person);
the chat only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.db import Database
from core.models import Membership, Organisation


@dataclass(frozen=True, slots=True)
class OrgRef:
    id: int
    name: str
    tenant_id: int


async def organisations_of_person(db: Database, person_id: int) -> list[OrgRef]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(Organisation.id, Organisation.name, Organisation.tenant_id)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.person_id == person_id)
            .order_by(Organisation.name)
        )
        return [OrgRef(*row) for row in rows.all()]

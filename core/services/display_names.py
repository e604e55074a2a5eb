"""The name organisations see for a volunteer (issue 14.2): asked once, at
the first sign-up; the first name by default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from core.db import Database
from core.errors import InvalidValue
from core.models import Person

MAX_NAME = 40
_NAME = re.compile(r"^[^\W\d_]+(?:[ .'’\-][^\W\d_]*){0,3}$")


@dataclass(frozen=True, slots=True)
class NameStatus:
    display_name: str | None
    asked: bool


def clean_name(raw: str) -> str:
    """A name as typed, trimmed; ``InvalidValue`` when it is no name (digits,
    several lines, too long, more than four words)."""
    name = " ".join(raw.split())
    if not name or len(name) > MAX_NAME or not _NAME.match(name):
        raise InvalidValue(field="display_name")
    return name


async def name_status(db: Database, person_id: int) -> NameStatus:
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(Person.display_name, Person.name_asked_at).where(Person.id == person_id)
            )
        ).one_or_none()
    if row is None:
        return NameStatus(None, True)
    return NameStatus(row[0], row[1] is not None)


async def mark_asked(db: Database, person_id: int, now: datetime) -> bool:
    """Note that the question was asked; False when it had been already
    (two sign-ups at once ask only once)."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Person)
            .where(Person.id == person_id, Person.name_asked_at.is_(None))
            .values(name_asked_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_display_name(db: Database, person_id: int, raw: str, now: datetime) -> str:
    name = clean_name(raw)
    async with db.transaction() as session:
        await session.execute(
            update(Person).where(Person.id == person_id).values(display_name=name)
        )
        await session.execute(
            update(Person)
            .where(Person.id == person_id, Person.name_asked_at.is_(None))
            .values(name_asked_at=now)
        )
    return name

"""The name organisations see for a volunteer (issue 14.2): asked once, at
the first sign-up; the first name by default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from core.db import Database
from core.errors import InvalidValue
from core.models import Person

MAX_NAME = 40
MIN_NAME = 2
_NAME = re.compile(r"^[^\W\d_]+(?:[ .'’\-][^\W\d_]*){0,3}$")
# What people put before a name: "Ich heiße Klaus", "My name is Sam", "I'm Jo".
_LEAD_IN = re.compile(
    r"^(?:(?:hallo|hi|hey|hello)[,!.]?\s+)?"
    r"(?:ich\s+hei(?:ß|ss)e|ich\s+bin(?:\s+(?:der|die))?|mein\s+name\s+ist|"
    r"mein\s+vorname\s+ist|nenn(?:t)?\s+mich|sag\s+einfach|hier\s+ist|"
    r"my\s+name\s+is|my\s+name'?s|i\s*['’]?\s*m|i\s+am|call\s+me|this\s+is|it'?s|"
    r"name\s*:)\s+",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"[\s.!,;:]+$")


def strip_lead_in(raw: str) -> str:
    """The name in "Ich heiße Klaus." or "call me Sam!": the words before it
    and the full stop after it dropped."""
    text = " ".join(raw.split())
    text = _LEAD_IN.sub("", text, count=1)
    return _TRAILING.sub("", text)


@dataclass(frozen=True, slots=True)
class NameStatus:
    display_name: str | None
    asked: bool


def clean_name(raw: str) -> str:
    """A name as typed, without lead-ins ("ich heiße", "my name is", …) and
    trimmed; ``InvalidValue`` when it is no name (digits, several lines, under
    two or over 40 characters, more than four words)."""
    if "\n" in raw.strip():
        raise InvalidValue(field="display_name")
    name = strip_lead_in(raw)
    if len(name) < MIN_NAME or len(name) > MAX_NAME or not _NAME.match(name):
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


async def clear_display_name(db: Database, person_id: int, now: datetime) -> None:
    """Organisations see "Eine freiwillige Person" from now on."""
    async with db.transaction() as session:
        await session.execute(
            update(Person)
            .where(Person.id == person_id)
            .values(display_name=None, name_asked_at=func.coalesce(Person.name_asked_at, now))
        )


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

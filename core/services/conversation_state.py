"""A conversation's stored state: load it with the person it belongs to, save
it with a version check (DESIGN.md, "Dialogue").

Plain values in and out: the dialogue engine gets a ``StoredConversation``
and hands back a JSON-able dict; no ORM object leaves this module.

Everything is per (tenant, identity): the same Telegram id in another
municipality's bot is another conversation and another person. The state
exists before consent, the person only after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.db import AsyncCommit, Database
from core.models import ConversationState, Identity, Person
from core.reminders.delivery import joined_transaction
from core.services.people import PersonRef

__all__ = [
    "StateConflict",
    "StoredConversation",
    "drop_state",
    "load_state",
    "save_key",
    "save_state",
]


class StateConflict(Exception):
    """Another process saved this conversation since it was loaded."""


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """The stored row as a turn found it: what the save checks against."""

    version: int  # 0: no row yet
    exists: bool
    data: dict[str, Any] | None
    language: str | None
    person: PersonRef | None
    unreachable: bool  # the identity was marked unreachable (they blocked the bot once)
    last_active_at: datetime | None


# The state, the person and whether the identity was marked unreachable, in
# one statement: one round trip per turn.
_KEY = select(
    bindparam("identity", type_=String(300)).label("key"),
    bindparam("tenant_slug", type_=String(40)).label("slug"),
    bindparam("tenant_id", type_=Integer()).label("tenant_id"),
).subquery("k")
_LOAD = select(
    ConversationState.data,
    ConversationState.version,
    ConversationState.language,
    Person.id,
    Person.tenant_id,
    Person.language,
    Person.display_name,
    Person.consent_version,
    Identity.unreachable_at,
    Person.last_active_at,
).select_from(
    _KEY.outerjoin(
        ConversationState,
        (ConversationState.identity == _KEY.c.key) & (ConversationState.tenant_slug == _KEY.c.slug),
    )
    .outerjoin(Identity, (Identity.key == _KEY.c.key) & (Identity.tenant_id == _KEY.c.tenant_id))
    .outerjoin(Person, Person.id == Identity.person_id)
)
_SAVE = (
    update(ConversationState)
    .where(
        ConversationState.identity == bindparam("s_identity"),
        ConversationState.tenant_slug == bindparam("s_tenant_slug"),
        ConversationState.version == bindparam("s_version"),
        # Saved on every turn: not worth a disk flush each (PostgreSQL's
        # commit waited 0.2-1.3 ms for it, longer than the rest of a turn).
        AsyncCommit(),
    )
    .values(
        version=bindparam("s_next_version"),
        data=bindparam("s_data", type_=ConversationState.data.type),
        language=bindparam("s_language"),
        updated_at=bindparam("s_updated_at", type_=ConversationState.updated_at.type),
    )
)
_C = ConversationState
# INSERT ... SELECT: a VALUES list takes no condition, and the first save of a
# conversation commits like every later one (``AsyncCommit``).
_INSERT = insert(_C).from_select(
    ["identity", "tenant_slug", "language", "data", "version", "updated_at"],
    select(
        bindparam("identity", type_=_C.identity.type),
        bindparam("tenant_slug", type_=_C.tenant_slug.type),
        bindparam("language", type_=_C.language.type),
        bindparam("data", type_=_C.data.type),
        bindparam("version", type_=_C.version.type),
        bindparam("updated_at", type_=_C.updated_at.type),
    ).where(AsyncCommit()),
)
_DROP = delete(ConversationState).where(
    ConversationState.identity == bindparam("identity"),
    ConversationState.tenant_slug == bindparam("tenant_slug"),
    AsyncCommit(),
)


async def load_state(
    db: Database, identity: str, tenant_slug: str, tenant_id: int
) -> StoredConversation:
    (row,) = await db.rows(
        _LOAD, {"identity": identity, "tenant_slug": tenant_slug, "tenant_id": tenant_id}
    )  # the key row
    (data, version, language, pid, person_tenant, p_lang, name, consent, unreachable,
     active) = row  # fmt: skip
    person = PersonRef(pid, person_tenant, p_lang, name, consent) if pid is not None else None
    exists = version is not None
    return StoredConversation(
        version or 0,
        exists,
        data if exists else None,
        language if exists else None,
        person,
        unreachable is not None,
        active,
    )


async def save_state(
    db: Database,
    identity: str,
    tenant_slug: str,
    loaded: StoredConversation,
    data: dict[str, Any],
    language: str,
    now: datetime,
) -> None:
    """Write the state unless it is unchanged; ``StateConflict`` when another
    process saved since ``loaded`` (the version check is in the WHERE, one
    statement committed in its own round trip)."""
    if loaded.exists and data == loaded.data and language == loaded.language:
        # Nothing changed: no write. Another process's save since our load
        # stands, as if this turn had come just before it.
        return
    if loaded.exists:
        changed = await db.write_one(
            _SAVE,
            {
                "s_identity": identity,
                "s_tenant_slug": tenant_slug,
                "s_version": loaded.version,
                "s_next_version": loaded.version + 1,
                "s_data": data,
                "s_language": language,
                "s_updated_at": now,
            },
        )
        if changed != 1:
            raise StateConflict()
        return
    try:
        await db.write_one(
            _INSERT,
            {
                "identity": identity,
                "version": 1,
                "data": data,
                "language": language,
                "updated_at": now,
                "tenant_slug": tenant_slug,
            },
        )
    except IntegrityError as exc:
        raise StateConflict() from exc


async def drop_state(db: Database, identity: str, tenant_slug: str) -> None:
    await db.write_one(_DROP, {"identity": identity, "tenant_slug": tenant_slug})


async def save_key(
    db: Database, identity: str, tenant_slug: str, key: str, value: Any, now: datetime
) -> bool:
    """Set one top-level key of a conversation's state from outside a turn
    (a reminder's question). Inside a delivery it joins the delivery's
    transaction (``joined_transaction``: the SQLite write lock is the
    delivery's), so it commits with the send, once. With the same version
    check a turn saves with: a turn that loaded before handles again and
    sees it. False when turns kept saving meanwhile (three tries)."""
    c = ConversationState
    where = (c.identity == identity, c.tenant_slug == tenant_slug)
    async with joined_transaction(db) as session:
        for _ in range(3):
            found = (await session.execute(select(c.data, c.version).where(*where))).first()
            if found is None:
                session.add(
                    ConversationState(
                        identity=identity,
                        tenant_slug=tenant_slug,
                        data={key: value},
                        version=1,
                        updated_at=now,
                    )
                )
                await session.flush()
                return True
            data, version = found
            changed = await session.execute(
                update(c)
                .where(*where, c.version == version)
                .values(data={**(data or {}), key: value}, version=version + 1, updated_at=now)
            )
            if changed.rowcount == 1:  # type: ignore[attr-defined]
                return True
    return False

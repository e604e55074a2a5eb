"""The web chat's transcript: the lines a web identity exchanged with the bot,
so the page can show the conversation (the dialogue state itself lives in
``conversation_state``). Only the latest lines are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from core.db import Database
from core.models import WebChatLine

KEEP = 60


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    from_bot: bool
    html: str
    buttons: tuple[tuple[str, str], ...]  # (label, payload)
    request_location: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewLine:
    from_bot: bool
    html: str
    buttons: tuple[tuple[str, str], ...] = ()
    request_location: bool = False


async def append(
    db: Database, identity: str, tenant_slug: str, lines: list[NewLine], now: datetime
) -> None:
    async with db.transaction() as session:
        for line in lines:
            session.add(WebChatLine(
                identity=identity, tenant_slug=tenant_slug, from_bot=line.from_bot,
                html=line.html, buttons=[{"label": lb, "payload": p} for lb, p in line.buttons],
                request_location=line.request_location, created_at=now,
            ))
        await session.flush()
        keep_from = await session.scalar(
            select(WebChatLine.id).where(WebChatLine.identity == identity)
            .order_by(WebChatLine.id.desc()).offset(KEEP - 1).limit(1)
        )
        if keep_from is not None:
            await session.execute(
                delete(WebChatLine).where(WebChatLine.identity == identity,
                                          WebChatLine.id < keep_from)
            )


def _buttons(raw: list[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(b["label"]), str(b["payload"])) for b in raw or [])


async def transcript(db: Database, identity: str, *, limit: int = 30) -> list[Line]:
    async with db.sessions() as session:
        rows = (
            await session.scalars(
                select(WebChatLine).where(WebChatLine.identity == identity)
                .order_by(WebChatLine.id.desc()).limit(limit)
            )
        ).all()
    return [Line(r.id, r.from_bot, r.html, _buttons(r.buttons), r.request_location, r.created_at)
            for r in reversed(rows)]


async def forget(db: Database, identity: str) -> None:
    async with db.transaction() as session:
        await session.execute(delete(WebChatLine).where(WebChatLine.identity == identity))

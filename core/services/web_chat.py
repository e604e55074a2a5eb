"""The web chat's transcript: the lines a web identity exchanged with the bot,
so the page can show the conversation (the dialogue state itself lives in
``conversation_state``). Only the latest lines are kept. Transcripts are per
identity and tenant: the same browser in two municipalities' chats has two."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.models import ConversationState, WebChatLine
from core.reminders.delivery import joined_transaction

KEEP = 60


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    from_bot: bool
    html: str
    buttons: tuple[tuple[str, str], ...]  # (label, payload)
    request_location: bool
    created_at: datetime
    attachments: tuple[tuple[int, str], ...] = ()  # (index, filename)


@dataclass(frozen=True, slots=True)
class NewLine:
    from_bot: bool
    html: str
    buttons: tuple[tuple[str, str], ...] = ()
    request_location: bool = False
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (filename, mime type, content)


async def append(
    db: Database, identity: str, tenant_slug: str, lines: list[NewLine], now: datetime
) -> None:
    """Add lines to a transcript (inside the scheduler's delivery, in its
    transaction: ``joined_transaction``)."""
    async with joined_transaction(db) as session:
        await _append(session, identity, tenant_slug, lines, now)


async def _append(
    session: AsyncSession, identity: str, tenant_slug: str, lines: list[NewLine], now: datetime
) -> None:
    for line in lines:
        session.add(
            WebChatLine(
                identity=identity,
                tenant_slug=tenant_slug,
                from_bot=line.from_bot,
                html=line.html,
                buttons=[{"label": lb, "payload": p} for lb, p in line.buttons],
                request_location=line.request_location,
                created_at=now,
                attachments=[
                    {
                        "filename": f,
                        "mime_type": m,
                        "content_b64": base64.b64encode(c).decode("ascii"),
                    }
                    for f, m, c in line.attachments
                ],
            )
        )
    await session.flush()
    keep_from = await session.scalar(
        select(WebChatLine.id)
        .where(WebChatLine.identity == identity, WebChatLine.tenant_slug == tenant_slug)
        .order_by(WebChatLine.id.desc())
        .offset(KEEP - 1)
        .limit(1)
    )
    if keep_from is not None:
        await session.execute(
            delete(WebChatLine).where(
                WebChatLine.identity == identity,
                WebChatLine.tenant_slug == tenant_slug,
                WebChatLine.id < keep_from,
            )
        )


def _buttons(raw: list[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(b["label"]), str(b["payload"])) for b in raw or [])


async def transcript(
    db: Database, identity: str, tenant_slug: str, *, limit: int = 30
) -> list[Line]:
    async with db.sessions() as session:
        rows = (
            await session.scalars(
                select(WebChatLine)
                .where(WebChatLine.identity == identity, WebChatLine.tenant_slug == tenant_slug)
                .order_by(WebChatLine.id.desc())
                .limit(limit)
            )
        ).all()
    return [
        Line(
            r.id,
            r.from_bot,
            r.html,
            _buttons(r.buttons),
            r.request_location,
            r.created_at,
            tuple((i, str(a["filename"])) for i, a in enumerate(r.attachments or [])),
        )
        for r in reversed(rows)
    ]


async def attachment(
    db: Database, identity: str, tenant_slug: str, line_id: int, index: int
) -> tuple[str, str, bytes] | None:
    """(filename, mime type, content) of a file in the identity's own transcript."""
    async with db.sessions() as session:
        row = await session.get(WebChatLine, line_id)
    if (
        row is None
        or row.identity != identity
        or row.tenant_slug != tenant_slug
        or not 0 <= index < len(row.attachments or [])
    ):
        return None
    item = row.attachments[index]
    return (str(item["filename"]), str(item["mime_type"]), base64.b64decode(item["content_b64"]))


async def forget(db: Database, identity: str, tenant_slug: str) -> None:
    """ "Start over": the transcript and the conversation state go (the browser
    gets a new identity, so nothing could ever read them again)."""
    async with db.transaction() as session:
        await session.execute(
            delete(WebChatLine).where(
                WebChatLine.identity == identity, WebChatLine.tenant_slug == tenant_slug
            )
        )
        await session.execute(
            delete(ConversationState).where(
                ConversationState.identity == identity,
                ConversationState.tenant_slug == tenant_slug,
            )
        )


async def forget_lines(db: Database, identity: str, tenant_slug: str) -> None:
    """Consent declined: the transcript goes (what was typed before the
    question), the conversation goes on."""
    async with db.transaction() as session:
        await session.execute(
            delete(WebChatLine).where(
                WebChatLine.identity == identity, WebChatLine.tenant_slug == tenant_slug
            )
        )

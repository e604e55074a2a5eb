"""The web chat's own notifier, which appends to the person's web chat
transcript. ``create_app`` registers it in ``App.notifiers`` beside the chat
channels'; the scheduler's delivery is the only caller."""

from __future__ import annotations

from collections.abc import Sequence

from core.db import Database
from core.services import chat_email
from core.services.web_chat import NewLine, append
from dialogue.markup import to_plain
from dialogue.messages import Reply
from dialogue.ports import Delivery


class WebChatNotifier:
    """Delivers to ``web:`` identities by adding lines to their transcript;
    the person sees them on their next visit to the chat page."""

    channel = "web"

    def __init__(self, db: Database, now: object) -> None:
        self._db = db
        self._now = now

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        lines = [reply_line(r) for r in replies]
        now = self._now()  # type: ignore[operator]
        await append(self._db, identity, tenant, lines, now)
        # The page may be closed: a copy to the address the person confirmed.
        await chat_email.forward(
            self._db, identity, tenant, [to_plain(r.text) for r in replies], now
        )
        return Delivery.DELIVERED


def reply_line(reply: Reply) -> NewLine:
    return NewLine(
        from_bot=True,
        html=reply.text,
        buttons=tuple((b.label, b.payload) for b in reply.buttons),
        request_location=reply.request_location,
    )

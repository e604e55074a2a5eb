"""Test doubles shared by the suite, one of each (STYLE.md: small fakes that
record what happened, dispatching synchronously: no threads, queues or sleeps
unless a test asks for a delay).

``ScriptedEngine`` stands in for the dialogue engine behind a channel (the
``dialogue.ports.ConversationEngine`` port): the channel tests check what the
channel makes of events and replies, not what the engine would answer.

``RecordingNotifier`` stands in for a chat channel at the other port
(``dialogue.ports.Notifier``): what delivery would have sent, to whom.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.notify import Delivery
from dialogue.markup import to_plain
from dialogue.messages import Incoming, Reply

__all__ = ["Journey", "RecordingNotifier", "ScriptedEngine"]

# A fixed conversation: the replies to any event, as a function of it.
Journey = Callable[[Incoming], list[Reply]]


@dataclass
class ScriptedEngine:
    """Answers each event from its script and records the events it got.

    ``script`` is either the turns in order (the replies for the first event,
    the second, …; ``…`` once they are used up) or a ``Journey``. ``delay``
    makes each turn take that long (for tests of concurrency and shutdown);
    ``error`` makes every turn raise it (an engine with a bug)."""

    script: list[list[Reply]] | Journey = field(default_factory=list)
    delay: float = 0.0
    error: Exception | None = None
    received: list[Incoming] = field(default_factory=list)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.received.append(incoming)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        if callable(self.script):
            return self.script(incoming)
        return self.script.pop(0) if self.script else [Reply("…")]

    def said(self) -> list[str | None]:
        """The texts of the events received, in order (None for other kinds)."""
        return [i.text for i in self.received]


@dataclass
class RecordingNotifier:
    """A chat channel that records what it would have sent, as
    ``(tenant, identity, replies)``; it can play a person who blocked the bot
    (``blocked``) or an outage (``down``)."""

    channel: str = "telegram"
    sent: list[tuple[str, str, tuple[Reply, ...]]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    down: bool = False

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        if self.down:
            return Delivery.FAILED
        if identity in self.blocked:
            return Delivery.UNREACHABLE
        self.sent.append((tenant, identity, tuple(replies)))
        return Delivery.DELIVERED

    def texts_to(self, identity: str) -> list[str]:
        """The plain texts sent to one identity, in order."""
        return [
            to_plain(r.text) for _, who, replies in self.sent if who == identity for r in replies
        ]

"""An in-process conversation: say something, read the replies and the state.

No channel, no threads, no sleeps: each call runs one event through the
engine and records what the bot answered (STYLE.md rule 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bots.bootstrap import App
from core.models import ConversationState
from core.tenants import TenantConfig
from dialogue.markup import to_plain
from dialogue.messages import Incoming, Location, Reply
from dialogue.state import DialogueState


@dataclass
class Conversation:
    app: App
    identity: str = "test:1"
    tenant: str = "aachen"
    language_hint: str | None = "de"
    replies: list[Reply] = field(default_factory=list)  # of the last turn
    transcript: list[tuple[str, list[Reply]]] = field(default_factory=list)

    async def send(self, incoming: Incoming) -> list[Reply]:
        self.replies = await self.app.engine.handle(incoming)
        self.transcript.append((repr(incoming), self.replies))
        return self.replies

    def _incoming(self, **kwargs: Any) -> Incoming:
        return Incoming(
            identity=self.identity, tenant=self.tenant, language_hint=self.language_hint, **kwargs
        )

    async def say(self, text: str, now: datetime | None = None) -> list[Reply]:
        return await self.send(self._incoming(text=text, now=now))

    async def press(self, payload_or_label: str, now: datetime | None = None) -> list[Reply]:
        """A payload as is, or the label of an offered button (as a channel would map it)."""
        for reply in reversed(self.replies):
            for button in reply.buttons:
                if payload_or_label in (button.label, button.payload):
                    return await self.send(self._incoming(button=button.payload, now=now))
            for button in reply.buttons:
                if payload_or_label.casefold() in button.label.casefold():
                    return await self.send(self._incoming(button=button.payload, now=now))
        return await self.send(self._incoming(button=payload_or_label, now=now))

    async def share_location(self, lat: float, lon: float) -> list[Reply]:
        return await self.send(self._incoming(location=Location(lat, lon)))

    async def command(self, name: str, args: str = "") -> list[Reply]:
        return await self.send(self._incoming(command=name, args=args))

    @property
    def tenant_config(self) -> TenantConfig:
        return self.app.tenants[self.tenant]

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    @property
    def text(self) -> str:
        """All replies of the last turn as plain text."""
        return "\n".join(to_plain(r.text) for r in self.replies)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return [(b.label, b.payload) for r in self.replies for b in r.buttons]

    def payloads(self) -> list[str]:
        return [p for _, p in self.buttons]

    async def state(self) -> DialogueState:
        async with self.app.db.sessions() as session:
            row = await session.get(ConversationState, (self.identity, self.tenant))
        return DialogueState.from_dict(row.data if row else None)

"""The ports between the dialogue and the channels.

A channel adapter turns platform events into ``Incoming``, calls
``ConversationEngine.handle`` and renders the replies. For messages the
service sends on its own (reminders, alerts), each channel implements
``Notifier``. Adapters hold no business rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from core.notify import Delivery
from core.tenants import TenantConfig
from dialogue.messages import Incoming, Reply

__all__ = ["Channel", "ConversationEngine", "Delivery", "Notifier", "UnreachableCallback"]


class ConversationEngine(Protocol):
    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Handle one event; never raises for anything a person can cause.
        Events of one identity are handled in order; different identities
        may be handled concurrently."""
        ...


@runtime_checkable
class Notifier(Protocol):
    channel: str  # "telegram", "matrix", "web", "console"

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        """Send unsolicited replies to one identity (``<channel>:<id>``)."""
        ...


class Channel(Protocol):
    """Something the runner starts and stops (a bot of one tenant, the web server).

    ``kind`` names the platform ("telegram", "matrix", "web"); ``tenant`` is
    the municipality a bot serves, None for one serving every tenant (the web
    server). A channel of one tenant that is also a ``Notifier`` carries that
    tenant's notifications of its kind (``bots.runner.notifiers_of``)."""

    name: str

    @property
    def kind(self) -> str: ...

    @property
    def tenant(self) -> TenantConfig | None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


# Called by an adapter when the platform says a person can no longer be reached.
UnreachableCallback = Callable[[str, str], Awaitable[None]]  # (tenant, identity)

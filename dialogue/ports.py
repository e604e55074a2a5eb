"""The ports between the dialogue and the channels.

A channel adapter turns platform events into ``Incoming``, calls
``ConversationEngine.handle`` and renders the replies. For messages the
service sends on its own (reminders, alerts), each channel implements
``Notifier``. Adapters hold no business rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from core.clock import Clock
from core.db import Database
from core.geo.gazetteer import Gazetteer
from core.notify import Delivery
from core.services.needs import PlaceResolver
from core.services.privacy import PersonalFiles
from core.taxonomy import Taxonomy
from core.tenants import TenantConfig
from dialogue.messages import Incoming, Reply

__all__ = [
    "Channel",
    "ConversationEngine",
    "Delivery",
    "DialogueServices",
    "Notifier",
    "UnreachableCallback",
]


@runtime_checkable
class DialogueServices(Protocol):
    """What the engine and the flows use of the application, and nothing
    more (``Turn.app``). ``bots.bootstrap.App`` satisfies it structurally;
    tests may pass anything with these attributes."""

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def tenants(self) -> Mapping[str, TenantConfig]: ...

    @property
    def tenant_ids(self) -> Mapping[str, int]: ...

    @property
    def taxonomy(self) -> Taxonomy: ...

    @property
    def gazetteer(self) -> Gazetteer: ...

    @property
    def places(self) -> PlaceResolver: ...

    @property
    def personal_files(self) -> PersonalFiles: ...

    @property
    def public_url(self) -> str:
        """Where people reach the web app (links the chat gives)."""
        ...


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

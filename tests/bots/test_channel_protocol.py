"""Issue 12: the ``Channel`` protocol declares ``kind`` and ``tenant``, and the
runner finds the bots that carry notifications by that protocol (a bot of one
tenant that is a ``Notifier``), not by looking for attribute names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bots.bootstrap import notifiers_of
from bots.matrix import MatrixChannel, MatrixCredentials
from bots.telegram import TelegramChannel
from bots.web.app import WebChannel
from core.tenants import MatrixConfig, TenantConfig
from dialogue.messages import Reply
from dialogue.ports import Channel, Delivery, Notifier
from tests.bots.telegram.harness import TOKEN, journey, make_tenant
from tests.fakes import ScriptedEngine


@dataclass
class Bot:
    """A tenant's bot of some kind that records what it would have sent."""

    kind: str
    tenant: TenantConfig | None
    name: str = "bot"
    sent: list[tuple[str, str]] = field(default_factory=list)

    @property
    def channel(self) -> str:
        return self.kind

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        self.sent.append((tenant, identity))
        return Delivery.DELIVERED


@dataclass
class Server:
    """Something the runner starts that sends nothing on its own."""

    kind: str = "web"
    tenant: TenantConfig | None = None
    name: str = "server"

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def test_notifications_go_to_the_bot_of_the_recipients_tenant(
    tenants: dict[str, TenantConfig],
) -> None:
    aachen, stolberg = tenants["aachen"], replace(tenants["aachen"], slug="stolberg")
    ac, st = Bot("telegram", aachen), Bot("telegram", stolberg)
    everyone = Bot("web", None)  # no tenant of its own: not a tenant's notifier
    channels: list[Channel] = [ac, st, everyone, Server(), Server(kind="matrix", tenant=aachen)]
    routers = notifiers_of(channels)
    assert set(routers) == {"telegram"}
    await routers["telegram"].notify("stolberg", "telegram:1", [Reply("Hallo")])
    assert st.sent == [("stolberg", "telegram:1")] and ac.sent == []
    assert await routers["telegram"].notify("eschweiler", "telegram:2", []) == (Delivery.NO_CHANNEL)


def test_every_channel_declares_its_kind_and_tenant(
    tenants: dict[str, TenantConfig], tmp_path: Path
) -> None:
    telegram = TelegramChannel(make_tenant("http://127.0.0.1:9"), ScriptedEngine(journey), TOKEN)
    matrix_tenant = replace(
        tenants["aachen"], matrix=MatrixConfig("http://127.0.0.1:9", "@bot:test", "PW")
    )
    matrix = MatrixChannel(
        matrix_tenant, ScriptedEngine(), MatrixCredentials(password="x"), tmp_path
    )
    assert (telegram.kind, telegram.tenant.slug) == ("telegram", "aachen")
    assert (matrix.kind, matrix.tenant.slug) == ("matrix", "aachen")
    assert (WebChannel.kind, WebChannel.tenant) == ("web", None)
    assert isinstance(telegram, Notifier) and isinstance(matrix, Notifier)
    assert set(notifiers_of([telegram, matrix])) == {"telegram", "matrix"}

"""One Matrix bot per tenant: matrix-nio with end-to-end encryption.

The bot is made of parts, one module each: ``session`` (login, shared state),
``sync`` (loop and worker), ``crypto`` (keys, pending decryption), ``rooms``
(membership, batches, direct rooms) and ``outbound`` (sending, ``notify``);
this module puts them together and turns a message into an ``Incoming``.

```
 sync loop ──SyncResponse──▶ queue ──▶ worker: invites, membership, messages
   │  (nio decrypts, keys           │        │ Incoming ─▶ engine.handle ─▶ replies
   │   upload/query/claim)          │        ▼
   └─ wakes notify() waiting        │   persist handled event ids, then the
      for a room it created         └── batch's next_batch once all are done
```

The sync loop only receives; a single worker handles the batches in order, so
the loop keeps syncing while a reply is prepared (and while ``notify`` waits
for a room it just created to appear). The sync token is persisted only after
every event of its batch was handled, and handled event ids are persisted as
they are handled: a restart re-reads an unfinished batch and skips what was
already answered, and nothing sent while the bot was down is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Iterable, Mapping
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    MatrixRoom,
    MegolmEvent,
    RoomMessageEmote,
    RoomMessageMedia,
    RoomMessageNotice,
    RoomMessageText,
    RoomMessageUnknown,
    SyncResponse,
)
from nio.events import Event, RoomEncryptedMedia

from bots.matrix import render
from bots.matrix.crypto import Encryption
from bots.matrix.outbound import Outbound
from bots.matrix.rooms import Rooms
from bots.matrix.session import TRANSIENT, LoginFailed, MatrixCredentials, identity_of
from bots.matrix.store import MatrixStore, SyncState
from bots.matrix.sync import SYNC_TIMEOUT_MS, Syncing
from bots.matrix.texts import MatrixTexts
from core.tenants import TenantConfig
from dialogue.messages import Incoming, Reply
from dialogue.ports import ConversationEngine, UnreachableCallback

__all__ = ["MatrixChannel", "MatrixCredentials", "build_matrix_channels"]

log = logging.getLogger(__name__)


class MatrixChannel(Syncing, Encryption, Rooms, Outbound):
    """A tenant's Matrix bot: a ``Channel`` for the runner and a ``Notifier``."""

    kind = "matrix"  # dialogue.ports.Channel
    channel = kind  # dialogue.ports.Notifier

    def __init__(
        self,
        tenant: TenantConfig,
        engine: ConversationEngine,
        credentials: MatrixCredentials,
        store_dir: Path,
        on_unreachable: UnreachableCallback | None = None,
        *,
        encrypt_new_rooms: bool = True,
        undecryptable_grace: float = 15.0,
        sync_timeout_ms: int = SYNC_TIMEOUT_MS,
        texts: MatrixTexts | None = None,
    ) -> None:
        if tenant.matrix is None:
            raise ValueError(f"tenant {tenant.slug} has no [matrix] table")
        self.tenant = tenant
        self.config = tenant.matrix
        self.name = f"matrix:{tenant.slug}"
        self.engine = engine
        self.on_unreachable = on_unreachable
        self.encrypt_new_rooms = encrypt_new_rooms
        self.undecryptable_grace = undecryptable_grace
        self.sync_timeout_ms = sync_timeout_ms
        self.store = MatrixStore(store_dir)
        self.failure: str | None = None  # why the bot is not running, for operators
        self._credentials = credentials
        self._texts = texts
        self._client: AsyncClient | None = None
        self._state = SyncState()
        self._since: str | None = None
        self._batches: asyncio.Queue[SyncResponse | None] = asyncio.Queue()  # None: wake up
        self._full_state = True
        self._synced = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._display_name = ""
        self._dm_locks: dict[str, asyncio.Lock] = {}
        self._keys_lock = asyncio.Lock()

    # ----------------------------------------------------------------- lifecycle

    @property
    def running(self) -> bool:
        return (
            self._client is not None
            and bool(self._tasks)
            and not self._stopping
            and self.failure is None
        )

    async def start(self) -> None:
        """Log in, catch up with the first sync and keep syncing in the background.

        Never raises for a bad login or an unreachable homeserver: the reason is
        logged with the tenant and kept in ``failure``, and other tenants run on."""
        if self._tasks:
            return
        self._stopping = False
        self._full_state = True
        self.failure = None
        _ = self.texts  # a broken texts file should fail at start, not at the first notice
        try:
            await self.store.open()
            self._state = await self.store.load_state()
            self._client = await self._login()
            await self._prepare()
            first = await self._sync()
        except LoginFailed as exc:
            await self._fail(f"login failed: {exc}")
            return
        except TRANSIENT as exc:
            await self._fail(
                f"homeserver {self.config.homeserver} unreachable ({type(exc).__name__})"
            )
            return
        if first is not None:
            self._batches.put_nowait(first)
        self._tasks = [
            asyncio.create_task(self._sync_loop(), name=f"{self.name}:sync"),
            asyncio.create_task(self._work(), name=f"{self.name}:worker"),
        ]
        log.info("Matrix bot for tenant %s running as device %s", self.tenant.slug, self.device_id)

    async def stop(self) -> None:
        """Stop syncing, let the event in hand finish, persist and close."""
        if not self._tasks and self._client is None:
            return
        self._stopping = True
        sync_task, *workers = self._tasks or [None]
        if sync_task is not None:
            sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sync_task
        for worker in workers:
            self._batches.put_nowait(None)
            try:
                await asyncio.wait_for(worker, timeout=20)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("Matrix bot %s: worker did not finish in time", self.tenant.slug)
        self._tasks = []
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self.store.save_state(self._state)
            await self._client.close()
            self._client = None
        log.info("Matrix bot for tenant %s stopped", self.tenant.slug)

    # ------------------------------------------------------------------- events

    async def _handle_event(self, room: MatrixRoom, event: Event, *, before_join: bool) -> None:
        try:
            if isinstance(event, MegolmEvent):
                decrypted = self._decrypt(room.room_id, event)
                if decrypted is None:
                    await self._await_key(room.room_id, event)
                    return
                event = decrypted
            await self._handle_message(room, event, before_join=before_join)
        except Exception:
            log.exception(
                "Matrix bot %s: handling event %s in %s failed",
                self.tenant.slug,
                event.event_id,
                room.room_id,
            )
        finally:
            self._state.mark_handled(event.event_id)
            await self.store.save_state(self._state)

    async def _handle_message(self, room: MatrixRoom, event: Event, *, before_join: bool) -> None:
        content = event.source.get("content", {})
        if not isinstance(content, dict) or _is_edit(content):
            return
        sender: str = event.sender  # type: ignore[attr-defined]
        group = self._is_group(room)
        if group:
            body = content.get("body", "")
            formatted = content.get("formatted_body", "")
            if before_join or not isinstance(body, str):
                return
            if not render.mentions(
                body,
                formatted if isinstance(formatted, str) else "",
                content.get("m.mentions"),
                self.user_id,
                self._names(room),
            ):
                return
        incoming = self._incoming(room, event, sender, group=group)
        if incoming is not None:
            # The display name the person chose in Matrix: offered as the name
            # organisations see, as Telegram's first name is (issue 14.2).
            incoming = dataclasses.replace(incoming, first_name=render.display_name(room, sender))
        if incoming is None:
            if isinstance(event, (RoomMessageMedia, RoomEncryptedMedia)) and not group:
                await self._send_notice(room.room_id, self.texts["unsupported"])
            return
        if group:
            target = await self._direct_room(sender)
            await self._send_notice(room.room_id, self.texts["moved_to_dm"])
        else:
            target = room.room_id
            self._state.direct.setdefault(sender, room.room_id)
        await self._converse(target, incoming)

    def _incoming(
        self, room: MatrixRoom, event: Event, sender: str, *, group: bool
    ) -> Incoming | None:
        identity, tenant = identity_of(sender), self.tenant.slug
        content: dict[str, Any] = event.source.get("content", {})
        if isinstance(event, RoomMessageUnknown) or content.get("msgtype") == "m.location":
            if content.get("msgtype") != "m.location":
                return None
            location = render.parse_geo_uri(str(content.get("geo_uri", "")))
            if location is None:
                return None
            return Incoming(identity=identity, tenant=tenant, location=location)
        if isinstance(event, RoomMessageNotice) or not isinstance(
            event, (RoomMessageText, RoomMessageEmote)
        ):
            return None
        text = render.strip_reply_fallback(event.body)
        if group:
            text = render.strip_mention(text, [self.user_id, *self._names(room)])
            if not text:
                return Incoming(identity=identity, tenant=tenant, command="start")
        offer = [] if group else self._state.buttons.get(room.room_id, [])
        return render.typed(text, offer, identity=identity, tenant=tenant)

    async def _converse(self, room_id: str, incoming: Incoming) -> None:
        client = self._require_client()
        await _quietly(client.room_typing(room_id, True, timeout=30_000))
        try:
            replies = await self.engine.handle(incoming)
        except Exception:
            log.exception("Matrix bot %s: the engine failed on an event", self.tenant.slug)
            replies = [Reply(self.texts["error"])]
        try:
            await self._send_replies(room_id, replies)
        finally:
            await _quietly(client.room_typing(room_id, False))


def _is_edit(content: dict[str, Any]) -> bool:
    relates = content.get("m.relates_to")
    return isinstance(relates, dict) and relates.get("rel_type") == "m.replace"


async def _quietly(call: Awaitable[Any]) -> None:
    """Typing notifications are a courtesy: never let them break a reply."""
    with contextlib.suppress(Exception):
        await call


def build_matrix_channels(
    tenants: Iterable[TenantConfig] | Mapping[str, TenantConfig],
    engine: ConversationEngine,
    environ: Mapping[str, str],
    data_dir: Path,
    on_unreachable: UnreachableCallback | None = None,
) -> list[MatrixChannel]:
    """One ``MatrixChannel`` per tenant with a ``[matrix]`` table, its store under
    ``<data_dir>/matrix/<slug>/``. Secrets come from the variables the tenant
    file names; a missing one is reported when the channel starts."""
    configs = tenants.values() if isinstance(tenants, Mapping) else tenants
    return [
        MatrixChannel(
            tenant,
            engine,
            MatrixCredentials.from_env(tenant, environ),
            Path(data_dir) / "matrix" / tenant.slug,
            on_unreachable,
        )
        for tenant in configs
        if tenant.matrix is not None
    ]

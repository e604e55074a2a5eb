"""One Matrix bot per tenant: matrix-nio with end-to-end encryption.

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
import io
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    EnableEncryptionBuilder,
    EncryptionError,
    InviteMemberEvent,
    JoinError,
    LocalProtocolError,
    LoginError,
    MatrixRoom,
    MegolmEvent,
    ProfileGetDisplayNameResponse,
    RoomCreateError,
    RoomMemberEvent,
    RoomMessageEmote,
    RoomMessageMedia,
    RoomMessageNotice,
    RoomMessageText,
    RoomMessageUnknown,
    RoomPreset,
    RoomSendError,
    SyncError,
    SyncResponse,
    UploadError,
    WhoamiResponse,
)
from nio.events import Event, RoomEncryptedMedia

from bots.matrix import render
from bots.matrix.store import MatrixStore, PendingEvent, Session, SyncState
from bots.matrix.texts import MatrixTexts, load_texts
from core.tenants import TenantConfig
from dialogue import choices
from dialogue.messages import Incoming, Reply
from dialogue.ports import ConversationEngine, Delivery, UnreachableCallback

__all__ = ["MatrixChannel", "MatrixCredentials", "build_matrix_channels"]

log = logging.getLogger(__name__)

IDENTITY_PREFIX = "matrix:"
# Long-poll timeout of one sync; also the longest a pending decryption waits past its deadline.
SYNC_TIMEOUT_MS = 30_000
# Enough history per room that a bot down for a while still sees every message.
SYNC_FILTER: dict[str, Any] = {
    "room": {"timeline": {"limit": 100}, "state": {"lazy_load_members": False}},
    "presence": {"not_types": ["*"]},
}
ROOM_WAIT_SECONDS = 30.0  # for a room we created to come down the sync
TRANSIENT = (aiohttp.ClientError, TimeoutError, OSError)


@dataclass(frozen=True, slots=True)
class MatrixCredentials:
    """The secret for one bot account, read from the variables its tenant file names."""

    password: str = field(default="", repr=False)
    access_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, tenant: TenantConfig, environ: Mapping[str, str]) -> MatrixCredentials:
        cfg = tenant.matrix
        if cfg is None:
            return cls()
        return cls(
            password=environ.get(cfg.password_env, "") if cfg.password_env else "",
            access_token=environ.get(cfg.access_token_env, "") if cfg.access_token_env else "",
        )


class LoginFailed(Exception):
    """The bot could not log in; the message names no secret."""


class _Unreachable(Exception):
    """The person cannot be invited (no such user, server refuses)."""


class _SendFailed(Exception):
    """The homeserver refused or could not take a message."""


def _identity(user_id: str) -> str:
    return IDENTITY_PREFIX + user_id


class MatrixChannel:
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

    @property
    def user_id(self) -> str:
        return self.config.user_id

    @property
    def device_id(self) -> str | None:
        return self._client.device_id if self._client else None

    @property
    def texts(self) -> MatrixTexts:
        if self._texts is None:
            self._texts = load_texts(self.tenant)
        return self._texts

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

    async def _fail(self, reason: str) -> None:
        self.failure = reason
        log.error(
            "Matrix bot for tenant %s (%s) not started: %s", self.tenant.slug, self.user_id, reason
        )
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _new_client(self, device_id: str | None) -> AsyncClient:
        config = AsyncClientConfig(
            encryption_enabled=True,
            store_sync_tokens=False,  # we persist the token ourselves, after handling
            max_limit_exceeded=20,  # M_LIMIT_EXCEEDED: nio waits retry_after_ms, then retries
            max_timeouts=3,
            request_timeout=60,
        )
        return AsyncClient(
            self.config.homeserver.rstrip("/"),
            self.user_id,
            device_id=device_id or "",
            store_path=str(self.store.directory),
            config=config,
        )

    async def _login(self) -> AsyncClient:
        """Restore the stored device, or log in once and remember it."""
        session = await self.store.load_session()
        if session is not None and session.user_id != self.user_id:
            raise LoginFailed(
                f"the store directory belongs to {session.user_id}; use an empty one for this account"
            )
        token = self._credentials.access_token
        if session is not None and (not token or token == session.access_token):
            client = self._new_client(session.device_id)
            client.restore_login(session.user_id, session.device_id, session.access_token)
            who = await client.whoami()
            if isinstance(who, WhoamiResponse):
                return client
            await client.close()
            if who.status_code != "M_UNKNOWN_TOKEN":
                raise LoginFailed(f"{who.status_code}: {who.message}")
            log.warning(
                "Matrix bot %s: stored access token rejected, logging in again", self.tenant.slug
            )
        device_id = session.device_id if session else None

        if token:
            client = self._new_client(None)
            client.access_token = token
            who = await client.whoami()
            if not isinstance(who, WhoamiResponse):
                await client.close()
                raise LoginFailed(f"access token rejected ({who.status_code}: {who.message})")
            if who.user_id != self.user_id or not who.device_id:
                await client.close()
                raise LoginFailed("the access token belongs to another account or has no device")
            client.restore_login(self.user_id, who.device_id, token)
        elif self._credentials.password:
            client = self._new_client(device_id)
            resp = await client.login(
                self._credentials.password, device_name=f"ehrenamt-bot {self.tenant.slug}"
            )
            if isinstance(resp, LoginError):
                await client.close()
                raise LoginFailed(f"{resp.status_code}: {resp.message}")
        else:
            names = " or ".join(
                n for n in (self.config.password_env, self.config.access_token_env) if n
            )
            raise LoginFailed(f"no stored session and no secret in {names or 'the environment'}")
        assert client.device_id and client.access_token
        await self.store.save_session(Session(self.user_id, client.device_id, client.access_token))
        return client

    async def _prepare(self) -> None:
        client = self._require_client()
        if client.should_upload_keys:
            await client.keys_upload()
        resp = await client.get_displayname()
        current = resp.displayname if isinstance(resp, ProfileGetDisplayNameResponse) else None
        wanted = self.tenant.branding.bot_name
        if wanted and current != wanted:
            await client.set_displayname(wanted)
            current = wanted
        self._display_name = current or ""
        self._since = self._state.next_batch

    def _require_client(self) -> AsyncClient:
        if self._client is None:
            raise RuntimeError(f"Matrix bot {self.tenant.slug} is not running")
        return self._client

    # --------------------------------------------------------------------- sync

    async def _sync(self) -> SyncResponse | None:
        """One sync; the first after start asks for the full state (resume)."""
        client = self._require_client()
        resp = await client.sync(
            timeout=0 if self._full_state else self._sync_timeout(),
            sync_filter=SYNC_FILTER,
            since=self._since,
            full_state=True if self._full_state else None,
            set_presence="online",
        )
        if isinstance(resp, SyncError):
            if resp.status_code == "M_UNKNOWN_TOKEN":
                raise LoginFailed("access token no longer valid")
            log.warning("Matrix bot %s: sync failed (%s)", self.tenant.slug, resp.status_code)
            return None
        self._since = resp.next_batch
        self._full_state = False
        await self._exchange_keys()
        async with self._synced:
            self._synced.notify_all()
        return resp

    def _sync_timeout(self) -> int:
        if not self._state.pending:
            return self.sync_timeout_ms
        due = min(p.first_seen for p in self._state.pending.values()) + self.undecryptable_grace
        return max(0, min(self.sync_timeout_ms, int((due - time.time()) * 1000) + 50))

    async def _exchange_keys(self) -> None:
        """What ``sync_forever`` does between syncs: to-device messages and keys."""
        client = self._require_client()
        async with self._keys_lock:
            try:
                if client.outgoing_to_device_messages:
                    await client.send_to_device_messages()
                if client.should_upload_keys:
                    await client.keys_upload()
                if client.should_query_keys:
                    await client.keys_query()
                if client.should_claim_keys:
                    await client.keys_claim(client.get_users_for_key_claiming())
            except LocalProtocolError as exc:
                log.debug("Matrix bot %s: key exchange skipped: %s", self.tenant.slug, exc)

    async def _know_devices(self, room_id: str) -> None:
        """Before encrypting: know every member's devices, so each gets the room key.

        nio's own check in ``room_send`` races with a key query still in flight
        from the sync loop; one lock around both closes that gap."""
        client = self._require_client()
        room = client.rooms.get(room_id)
        if room is None or not room.encrypted:
            return
        async with self._keys_lock:
            if not room.members_synced:
                await client.joined_members(room_id)
            if client.should_query_keys:
                await client.keys_query()

    async def _sync_loop(self) -> None:
        backoff = 1.0
        while not self._stopping:
            try:
                resp = await self._sync()
            except LoginFailed as exc:
                log.error("Matrix bot for tenant %s stopped syncing: %s", self.tenant.slug, exc)
                self.failure = str(exc)
                return
            except TRANSIENT as exc:
                log.warning(
                    "Matrix bot %s: homeserver unreachable (%s), retrying in %.0f s",
                    self.tenant.slug,
                    type(exc).__name__,
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            if resp is None:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            backoff = 1.0
            self._batches.put_nowait(resp)

    async def _work(self) -> None:
        """Handle batches in order; retry messages still waiting for their key."""
        while not self._stopping:
            try:
                batch = await asyncio.wait_for(self._batches.get(), timeout=self._pending_wait())
            except TimeoutError:
                batch = None
            if self._stopping:
                return
            try:
                if batch is not None:
                    complete = await self._handle_batch(batch)
                    if not complete:
                        return  # stopping mid-batch: keep the old token, redo the rest
                    self._state.next_batch = batch.next_batch
                await self._retry_pending()
                await self.store.save_state(self._state)
            except Exception:
                log.exception("Matrix bot %s: handling a sync batch failed", self.tenant.slug)

    def _pending_wait(self) -> float | None:
        if not self._state.pending:
            return None
        due = min(p.first_seen for p in self._state.pending.values()) + self.undecryptable_grace
        return max(0.05, due - time.time())

    # ------------------------------------------------------------------ batches

    async def _handle_batch(self, batch: SyncResponse) -> bool:
        client = self._require_client()
        for room_id, info in batch.rooms.invite.items():
            for event in info.invite_state:
                if (
                    isinstance(event, InviteMemberEvent)
                    and event.state_key == self.user_id
                    and event.membership == "invite"
                ):
                    await self._join(room_id)
                    break
        for room_id in batch.rooms.leave:
            self._state.forget_room(room_id)

        catching_up = self._state.next_batch is None  # a brand-new store: no history answered
        by_sender: dict[str, list[tuple[MatrixRoom, Event, bool]]] = {}
        departed: set[str] = set()  # rooms someone else left in this batch
        for room_id, info in batch.rooms.join.items():
            room = client.rooms.get(room_id)
            if room is None:
                continue
            events = info.timeline.events
            own_join = max(
                (
                    i
                    for i, e in enumerate(events)
                    if isinstance(e, RoomMemberEvent)
                    and e.state_key == self.user_id
                    and e.membership == "join"
                    and e.prev_membership != "join"
                ),
                default=-1,
            )
            for index, event in enumerate(events):
                if isinstance(event, RoomMemberEvent):
                    if await self._on_membership(room, event):
                        departed.add(room_id)
                    continue
                sender = getattr(event, "sender", None)
                if not sender or sender == self.user_id or catching_up:
                    continue
                if self._state.was_handled(event.event_id):
                    continue
                by_sender.setdefault(sender, []).append((room, event, index < own_join))

        async def run(items: list[tuple[MatrixRoom, Event, bool]]) -> bool:
            for room, event, before_join in items:
                if self._stopping:
                    return False
                await self._handle_event(room, event, before_join=before_join)
            return True

        # One person's events in order; different people concurrently.
        results = await asyncio.gather(*(run(items) for items in by_sender.values()))
        for room_id in departed:
            await self._leave_if_alone(room_id)
        return all(results)

    async def _join(self, room_id: str) -> None:
        client = self._require_client()
        resp = await client.join(room_id)
        if isinstance(resp, JoinError):
            log.warning(
                "Matrix bot %s: could not join %s (%s)", self.tenant.slug, room_id, resp.status_code
            )

    async def forget(self, tenant_slug: str, identities: Sequence[str]) -> None:
        """An erased person's traces in this bot's memory and store (the
        ``core.services.privacy`` hook)."""
        users = [k.split(":", 1)[1] for k in identities if k.startswith("matrix:")]
        if tenant_slug != self.tenant.slug or not users:
            return
        for user_id in users:
            self._state.forget_user(user_id)
        if await asyncio.to_thread(self.store.directory.is_dir):  # started once: it has a file
            await self.store.save_state(self._state)

    async def _on_membership(self, room: MatrixRoom, event: RoomMemberEvent) -> bool:
        """Note who left; True when someone other than the bot left the room."""
        if event.state_key == self.user_id or self._state.was_handled(event.event_id):
            return False
        self._state.mark_handled(event.event_id)
        if event.membership not in ("leave", "ban"):
            return False
        was_our_dm = self._state.direct.get(event.state_key) == room.room_id
        if was_our_dm:
            del self._state.direct[event.state_key]
            if event.prev_membership == "invite" and event.sender == event.state_key:
                # They declined our invitation: tell the core, it decides what that means.
                await self._unreachable(event.state_key)
        return True

    async def _leave_if_alone(self, room_id: str) -> None:
        client = self._require_client()
        room = client.rooms.get(room_id)
        if room is None or self.user_id not in room.users:
            return
        others = [u for u in room.users if u != self.user_id]
        if others:
            return
        await client.room_leave(room_id)
        self._state.forget_room(room_id)
        log.info("Matrix bot %s left room %s: nobody else in it", self.tenant.slug, room_id)

    async def _unreachable(self, user_id: str) -> None:
        if self.on_unreachable is not None:
            try:
                await self.on_unreachable(self.tenant.slug, _identity(user_id))
            except Exception:
                log.exception("Matrix bot %s: unreachable callback failed", self.tenant.slug)

    # ------------------------------------------------------------------- events

    def _is_group(self, room: MatrixRoom) -> bool:
        return len(room.users) > 2

    def _names(self, room: MatrixRoom) -> list[str]:
        names = [self._display_name, room.user_name(self.user_id) or ""]
        return [n for n in names if n and len(n) >= 3]

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
        identity, tenant = _identity(sender), self.tenant.slug
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
        command = render.parse_command(text)
        if command is not None:
            return Incoming(identity=identity, tenant=tenant, command=command[0], args=command[1])
        if not group:
            payload = choices.press(text, self._state.buttons.get(room.room_id, []))
            if payload is not None:
                return Incoming(identity=identity, tenant=tenant, button=payload)
        if not text.strip():
            return None
        return Incoming(identity=identity, tenant=tenant, text=text)

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

    # -------------------------------------------------------------- encryption

    def _decrypt(self, room_id: str, event: MegolmEvent) -> Event | None:
        client = self._require_client()
        event.room_id = room_id
        try:
            return client.decrypt_event(event)
        except (EncryptionError, LocalProtocolError):
            return None

    async def _await_key(self, room_id: str, event: MegolmEvent) -> None:
        """Ask the sender's devices for the key; tell the person if it never comes."""
        if event.event_id in self._state.pending:
            return
        self._state.pending[event.event_id] = PendingEvent(room_id, event.source, time.time())
        client = self._require_client()
        with contextlib.suppress(LocalProtocolError):  # already requested for this session
            await client.request_room_key(event)
        log.info("Matrix bot %s: waiting for the room key of %s", self.tenant.slug, event.event_id)

    async def _retry_pending(self) -> None:
        client = self._require_client()
        now = time.time()
        for event_id, pending in list(self._state.pending.items()):
            room = client.rooms.get(pending.room_id)
            if room is None:
                del self._state.pending[event_id]
                continue
            event = MegolmEvent.from_dict(pending.source)
            decrypted = (
                self._decrypt(pending.room_id, event) if isinstance(event, MegolmEvent) else None
            )
            if decrypted is not None:
                del self._state.pending[event_id]
                await self._handle_event(room, decrypted, before_join=False)
            elif now >= pending.first_seen + self.undecryptable_grace:
                del self._state.pending[event_id]
                log.info(
                    "Matrix bot %s: no room key for %s, told the sender", self.tenant.slug, event_id
                )
                if not self._is_group(room):
                    try:
                        await self._send_notice(room.room_id, self.texts["undecryptable"])
                    except _SendFailed:
                        log.warning("Matrix bot %s: could not send the notice", self.tenant.slug)

    # ---------------------------------------------------------------- sending

    async def _send_replies(self, room_id: str, replies: Sequence[Reply]) -> None:
        offered = render.offer(replies)
        last = max((i for i, r in enumerate(replies) if r.buttons), default=-1)
        hint = self.texts["location_hint"]
        for i, reply in enumerate(replies):
            content = render.message_content(reply, location_hint=hint, pressable=i == last)
            await self._send(room_id, content)
            for attachment in reply.attachments:
                await self._send_file(room_id, attachment)
        if offered:
            self._state.buttons[room_id] = offered
        else:
            self._state.buttons.pop(room_id, None)

    async def _send_notice(self, room_id: str, text: str) -> None:
        await self._send(room_id, render.notice_content(text))

    async def _send(self, room_id: str, content: dict[str, Any]) -> None:
        client = self._require_client()
        await self._know_devices(room_id)
        try:
            resp = await client.room_send(
                room_id, "m.room.message", content, ignore_unverified_devices=True
            )
        except LocalProtocolError as exc:
            raise _SendFailed(str(exc)) from exc
        if isinstance(resp, RoomSendError):
            raise _SendFailed(f"{resp.status_code}: {resp.message}")

    async def _send_file(self, room_id: str, attachment: Any) -> None:
        client = self._require_client()
        room = client.rooms.get(room_id)
        encrypt = bool(room and room.encrypted)
        resp, keys = await client.upload(
            io.BytesIO(attachment.content),
            content_type=attachment.mime_type,
            filename=attachment.filename,
            encrypt=encrypt,
            filesize=attachment.size,
        )
        if isinstance(resp, UploadError):
            raise _SendFailed(f"upload: {resp.status_code}")
        await self._send(room_id, render.file_content(attachment, resp.content_uri, keys))

    # ------------------------------------------------------------ direct rooms

    def _dm_usable(self, room_id: str | None, user_id: str) -> bool:
        client = self._require_client()
        room = client.rooms.get(room_id) if room_id else None
        return (
            room is not None
            and self.user_id in room.users
            and user_id in room.users
            and len(room.users) == 2
        )

    async def _direct_room(self, user_id: str) -> str:
        """The person's direct room; opened (``is_direct``, invited) when there is none."""
        lock = self._dm_locks.setdefault(user_id, asyncio.Lock())
        async with lock:
            known = self._state.direct.get(user_id)
            if self._dm_usable(known, user_id):
                assert known is not None
                return known
            client = self._require_client()
            initial_state = [EnableEncryptionBuilder().as_dict()] if self.encrypt_new_rooms else []
            resp = await client.room_create(
                is_direct=True,
                invite=[user_id],
                preset=RoomPreset.trusted_private_chat,
                initial_state=initial_state,
            )
            if isinstance(resp, RoomCreateError):
                if resp.status_code in (
                    "M_NOT_FOUND",
                    "M_UNKNOWN",
                    "M_FORBIDDEN",
                    "M_INVALID_PARAM",
                ):
                    raise _Unreachable(resp.status_code)
                raise _SendFailed(f"room create: {resp.status_code}")
            room_id = resp.room_id
            await self._wait_for(
                lambda: (
                    (room := client.rooms.get(room_id)) is not None
                    and user_id in room.users
                    and room.encrypted == self.encrypt_new_rooms
                )
            )
            self._state.direct[user_id] = room_id
            await self.store.save_state(self._state)
            return room_id

    async def _wait_for(self, ready: Callable[[], bool]) -> None:
        """Until a sync makes ``ready()`` true (a room we created shows up)."""
        async with asyncio.timeout(ROOM_WAIT_SECONDS), self._synced:
            await self._synced.wait_for(ready)

    # ----------------------------------------------------------------- notify

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        """Send unsolicited replies; opens a direct room with someone who never wrote."""
        if not identity.startswith(IDENTITY_PREFIX):
            raise ValueError("not a Matrix identity")
        if tenant != self.tenant.slug:
            raise ValueError("notification for another tenant's bot")
        user_id = identity.removeprefix(IDENTITY_PREFIX)
        if not self.running:
            return Delivery.FAILED
        try:
            room_id = await self._direct_room(user_id)
            await self._send_replies(room_id, replies)
            await self.store.save_state(self._state)
        except _Unreachable:
            await self._unreachable(user_id)
            return Delivery.UNREACHABLE
        except (_SendFailed, TimeoutError, *TRANSIENT) as exc:
            log.warning(
                "Matrix bot %s: notification not delivered (%s)",
                self.tenant.slug,
                type(exc).__name__,
            )
            return Delivery.FAILED
        return Delivery.DELIVERED


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

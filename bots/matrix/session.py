"""The bot's session: its account's secret, logging in (or restoring the
stored device), the display name, and the state every part of the bot shares.

``MatrixSession`` is the base of ``MatrixChannel``; the other parts —
``sync``, ``crypto``, ``rooms`` and ``outbound`` — build on it, and the
methods they offer each other are declared here, so each part says what it
needs from the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginError,
    MatrixRoom,
    ProfileGetDisplayNameResponse,
    SyncResponse,
    WhoamiResponse,
)
from nio.events import Event

from bots.matrix.store import MatrixStore, Session, SyncState
from bots.matrix.texts import MatrixTexts, load_texts
from core.tenants import MatrixConfig, TenantConfig
from dialogue.ports import ConversationEngine, UnreachableCallback

__all__ = ["IDENTITY_PREFIX", "TRANSIENT", "LoginFailed", "MatrixCredentials", "MatrixSession"]

log = logging.getLogger(__name__)

IDENTITY_PREFIX = "matrix:"
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


def identity_of(user_id: str) -> str:
    return IDENTITY_PREFIX + user_id


class MatrixSession:
    """What every part of a tenant's bot shares: the tenant, the client once
    logged in, the persisted sync state and store (set in ``MatrixChannel``)."""

    tenant: TenantConfig
    config: MatrixConfig
    name: str
    engine: ConversationEngine
    on_unreachable: UnreachableCallback | None
    encrypt_new_rooms: bool
    undecryptable_grace: float
    sync_timeout_ms: int
    store: MatrixStore
    failure: str | None
    _credentials: MatrixCredentials
    _texts: MatrixTexts | None
    _client: AsyncClient | None
    _state: SyncState
    _since: str | None
    _batches: asyncio.Queue[SyncResponse | None]
    _full_state: bool
    _synced: asyncio.Condition
    _tasks: list[asyncio.Task[None]]
    _stopping: bool
    _display_name: str
    _dm_locks: dict[str, asyncio.Lock]
    _keys_lock: asyncio.Lock

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

    # ------------------------------------------- what the other parts offer

    @property
    def running(self) -> bool:  # channel
        raise NotImplementedError

    async def _wait_for(self, ready: Callable[[], bool]) -> None:  # sync
        raise NotImplementedError

    async def _exchange_keys(self) -> None:  # crypto
        raise NotImplementedError

    async def _know_devices(self, room_id: str) -> None:  # crypto
        raise NotImplementedError

    async def _retry_pending(self) -> None:  # crypto
        raise NotImplementedError

    async def _handle_batch(self, batch: SyncResponse) -> bool:  # rooms
        raise NotImplementedError

    def _is_group(self, room: MatrixRoom) -> bool:  # rooms
        raise NotImplementedError

    async def _direct_room(self, user_id: str) -> str:  # rooms
        raise NotImplementedError

    async def _unreachable(self, user_id: str) -> None:  # rooms
        raise NotImplementedError

    async def _handle_event(self, room: MatrixRoom, event: Event, *, before_join: bool) -> None:
        raise NotImplementedError  # channel

    async def _send_notice(self, room_id: str, text: str) -> None:  # outbound
        raise NotImplementedError

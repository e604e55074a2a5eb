"""Syncing: the long-poll loop that only receives, and the worker that
handles its batches in order.

The sync token is persisted only after every event of its batch was handled;
a restart re-reads an unfinished batch (``rooms`` skips what was answered).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from nio import (
    SyncError,
    SyncResponse,
)

from bots.matrix.session import TRANSIENT, LoginFailed, MatrixSession

__all__ = ["ROOM_WAIT_SECONDS", "SYNC_FILTER", "SYNC_TIMEOUT_MS", "Syncing"]

log = logging.getLogger(__name__)

# Long-poll timeout of one sync; also the longest a pending decryption waits past its deadline.
SYNC_TIMEOUT_MS = 30_000
# Enough history per room that a bot down for a while still sees every message.
SYNC_FILTER: dict[str, Any] = {
    "room": {"timeline": {"limit": 100}, "state": {"lazy_load_members": False}},
    "presence": {"not_types": ["*"]},
}
ROOM_WAIT_SECONDS = 30.0  # for a room we created to come down the sync


class Syncing(MatrixSession):
    """The sync loop, the batch worker, and waiting for a sync to show something."""

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

    async def _wait_for(self, ready: Callable[[], bool]) -> None:
        """Until a sync makes ``ready()`` true (a room we created shows up)."""
        async with asyncio.timeout(ROOM_WAIT_SECONDS), self._synced:
            await self._synced.wait_for(ready)

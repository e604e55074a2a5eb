"""End-to-end encryption: keys exchanged between syncs, every member's
devices known before sending, and messages whose room key has not arrived yet
kept and retried (the sender is told if it never comes)."""

from __future__ import annotations

import contextlib
import logging
import time

from nio import (
    EncryptionError,
    LocalProtocolError,
    MegolmEvent,
)
from nio.events import Event

from bots.matrix.outbound import SendFailed
from bots.matrix.session import MatrixSession
from bots.matrix.store import PendingEvent

__all__ = ["Encryption"]

log = logging.getLogger(__name__)


class Encryption(MatrixSession):
    """Keys, decryption and the messages still waiting for their key."""

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
                    except SendFailed:
                        log.warning("Matrix bot %s: could not send the notice", self.tenant.slug)

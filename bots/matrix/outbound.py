"""Sending: replies as messages (files uploaded, encrypted where the room
is), the channel's own notices, and notifications to people who may never
have written (``Notifier``)."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

from nio import (
    LocalProtocolError,
    RoomSendError,
    UploadError,
)

from bots.matrix import render
from bots.matrix.session import IDENTITY_PREFIX, TRANSIENT, MatrixSession
from dialogue.choices import offering
from dialogue.messages import Reply
from dialogue.ports import Delivery

__all__ = ["Outbound", "SendFailed", "Unreachable"]

log = logging.getLogger(__name__)


class Unreachable(Exception):
    """The person cannot be invited (no such user, server refuses)."""


class SendFailed(Exception):
    """The homeserver refused or could not take a message."""


class Outbound(MatrixSession):
    """Replies, notices, files and notifications."""

    async def _send_replies(self, room_id: str, replies: Sequence[Reply]) -> None:
        offered = render.offer(replies)
        last = offering(replies)
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
            raise SendFailed(str(exc)) from exc
        if isinstance(resp, RoomSendError):
            raise SendFailed(f"{resp.status_code}: {resp.message}")

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
            raise SendFailed(f"upload: {resp.status_code}")
        await self._send(room_id, render.file_content(attachment, resp.content_uri, keys))

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
        except Unreachable:
            await self._unreachable(user_id)
            return Delivery.UNREACHABLE
        except (SendFailed, TimeoutError, *TRANSIENT) as exc:
            log.warning(
                "Matrix bot %s: notification not delivered (%s)",
                self.tenant.slug,
                type(exc).__name__,
            )
            return Delivery.FAILED
        return Delivery.DELIVERED

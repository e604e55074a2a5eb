"""Rooms: invitations joined, a sync batch's events sorted by person
(one person's in order, different people concurrently), who left, and the
direct room with each person (opened when there is none)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from nio import (
    EnableEncryptionBuilder,
    InviteMemberEvent,
    JoinError,
    MatrixRoom,
    RoomCreateError,
    RoomMemberEvent,
    RoomPreset,
    SyncResponse,
)
from nio.events import Event

from bots.matrix.outbound import SendFailed, Unreachable
from bots.matrix.session import MatrixSession, identity_of

__all__ = ["Rooms"]

log = logging.getLogger(__name__)


class Rooms(MatrixSession):
    """Membership, batches of events per person, and direct rooms."""

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
                await self.on_unreachable(self.tenant.slug, identity_of(user_id))
            except Exception:
                log.exception("Matrix bot %s: unreachable callback failed", self.tenant.slug)

    def _is_group(self, room: MatrixRoom) -> bool:
        return len(room.users) > 2

    def _names(self, room: MatrixRoom) -> list[str]:
        names = [self._display_name, room.user_name(self.user_id) or ""]
        return [n for n in names if n and len(n) >= 3]

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
                    raise Unreachable(resp.status_code)
                raise SendFailed(f"room create: {resp.status_code}")
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

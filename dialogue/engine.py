"""The conversation engine: load the identity's state, handle one event,
save, return the replies (DESIGN.md, "Dialogue").

Order and safety:
* one ``asyncio.Lock`` per identity keeps a person's events in order in
  this process; different people run concurrently;
* across processes the state row carries a ``version``: a save that finds
  another version reloads and handles the event once more;
* nothing a person can send raises: domain errors become their text, a
  programming error is logged (with no message content) and answered with
  an apology, and the state stays as it was before the event.

What an event means is not decided here: ``dialogue/events.py`` normalises
and routes it to what the flows registered (``dialogue/registry.py``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from core import metrics
from core.clock import as_utc
from core.db import DatabaseUnavailable, is_unavailable
from core.errors import DomainError
from core.services.conversation_state import (
    StateConflict,
    StoredConversation,
    drop_state,
    load_state,
    save_state,
)
from core.services.people import mark_reachable, touch
from core.tenants import TenantConfig
from dialogue.events import handle_event
from dialogue.flows import load_flows
from dialogue.markup import escape
from dialogue.messages import Incoming, Reply, reply_from_dict, reply_to_dict
from dialogue.ports import DialogueServices
from dialogue.state import DialogueState
from dialogue.texts import LANGUAGES, EditedTexts, Texts
from dialogue.turn import Turn
from dialogue.understanding import Understanding, load_nlu

log = logging.getLogger(__name__)

# Retention counts from the last activity; once a day is exact enough and
# spares a write on every turn.
ACTIVITY_RESOLUTION = timedelta(days=1)


class Engine:
    def __init__(self, app: DialogueServices, understanding: Understanding) -> None:
        load_flows()
        self.app = app
        self.understanding = understanding
        self.edited = EditedTexts(app.db)
        self._locks: dict[str, asyncio.Lock] = {}

    async def handle(self, incoming: Incoming) -> list[Reply]:
        started = time.perf_counter()
        tenant = incoming.tenant if incoming.tenant in self.app.tenants else "unknown"
        metrics.message_in(incoming.identity, tenant)
        key = f"{incoming.tenant}\x00{incoming.identity}"
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                replies = await self._handle_in_order(incoming)
            metrics.messages_out(incoming.identity, tenant, len(replies))
            metrics.reply_latency(incoming.identity, time.perf_counter() - started)
            return replies
        finally:
            if not lock.locked() and not getattr(lock, "_waiters", None):
                self._locks.pop(key, None)

    async def _handle_in_order(self, incoming: Incoming) -> list[Reply]:
        tenant = self.app.tenants.get(incoming.tenant)
        if tenant is None:
            log.warning("event for unknown tenant", extra={"tenant": incoming.tenant})
            return [Reply("Dieser Bot ist nicht eingerichtet. / This bot is not set up.")]
        turn: Turn | None = None
        for attempt in range(2):
            try:
                turn, loaded = await self._load(incoming, tenant)
            except Exception as exc:
                if is_unavailable(exc):
                    raise DatabaseUnavailable() from exc
                raise
            seen = turn.state.last_event
            if incoming.event_id and seen and seen.get("id") == incoming.event_id:
                # The same event again (a webhook retried after a failed send):
                # the answer it got, not a second turn.
                return [reply_from_dict(r) for r in seen.get("replies", [])]
            try:
                drop = await handle_event(turn, incoming)
            except DomainError as exc:  # a person's mistake a flow did not catch itself
                return [Reply(turn.t(exc.key, **error_values(exc)), turn.menu())]
            except Exception as exc:
                if is_unavailable(exc):
                    # Not the person's fault and not a bug: the channel keeps
                    # the event and hands it in again once the database is back.
                    log.warning(
                        "dialogue turn postponed: database unavailable",
                        extra={"tenant": tenant.slug, "kind": _kind(incoming)},
                    )
                    raise DatabaseUnavailable() from exc
                log.exception(
                    "dialogue turn failed",
                    extra={
                        "tenant": tenant.slug,
                        "flow": turn.state.flow,
                        "slot": turn.state.slot,
                        "kind": _kind(incoming),
                    },
                )
                return [Reply(turn.t("error.apology"), turn.menu())]
            if incoming.event_id and not drop:
                turn.state.last_event = {
                    "id": incoming.event_id,
                    "replies": [reply_to_dict(r) for r in turn.replies],
                }
            try:
                await self._save(turn, loaded, drop)
                return turn.replies
            except StateConflict:
                if attempt == 0:
                    log.info("conversation state changed meanwhile; handling again")
        log.warning("conversation state conflict twice; replies sent, state kept by the other")
        return turn.replies if turn else [Reply("…")]

    # -- state ---------------------------------------------------------------

    async def _load(
        self, incoming: Incoming, tenant: TenantConfig
    ) -> tuple[Turn, StoredConversation]:
        tenant_id = self.app.tenant_ids[tenant.slug]
        db = self.app.db
        loaded = await load_state(db, incoming.identity, tenant.slug, tenant_id)
        person = loaded.person
        if loaded.unreachable:  # they blocked the bot once; writing again undoes it
            await mark_reachable(db, incoming.identity, tenant.slug)
        now = incoming.now or self.app.clock.now()
        active = loaded.last_active_at
        if person is not None and (active is None or now - as_utc(active) > ACTIVITY_RESOLUTION):
            await touch(db, person.id, now)
        lang = loaded.language or (person.language if person else None)
        if lang not in LANGUAGES:
            hint = (incoming.language_hint or "").split("-")[0].lower()
            lang = (
                hint if hint in LANGUAGES and hint in tenant.languages else tenant.default_language
            )
        if lang not in LANGUAGES:
            lang = "de"
        turn = Turn(
            app=self.app,
            identity=incoming.identity,
            tenant=tenant,
            state=DialogueState.from_dict(loaded.data),
            lang=lang,
            now=now,
            person=person,
            understanding=self.understanding,
            edited=await self.edited.of(tenant_id),
            first_name=incoming.first_name,
        )
        return turn, loaded

    async def _save(self, turn: Turn, loaded: StoredConversation, drop: bool) -> None:
        db, slug = self.app.db, turn.tenant.slug
        try:
            if drop:
                await drop_state(db, turn.identity, slug)
            else:
                data = turn.state.as_stored()  # the turn is over: no copy needed
                await save_state(db, turn.identity, slug, loaded, data, turn.lang, turn.now)
        except StateConflict:
            raise
        except Exception as exc:
            if is_unavailable(exc):
                raise DatabaseUnavailable() from exc
            raise


def error_values(exc: DomainError) -> dict[str, str]:
    """A domain error's values, escaped, for its text's placeholders."""
    return {k: escape(v) for k, v in exc.params.items() if isinstance(v, str | int | float)}


def _kind(incoming: Incoming) -> str:
    for name in ("command", "button", "location", "text"):
        if getattr(incoming, name) is not None:
            return name
    return "?"


def build_engine(app: DialogueServices) -> Engine:
    """The engine for ``App.engine``: the NLU is trained once per process."""
    return Engine(app, load_nlu(app))


__all__ = ["Engine", "Texts", "build_engine"]

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
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import unicodedata
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from core import metrics
from core.clock import as_utc
from core.db import DatabaseUnavailable, is_unavailable
from core.errors import DomainError
from core.models import ConversationState, Identity, Person
from core.services.people import PersonRef, mark_reachable, set_language, touch
from core.services.profiles import get_profile
from core.tenants import TenantConfig
from dialogue.flows import (
    FORMS,
    data,
    matches,
    needs,
    offers,
    onboarding,
    post_need,
    relay,
    reminders,
    search,
    settings,
)
from dialogue.flows.form import run_form
from dialogue.markup import escape
from dialogue.messages import Button, Incoming, Reply, reply_from_dict, reply_to_dict
from dialogue.nlu.result import ParseResult
from dialogue.state import DialogueState
from dialogue.texts import LANGUAGES, EditedTexts, Texts
from dialogue.turn import Event, Turn
from dialogue.understanding import Understanding, detect_language, load_nlu, word_of

if TYPE_CHECKING:
    from bots.bootstrap import App

log = logging.getLogger(__name__)

MAX_TEXT = 1000  # longer texts get a friendly "too long"; nobody onboards in an essay
MAX_ARGS = 200  # a command's arguments (a deep link's start parameter is at most 64)
# Intents that may interrupt a form when the classifier is sure of them.
INTERRUPTS = frozenset(
    {
        "cancel",
        "help",
        "change_language",
        "delete_data",
        "export_data",
        "my_engagements",
        "show_matches",
        "pause_notifications",
        "privacy_info",
    }
)
SURE = 0.75
COMMANDS = {
    "start": "start",
    "passt": "matches",
    "matches": "matches",
    "suche": "search",
    "search": "search",
    "termine": "engagements",
    "engagements": "engagements",
    "profil": "profile",
    "profile": "profile",
    "pause": "pause",
    "daten": "data",
    "data": "data",
    "loeschen": "delete",
    "löschen": "delete",
    "delete": "delete",
    "sprache": "language",
    "language": "language",
    "hilfe": "help",
    "help": "help",
    "abbrechen": "cancel",
    "cancel": "cancel",
    "zurueck": "back",
    "zurück": "back",
    "back": "back",
    "menu": "menu",
    "menue": "menu",
    "menü": "menu",
    "bedarf": "post",
    "post": "post",
    "export": "export",
    "angebot": "offer",  # route: offers.start
    "offer": "offer",
    "angebote": "offers",  # route: offers.show
    "offers": "offers",
    "kontakt": "contact",  # route: relay.contact_overview
    "contact": "contact",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_NEED_LINK = re.compile(r"^need_(\d{1,12})$")


ACTIVITY_RESOLUTION = timedelta(days=1)


class StateConflict(Exception):
    """Another process saved this conversation since we loaded it."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """The stored row as the turn found it: what the save checks against."""

    version: int
    exists: bool
    data: dict[str, Any] | None
    language: str | None
    tenant_slug: str | None


# The state, the person and whether the identity was marked unreachable, in
# one statement: the state exists before consent, the person only after it.
# Everything is per (tenant, identity): the same Telegram id in another
# municipality's bot is another conversation and another person.
_KEY = select(
    bindparam("identity", type_=String(300)).label("key"),
    bindparam("tenant_slug", type_=String(40)).label("slug"),
    bindparam("tenant_id", type_=Integer()).label("tenant_id"),
).subquery("k")
_LOAD = select(
    ConversationState.data,
    ConversationState.version,
    ConversationState.language,
    ConversationState.tenant_slug,
    Person.id,
    Person.tenant_id,
    Person.language,
    Person.display_name,
    Person.consent_version,
    Identity.unreachable_at,
    Person.last_active_at,
).select_from(
    _KEY.outerjoin(
        ConversationState,
        (ConversationState.identity == _KEY.c.key) & (ConversationState.tenant_slug == _KEY.c.slug),
    )
    .outerjoin(Identity, (Identity.key == _KEY.c.key) & (Identity.tenant_id == _KEY.c.tenant_id))
    .outerjoin(Person, Person.id == Identity.person_id)
)
_SAVE = (
    update(ConversationState)
    .where(
        ConversationState.identity == bindparam("s_identity"),
        ConversationState.tenant_slug == bindparam("s_tenant_slug"),
        ConversationState.version == bindparam("s_version"),
    )
    .values(
        version=bindparam("s_next_version"),
        data=bindparam("s_data", type_=ConversationState.data.type),
        language=bindparam("s_language"),
        updated_at=bindparam("s_updated_at", type_=ConversationState.updated_at.type),
    )
)

_INSERT = insert(ConversationState)
_DROP = delete(ConversationState).where(
    ConversationState.identity == bindparam("identity"),
    ConversationState.tenant_slug == bindparam("tenant_slug"),
)


class Engine:
    def __init__(self, app: App, understanding: Understanding) -> None:
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
                drop = await self._turn(turn, incoming)
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

    async def _load(self, incoming: Incoming, tenant: TenantConfig) -> tuple[Turn, Loaded]:
        (row,) = await self.app.db.rows(
            _LOAD,
            {
                "identity": incoming.identity,
                "tenant_slug": tenant.slug,
                "tenant_id": self.app.tenant_ids[tenant.slug],
            },
        )  # the key row
        (data, version, row_lang, row_slug, pid, tenant_id, p_lang, name, consent, unreachable,
         active) = row  # fmt: skip
        exists = version is not None
        person = PersonRef(pid, tenant_id, p_lang, name, consent) if pid is not None else None
        if unreachable is not None:  # they blocked the bot once; writing again undoes it
            await mark_reachable(self.app.db, incoming.identity, tenant.slug)
        now = incoming.now or self.app.clock.now()
        if pid is not None and (active is None or now - as_utc(active) > ACTIVITY_RESOLUTION):
            # Retention counts from the last activity; once a day is exact enough
            # and spares a write on every turn.
            await touch(self.app.db, pid, now)
        state = DialogueState.from_dict(data if exists else None)
        lang = (row_lang if exists else None) or (person.language if person else None)
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
            state=state,
            lang=lang,
            now=now,
            person=person,
            understanding=self.understanding,
            edited=await self.edited.of(self.app.tenant_ids[tenant.slug]),
        )
        loaded = Loaded(version or 0, exists, data, row_lang, row_slug)
        return turn, loaded

    async def _save(self, turn: Turn, loaded: Loaded, drop: bool) -> None:
        try:
            await self._write_state(turn, loaded, drop)
        except StateConflict:
            raise
        except Exception as exc:
            if is_unavailable(exc):
                raise DatabaseUnavailable() from exc
            raise

    async def _write_state(self, turn: Turn, loaded: Loaded, drop: bool) -> None:
        if drop:
            await self.app.db.write_one(
                _DROP, {"identity": turn.identity, "tenant_slug": turn.tenant.slug}
            )
            return
        data = turn.state.to_dict()
        if loaded.exists and data == loaded.data and turn.lang == loaded.language:
            # Nothing changed: no write. Another process's save since our load
            # stands, as if this turn had come just before it.
            return
        # One statement, atomic by itself (the version check is in its WHERE):
        # committed in the same round trip.
        if loaded.exists:
            version = loaded.version
            changed = await self.app.db.write_one(
                _SAVE,
                {
                    "s_identity": turn.identity,
                    "s_version": version,
                    "s_next_version": version + 1,
                    "s_data": data,
                    "s_language": turn.lang,
                    "s_updated_at": turn.now,
                    "s_tenant_slug": turn.tenant.slug,
                },
            )
            if changed != 1:
                raise StateConflict()
            return
        try:
            await self.app.db.write_one(
                _INSERT,
                {
                    "identity": turn.identity,
                    "version": 1,
                    "data": data,
                    "language": turn.lang,
                    "updated_at": turn.now,
                    "tenant_slug": turn.tenant.slug,
                },
            )
        except IntegrityError as exc:
            raise StateConflict() from exc

    # -- one turn --------------------------------------------------------------

    async def _turn(self, turn: Turn, incoming: Incoming) -> bool:
        """Handle the event; True when the conversation's state is to be dropped."""
        event = self._normalise(turn, incoming)
        drop = False
        if event.kind == "command":
            drop = await self._command(turn, event.command, event.args)
        elif event.kind == "button":
            drop = await self._button(turn, event)
        elif event.kind == "location":
            await self._location(turn, event)
        elif event.kind == "empty":
            turn.say(turn.t("error.empty"))
            await self._reask(turn)
        elif event.kind == "too_long":
            turn.say(turn.t("error.too_long", max=MAX_TEXT))
            await self._reask(turn)
        else:
            drop = await self._text(turn, event)
        if not turn.replies:  # never silent
            turn.say(turn.t("error.not_understood"), turn.menu())
        self._language_note(turn)
        return drop

    def _normalise(self, turn: Turn, incoming: Incoming) -> Event:
        if incoming.command is not None:
            return Event(
                "command",
                command=incoming.command.strip()[:MAX_ARGS].lstrip("/").lower(),
                args=(incoming.args or "")[:MAX_ARGS].strip(),
            )
        if incoming.button is not None:
            return Event("button", payload=incoming.button.strip()[:200])
        if incoming.location is not None:
            return Event("location", location=incoming.location)
        if len(incoming.text or "") > MAX_TEXT:
            # Cut off before anything reads it: parsing costs grow with length.
            return Event("too_long")
        text = _CONTROL.sub(" ", incoming.text or "").strip()
        if not text:
            return Event("empty")
        if text.startswith("/") and not text.startswith("/intent"):
            name, _, args = text[1:].partition(" ")
            if name.lower() in COMMANDS:
                return Event("command", command=name.lower(), args=args.strip())
        pressed = _pressed(turn.state, text)
        if pressed is not None:
            return Event("button", payload=pressed, text=text)
        return Event("text", text=text)

    async def _reask(self, turn: Turn) -> None:
        """Ask the open question again, or offer the menu."""
        form = FORMS.get(turn.state.flow or "")
        slot = form.slot(turn.state.slot) if form else None
        if slot is not None:
            await slot.ask(turn)
        elif not turn.replies or not turn.replies[-1].buttons:
            turn.say(turn.t("menu.ask"), turn.menu())

    # -- commands, buttons, locations ------------------------------------------

    async def _command(self, turn: Turn, name: str, args: str) -> bool:
        action = COMMANDS.get(name)
        if action == "start":
            match = _NEED_LINK.match(args)
            if match:
                await matches.detail(turn, int(match.group(1)))
                return False
            if args.lower().startswith("org_"):
                await post_need.join_organisation(turn, args)
                return False
            if args.lower().startswith("ed_"):
                await post_need.link_editor(turn, args)
                return False
            return await self._menu(turn, "start")
        if action is None:
            turn.say(turn.t("error.unknown_command"), turn.menu())
            return False
        if action == "offer" and args.strip():  # route: offers.start
            await offers.start(turn, args[:MAX_ARGS])
            return False
        return await self._menu(turn, action)

    async def _menu(self, turn: Turn, action: str) -> bool:
        state = turn.state
        if action in ("cancel", "back"):
            await (self._cancel(turn) if action == "cancel" else self._back(turn))
            return False
        if action != "language":
            state.finish()
            state.pending = None
        if action == "start":
            profile = await get_profile(turn.app.db, turn.person.id) if turn.person else None
            if profile is None:
                await onboarding.start(turn)
            else:
                turn.say(turn.t("welcome_back", tenant=turn.tenant.name), turn.menu())
        elif action == "matches":
            await matches.show(turn, kind="matches")
        elif action == "search":
            await search.start(turn)
        elif action == "engagements":
            await needs.engagements(turn)
        elif action == "reminders":
            await reminders.show(turn)
        elif action == "profile":
            await onboarding.edit_profile(turn)
        elif action == "pause":
            await settings.ask_pause(turn)
        elif action == "data":
            await data.menu(turn)
        elif action == "export":
            await data.export(turn)
        elif action == "delete":
            await data.ask_delete(turn)
        elif action == "language":
            await settings.ask_language(turn)
        elif action == "help":
            await settings.help_text(turn)
        elif action == "post":
            await post_need.start(turn)
        elif action == "menu":
            turn.say(turn.t("menu.ask"), turn.menu())
        elif action == "offer":  # route: offers.start
            await offers.start(turn)
        elif action == "offers":  # route: offers.show
            await offers.show(turn)
        elif action == "contact":  # route: relay.contact_overview
            await relay.contact_overview(turn)
        else:
            await matches.stale(turn)
        return False

    async def _button(self, turn: Turn, event: Event) -> bool:
        payload = event.payload
        head, _, rest = payload.partition(":")
        if head == "nav":
            if rest == "cancel":
                await self._cancel(turn)
            elif rest == "back":
                await self._back(turn)
            elif rest == "help":
                await settings.help_text(turn)
            elif rest == "menu":
                turn.state.finish()
                turn.say(turn.t("menu.ask"), turn.menu())
            elif rest == "list":
                await matches.back_to_list(turn)
            else:
                await self._stale(turn)
            return False
        if head == "menu":
            return await self._menu(turn, rest)
        if head == "lang":
            turn.state.lang_chosen = True
            if await settings.switch_language(turn, rest):
                await self._reask(turn)
            else:
                await self._stale(turn)
            return False
        if head == "need" and re.fullmatch(
            r"\d{1,12}:q:[a-z_]{1,20}(:[a-z]{2})?:(yes|later|no)", rest
        ):
            await needs.answer_qualification(turn, payload)
            return False
        if head == "need" and re.fullmatch(r"\d{1,12}(:signup)?", rest):
            if rest.endswith(":signup"):
                turn.state.finish()
                await needs.sign_up_payload(turn, payload)
            else:
                await matches.detail(turn, int(rest))
            return False
        if head == "more":
            await matches.more(turn, payload)
            return False
        if head == "eng" and re.fullmatch(r"\d{1,12}:withdraw(:yes)?", rest):
            await needs.withdraw_payload(turn, payload)
            return False
        if head == "pause":
            await settings.set_pause(turn, payload)
            return False
        if head == "data":
            if rest == "export":
                await data.export(turn)
            elif rest == "delete":
                await data.ask_delete(turn)
            elif rest == "delete:yes":
                return await data.delete(turn)
            else:
                await self._stale(turn)
            return False
        if head == "intent":
            await self._intent(turn, ParseResult(text="", intent=rest, confidence=1.0))
            return False
        if head == "off" and await offers.button(turn, rest):  # route: offers.button
            return False
        if head == "rel" and await relay.button(turn, rest):  # route: relay.button
            return False
        if await self._reminder_button(turn, head, rest):
            return False
        if head == "f":
            form = FORMS.get(turn.state.flow or "")
            slot_name = rest.partition(":")[0]
            if form is not None and slot_name == turn.state.slot:
                await run_form(turn, form, event)
                return False
        await self._stale(turn)
        return False

    async def _reminder_button(self, turn: Turn, head: str, rest: str) -> bool:
        """Answers to reminders, alerts and follow-ups (dialogue/flows/reminders.py).
        They arrive out of the blue, so they end whatever form was open."""
        if head not in (
            "attend",
            "alert",
            "hours",
            "similar",
            "extend",
            "mute",
            "unmute",
            "cmd",
            "relay",
            "digest",
            "keep",
        ):
            return False
        turn.state.finish()
        if head == "attend" and (m := re.fullmatch(r"(\d{1,12}):(yes|no)", rest)):
            await reminders.attend(turn, int(m.group(1)), m.group(2) == "yes")
        elif head == "alert" and (m := re.fullmatch(r"(\d{1,12}):(yes|no)", rest)):
            await reminders.alert(turn, int(m.group(1)), m.group(2) == "yes")
        elif head == "hours" and (m := re.fullmatch(r"(\d{1,12}):(\d{1,2})", rest)):
            await reminders.hours(turn, int(m.group(1)), int(m.group(2)))
        elif head == "similar" and rest.isdigit() and len(rest) <= 12:
            await reminders.similar(turn, int(rest))
        elif head == "extend" and (m := re.fullmatch(r"(\d{1,12})(:\d{1,3})?", rest)):
            await reminders.extend(turn, int(m.group(1)))
        elif head == "keep" and rest == "data":
            # Pressing it is activity: the load of this turn already noted it.
            turn.say(turn.t("reminders.kept"), turn.menu())
        elif head == "digest":
            await reminders.digest(turn, rest)
        elif head in ("mute", "unmute"):
            await reminders.toggle(turn, rest, head == "mute")
        elif head == "relay" and (m := re.fullmatch(r"(\d{1,12}):reply", rest)):
            reminders.ask_relay_answer(turn, int(m.group(1)))
        elif head == "cmd" and rest in COMMANDS:
            await self._command(turn, rest, "")
        else:
            return False
        return True

    async def _stale(self, turn: Turn) -> None:
        turn.say(turn.t("error.stale_button"))
        await self._reask(turn)

    async def _location(self, turn: Turn, event: Event) -> None:
        form = FORMS.get(turn.state.flow or "")
        slot = form.slot(turn.state.slot) if form else None
        if form is not None and slot is not None and "location" in slot.sources:
            await run_form(turn, form, event)
            return
        # Outside a form a shared location means "what is near here?".
        turn.state.start("search")
        turn.state.slot = "query"
        await run_form(turn, search.FORM, event)

    # -- text --------------------------------------------------------------------

    async def _text(self, turn: Turn, event: Event) -> bool:
        word = word_of(event.text)
        if word == "back":
            await self._back(turn)
            return False
        if word == "cancel":
            await self._cancel(turn)
            return False
        if word == "more" and turn.state.flow is None and turn.state.view.get("kind"):
            view = turn.state.view
            await matches.show(
                turn,
                kind=view["kind"],
                offset=int(view.get("offset", 0)) + 5,
                flt=view.get("filter"),
                reuse=True,
            )
            return False
        if turn.state.flow in relay.FLOWS and _has_letters_or_digits(event.text):
            await relay.text(turn, event.text)  # route: relay.text
            return False
        if turn.state.flow in offers.FLOWS and _has_letters_or_digits(event.text):
            await offers.text(turn, event.text)  # route: offers.text
            return False
        if not _has_letters_or_digits(event.text):
            turn.say(turn.t("error.no_words"))
            await self._reask(turn)
            return False
        if not _has_latin(event.text):
            buttons = tuple(
                Button(settings.LANGUAGE_NAMES[lang], f"lang:{lang}")
                for lang in turn.tenant.languages
                if lang in LANGUAGES
            )
            turn.say(turn.t("error.other_script"), buttons)
            return False
        await self._follow_language(turn, event.text)
        parse = await turn.understanding.parse(
            event.text,
            turn.lang,
            now=turn.now,
            tz=turn.tenant.timezone,
            districts=turn.tenant.districts,
            tenant=turn.tenant,
        )
        unsure = parse.confidence < SURE or parse.intent == "out_of_scope"
        if not onboarding.has_consent(turn) and not _carries(parse) and unsure:
            # Before consent nothing is lost for want of a language: a text
            # that says something only in the tenant's other language switches.
            parse = await self._other_language(turn, event.text) or parse
        event.parse = parse
        if not onboarding.has_consent(turn) and await onboarding.before_consent(
            turn, event, interrupt=parse.intent in INTERRUPTS and parse.confidence >= SURE
        ):
            return False
        form = FORMS.get(turn.state.flow or "")
        if form is not None:
            if word == "help":
                turn.say(turn.t("help.in_form"))
                await self._reask(turn)
                return False
            if (
                parse.intent == "post_need"
                and parse.confidence >= SURE
                and turn.state.flow != "post_need"
                and await post_need.may_post(turn)
            ):
                turn.state.finish()
                await post_need.start(turn, parse)
                return False
            if parse.intent in INTERRUPTS and parse.confidence >= SURE:
                filled = await form.extract(turn, parse) if turn.state.slot != "consent" else {}
                if not filled:
                    return await self._intent(turn, parse)
            await run_form(turn, form, event)
            return False
        if word == "help":
            await settings.help_text(turn)
            return False
        if parse.confidence < turn.understanding.low_confidence:
            await self._ask_back(turn, parse)
            return False
        return await self._intent(turn, parse)

    async def _follow_language(self, turn: Turn, text: str) -> None:
        """Answer in the language the person writes in (the channel's hint
        only chose the first one), unless they chose one themselves."""
        if turn.state.lang_chosen:
            return
        detected = detect_language(text)
        if detected is None or detected == turn.lang or detected not in turn.tenant.languages:
            return
        if detected not in LANGUAGES:
            return
        await self._switch_to(turn, detected)

    async def _other_language(self, turn: Turn, text: str) -> ParseResult | None:
        """The parse in the tenant's other language when it carries what this
        language's did not (and the person did not choose a language)."""
        if turn.state.lang_chosen:
            return None
        for other in turn.tenant.languages:
            if other == turn.lang or other not in LANGUAGES:
                continue
            parse = await turn.understanding.parse(
                text, other, now=turn.now, tz=turn.tenant.timezone,
                districts=turn.tenant.districts,
            )  # fmt: skip
            if _carries(parse):
                await self._switch_to(turn, other)
                return parse
        return None

    async def _switch_to(self, turn: Turn, detected: str) -> None:
        turn.switched_from = turn.switched_from or turn.lang
        turn.lang = detected
        turn.language_changed = True
        if turn.person is not None:
            await set_language(turn.app.db, turn.person.id, detected)

    def _language_note(self, turn: Turn) -> None:
        """One line saying the language changed, first; the button back last,
        where every channel offers it (plain channels number only the last
        buttons, the web chat shows only those)."""
        before = turn.switched_from
        if before is None or before == turn.lang or not turn.replies:
            return
        first = turn.replies[0]
        turn.replies[0] = replace(first, text=turn.t("language.detected") + "\n\n" + first.text)
        back = Button(
            turn.t("language.back", name=settings.LANGUAGE_NAMES[before]), f"lang:{before}"
        )
        last = turn.replies[-1]
        turn.replies[-1] = replace(last, buttons=(*last.buttons, back))
        turn.state.offer(turn.replies[-1].buttons)

    async def _ask_back(self, turn: Turn, parse: ParseResult) -> None:
        """Not sure what was meant: offer the likely intents, never guess."""
        offered = [name for name, _ in parse.ranking if name in _INTENT_BUTTONS][:3]
        buttons = [turn.button(_INTENT_BUTTONS[name], f"intent:{name}") for name in offered]
        buttons += [b for b in turn.menu() if b.payload not in {x.payload for x in buttons}]
        turn.say(turn.t("error.not_sure"), buttons[:6])

    async def _intent(self, turn: Turn, parse: ParseResult) -> bool:
        name = parse.intent
        t = turn.t
        if name in ("greet",):
            return await self._menu(turn, "start")
        if name in ("goodbye", "thank"):
            turn.say(t(f"smalltalk.{name}"), turn.menu())
        elif name == "help":
            await settings.help_text(turn)
        elif name == "cancel":
            await self._cancel(turn)
        elif name in ("find_engagement", "inform"):
            await self._find(turn, parse)
        elif name == "show_matches":
            turn.state.finish()
            await matches.show(turn, kind="matches")
        elif name == "search":
            await search.start(turn, parse)
        elif name == "sign_up":
            need_id = turn.state.view.get("need")
            if need_id:
                await needs.sign_up_payload(turn, f"need:{int(need_id)}:signup")
            else:
                await matches.show(turn, kind="matches")
        elif name == "post_need":
            await post_need.start(turn, parse)
        elif name == "my_engagements":
            return await self._menu(turn, "engagements")
        elif name == "edit_profile":
            return await self._menu(turn, "profile")
        elif name == "pause_notifications":
            return await self._menu(turn, "pause")
        elif name == "delete_data":
            return await self._menu(turn, "delete")
        elif name == "export_data":
            return await self._menu(turn, "export")
        elif name == "privacy_info":
            link = turn.tenant.privacy.policy_url
            turn.say(
                t("privacy.info", link=f'<a href="{link}">{t("consent.link")}</a>'),
                (turn.button("menu.data", "menu:data"), turn.button("menu.main", "nav:menu")),
            )
        elif name == "change_language":
            languages = parse.values("language")
            turn.state.lang_chosen = True
            if languages and await settings.switch_language(turn, languages[0]):
                await self._reask(turn)
            else:
                await settings.ask_language(turn)
        elif name == "feedback":
            turn.say(t("smalltalk.feedback"), turn.menu())
        elif name in ("affirm", "deny"):
            turn.say(t("menu.ask"), turn.menu())
        else:
            turn.say(t("error.not_understood"), turn.menu())
        return False

    async def _find(self, turn: Turn, parse: ParseResult) -> None:
        """ "Ich möchte … helfen": onboarding for newcomers, a search for the rest."""
        profile = await get_profile(turn.app.db, turn.person.id) if turn.person else None
        if turn.person is None:
            if turn.state.declined:  # no profile wanted: what they said is a search
                await search.start(turn, parse)
            else:
                await onboarding.start(turn)
            return
        if profile is None:
            turn.state.start("onboarding")
            turn.state.slots.update(await onboarding.FORM.extract(turn, parse))
            await run_form(turn, onboarding.FORM, None)
            return
        if search.filter_of(turn, parse):
            await search.start(turn, parse)
        else:
            await matches.show(turn, kind="matches")

    # -- back and cancel ---------------------------------------------------------

    async def _cancel(self, turn: Turn) -> None:
        had_flow = turn.state.flow is not None
        turn.state.finish()
        turn.state.pending = None
        turn.say(turn.t("cancel.done" if had_flow else "cancel.nothing"), turn.menu())

    async def _back(self, turn: Turn) -> None:
        state = turn.state
        form = FORMS.get(state.flow or "")
        if form is None:
            if state.view.get("kind"):
                await matches.back_to_list(turn)
            else:
                turn.say(turn.t("back.nothing"), turn.menu())
            return
        asked = list(state.asked)
        if asked and asked[-1] == state.slot:
            asked.pop()
        previous = asked[-1] if asked else None
        slot = form.slot(previous)
        if slot is None or previous == "consent":
            turn.say(turn.t("back.at_start"))
            await self._reask(turn)
            return
        state.asked = asked
        state.slots.pop(previous, None)
        state.slot = previous
        turn.say(turn.t("back.done"))
        await slot.ask(turn)


_INTENT_BUTTONS = {
    "find_engagement": "menu.matches",
    "show_matches": "menu.matches",
    "search": "menu.search",
    "my_engagements": "menu.engagements",
    "edit_profile": "menu.profile",
    "pause_notifications": "menu.pause",
    "post_need": "menu.post",
    "help": "menu.help",
    "change_language": "menu.language",
    "export_data": "menu.data",
    "delete_data": "menu.data",
}


def _pressed(state: DialogueState, text: str) -> str | None:
    """The payload of an offered button typed by number ("2") or label."""
    if not state.buttons:
        return None
    stripped = text.strip().rstrip(".)")
    if stripped.isdecimal():  # "²" is a digit to isdigit(), not to int()
        # "5" at "2 km / 5 km / 10 km" means the label "5 km", not the fifth button.
        for label, payload in state.buttons:
            if _label_key(label).split(" ")[0] == stripped:
                return payload
        index = int(stripped) - 1
        return state.buttons[index][1] if 0 <= index < len(state.buttons) else None
    key = _label_key(text)
    if not key:
        return None
    for label, payload in state.buttons:
        if _label_key(label) == key:
            return payload
    return None


def _label_key(text: str) -> str:
    # Emoji and check marks in labels are decoration, not part of the name.
    return " ".join(
        "".join(c for c in text.casefold() if c.isalnum() or c.isspace() or c in ".,-").split()
    )


def _carries(parse: ParseResult) -> bool:
    """Whether a parse carries anything beyond its intent."""
    return bool(parse.entities or parse.availability or parse.spontaneous)


def _has_letters_or_digits(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _has_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True  # digits only ("52062") are fine
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return latin * 2 >= len(letters)


def error_values(exc: DomainError) -> dict[str, str]:
    """A domain error's values, escaped, for its text's placeholders."""
    return {k: escape(v) for k, v in exc.params.items() if isinstance(v, str | int | float)}


def _kind(incoming: Incoming) -> str:
    for name in ("command", "button", "location", "text"):
        if getattr(incoming, name) is not None:
            return name
    return "?"


def build_engine(app: App) -> Engine:
    """The engine for ``App.engine``: the NLU is trained once per process."""
    return Engine(app, load_nlu(app))


__all__ = ["Engine", "Texts", "build_engine"]

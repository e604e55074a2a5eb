"""One tenant's Telegram bot: a python-telegram-bot ``Application`` run inside our loop.

::

    getUpdates / webhook ──> Update ──> translate.to_incoming ──> engine.handle
                                              │                        │
                          group: point to private chat          list[Reply]
                                                                       │
    sendMessage / editMessageText / sendDocument <── render ◄──────────┘

No PTB persistence and no ConversationHandler: the dialogue keeps its state in
our tables. Updates of one chat are handled in order, different chats
concurrently. Logs name the tenant and the update id, never a message, a chat
id or the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    Defaults,
    TypeHandler,
)

from bots.telegram.ratelimit import TelegramRateLimiter
from bots.telegram.render import inline_keyboard, location_keyboard, split_text
from bots.telegram.texts import TelegramTexts, load_texts
from bots.telegram.translate import chat_id_of, group_address, identity_of, to_incoming
from core.db import DatabaseUnavailable
from core.tenants import TenantConfig
from dialogue.messages import Incoming, Reply
from dialogue.ports import ConversationEngine, Delivery, UnreachableCallback

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")

# BadRequest descriptions that mean "this person cannot be reached any more".
_GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")
_REMEMBERED_EVENTS = 10_000  # per-event send progress kept for retried webhooks
_POLLING_ATTEMPTS = 12  # about 5 minutes of waiting for the database or Bot API


class _Undelivered(Exception):
    """The Bot API did not take a reply within the channel's patience."""


class _RedactToken(logging.Filter):
    """httpx logs every request URL at INFO, and the URL holds the token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        return True


def _redacted_loggers() -> list[str]:
    """Loggers that may see the token: httpx (URLs at INFO) and PTB's own (the
    API URL at DEBUG). A filter works on the logger it sits on, not its children."""
    known = [
        n
        for n in logging.root.manager.loggerDict
        if n.split(".")[0] in ("httpx", "httpcore", "telegram")
    ]
    return sorted({"httpx", "telegram.ext.ExtBot", "telegram.Bot", *known})


class _PerChatProcessor(BaseUpdateProcessor):
    """Different chats concurrently; one chat's updates strictly in arrival order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def api_urls(api_base_url: str) -> tuple[str, str]:
    """``http://host:8081`` (or ``…/bot``) -> (base_url, base_file_url) for PTB."""
    root = api_base_url.rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"


class TelegramChannel:
    """A tenant's Telegram bot: a ``Channel`` for the runner and a ``Notifier``."""

    kind = "telegram"  # dialogue.ports.Channel
    channel = kind  # dialogue.ports.Notifier

    def __init__(
        self,
        tenant: TenantConfig,
        engine: ConversationEngine,
        token: str,
        on_unreachable: UnreachableCallback | None = None,
        *,
        webhook_secret: str | None = None,
        polling_timeout: float = 10.0,
        max_retries: int = 3,
        max_per_second: int = 30,
        typing_delay: float = 0.5,
        max_concurrent_updates: int = 256,
        start_retry_delay: float = 30.0,
        on_handled: Callable[[int], None] | None = None,
        texts: TelegramTexts | None = None,
        send_patience: float = 40.0,
        database_patience: float = 15.0,
        replies_first: bool = True,
    ) -> None:
        self.tenant = tenant
        self.name = f"telegram:{tenant.slug}"
        self.engine = engine
        self.on_unreachable = on_unreachable
        self.webhook_url = tenant.telegram.webhook_url if tenant.telegram else ""
        self.webhook_secret = webhook_secret
        self.polling_timeout = polling_timeout
        self.typing_delay = typing_delay
        self.on_handled = on_handled
        self.texts = texts or load_texts(tenant)
        self.running = False
        self.failure: str | None = None  # why the bot is off, for the runner's status
        self.username: str | None = None
        self._location_keyboard: set[int] = set()  # chats showing the location keyboard
        self.send_patience = send_patience
        self.database_patience = database_patience
        self._sent_for: dict[str, int] = {}  # event id -> replies already sent
        self._retry_delay = start_retry_delay  # after a network failure at start, doubling
        self._retry: asyncio.Task[None] | None = None
        self._stopping = False
        redactor = _RedactToken(token)
        for name in _redacted_loggers():
            logging.getLogger(name).addFilter(redactor)

        builder = (
            ApplicationBuilder()
            .token(token)
            .rate_limiter(
                TelegramRateLimiter(max_per_second, 1.01, max_retries, replies_first=replies_first)
            )
            .concurrent_updates(_PerChatProcessor(max_concurrent_updates))
            .job_queue(None)  # timers are the scheduler's
            .defaults(
                Defaults(
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            )
        )
        config = tenant.telegram
        if config and config.api_base_url:
            base_url, base_file_url = api_urls(config.api_base_url)
            builder = builder.base_url(base_url).base_file_url(base_file_url)
        if self.webhook_url:
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

    # ── Channel ──────────────────────────────────────────────────────────

    async def start(self) -> None:
        """Connect and start receiving. Never raises: a bot that cannot start
        logs why (naming the tenant, never the token) and stays off."""
        slug = self.tenant.slug
        app = self.application
        try:
            await app.initialize()  # getMe: checks the token
            self.username = app.bot.username
            await self._publish_profile()
            await app.start()
            if self.webhook_url:
                await app.bot.set_webhook(
                    self.webhook_url,
                    secret_token=self.webhook_secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            else:
                assert app.updater is not None
                await app.updater.start_polling(
                    timeout=self.polling_timeout,
                    allowed_updates=list(ALLOWED_UPDATES),
                    drop_pending_updates=False,  # what arrived while we were down is answered
                    error_callback=self._polling_error,
                )
        except (InvalidToken, Forbidden) as exc:
            self.failure = "token rejected"
            log.error(
                "Telegram bot of tenant %s is off: Telegram rejected its token "
                "(invalid or revoked; check $%s). %s",
                slug,
                self.tenant.telegram.token_env if self.tenant.telegram else "?",
                type(exc).__name__,
            )
            await self._abort_start()
            return
        except BadRequest as exc:  # e.g. a webhook URL Telegram does not accept
            self.failure = f"set-up refused: {exc.message}"
            log.error("Telegram bot of tenant %s is off: %s", slug, self.failure)
            await self._abort_start()
            return
        except (NetworkError, TelegramError) as exc:
            self.failure = f"Bot API unreachable ({type(exc).__name__})"
            await self._abort_start()
            if self._stopping:
                return
            log.error(
                "Telegram bot of tenant %s is off: %s; trying again in %.0f s",
                slug,
                self.failure,
                self._retry_delay,
            )
            self._retry = asyncio.create_task(self._start_again(self._retry_delay))
            self._retry_delay = min(self._retry_delay * 2, 300.0)
            return
        self.running = True
        self.failure = None
        log.info(
            "Telegram bot of tenant %s running as @%s (%s)",
            slug,
            self.username,
            "webhook" if self.webhook_url else "polling",
        )

    async def stop(self) -> None:
        """Stop fetching, confirm fetched updates to Telegram, finish the ones in
        hand, then close. After this no update is answered a second time."""
        app = self.application
        self.running = False
        self._stopping = True
        if self._retry is not None and self._retry is not asyncio.current_task():
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
        if app.updater is not None and app.updater.running:
            await app.updater.stop()  # one last getUpdates with the next offset
        if app.running:
            await app.stop()  # handles what was fetched
        await app.shutdown()

    async def _start_again(self, delay: float) -> None:
        await asyncio.sleep(delay)
        if not self._stopping:
            await self.start()

    async def _abort_start(self) -> None:
        with contextlib.suppress(Exception):
            if self.application.updater is not None and self.application.updater.running:
                await self.application.updater.stop()
            if self.application.running:
                await self.application.stop()
            await self.application.shutdown()

    def _polling_error(self, exc: TelegramError) -> None:
        log.warning(
            "Telegram bot of tenant %s: polling error %s, retrying",
            self.tenant.slug,
            type(exc).__name__,
        )

    async def _publish_profile(self) -> None:
        """Command menu per language and branding; Telegram errors are only logged."""
        bot = self.application.bot
        branding = self.tenant.branding
        steps: list[tuple[str, Callable[[], Any]]] = []
        for lang in self.texts.languages:
            menu = [BotCommand(n, d) for n, d in self.texts.commands(lang).items()]
            steps.append(
                (f"commands ({lang})", partial(bot.set_my_commands, menu, language_code=lang))
            )
        default = self.texts.commands(self.texts.language(None))
        menu = [BotCommand(n, d) for n, d in default.items()]
        steps.append(("commands", partial(bot.set_my_commands, menu)))
        for what, call in steps:
            try:
                await call()
            except TelegramError as exc:
                log.warning(
                    "Telegram bot of tenant %s: could not set %s (%s)",
                    self.tenant.slug,
                    what,
                    type(exc).__name__,
                )
        profile: list[tuple[str, str, Callable[..., Any], Callable[..., Any]]] = [
            ("name", branding.bot_name[:64], bot.get_my_name, bot.set_my_name),
            (
                "description",
                branding.description[:512],
                bot.get_my_description,
                bot.set_my_description,
            ),
            (
                "short_description",
                branding.short_description[:120],
                bot.get_my_short_description,
                bot.set_my_short_description,
            ),
        ]
        # The tenant's texts in its other languages, for Telegram users of that language.
        for lang in branding.languages[1:]:
            for field, texts, limit, get, put in (
                ("description", branding.descriptions, 512, bot.get_my_description,
                 bot.set_my_description),
                ("short_description", branding.short_descriptions, 120,
                 bot.get_my_short_description, bot.set_my_short_description),
            ):  # fmt: skip
                if texts.get(lang):
                    profile.append(
                        (
                            field,
                            texts[lang][:limit],
                            partial(get, language_code=lang),
                            partial(put, language_code=lang),
                        )
                    )
        for field, wanted, get, put in profile:
            if not wanted:
                continue
            try:
                current = await get()
                if getattr(current, field) != wanted:
                    await put(wanted)
            except TelegramError as exc:
                log.warning(
                    "Telegram bot of tenant %s: could not set its %s (%s)",
                    self.tenant.slug,
                    field,
                    type(exc).__name__,
                )

    # ── Webhook ──────────────────────────────────────────────────────────

    async def handle_webhook(self, secret_token: str | None, body: bytes) -> int:
        """One webhook POST; returns the HTTP status. The web server routes
        ``POST /telegram/<slug>`` here (``bots.telegram.webhook.webhook_routes``)."""
        expected = self.webhook_secret or ""
        if not expected or not hmac.compare_digest(
            (secret_token or "").encode(), expected.encode()
        ):
            return 403
        if not self.running:
            return 503  # Telegram delivers it again later
        try:
            update = Update.de_json(json.loads(body), self.application.bot)
        except (ValueError, TypeError, KeyError):
            return 400
        # Acknowledged only once handled and answered: while the database or
        # the Bot API is away, Telegram keeps the update and delivers it
        # again (the engine answers a repeated update from its record).
        try:
            await self._handle_patiently(update)
        except (DatabaseUnavailable, _Undelivered):
            return 503
        except Exception:
            log.exception(
                "Telegram bot of tenant %s: failed on update %s", self.tenant.slug, update.update_id
            )
        finally:
            if self.on_handled is not None:
                self.on_handled(update.update_id)
        return 200

    async def _handle_patiently(self, update: Update) -> None:
        """``_handle``, tried again while the database is away, for up to
        ``database_patience`` seconds (as a send is, for the Bot API): a
        database restart then delays the answer by the restart, not by the
        pause Telegram makes before it delivers a refused update again
        (growing, seconds to minutes). Nothing of a turn is kept when the
        database fails, so handling the update again is safe."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.database_patience
        delay = 0.25
        while True:
            try:
                await self._handle(update)
                return
            except DatabaseUnavailable:
                if self._stopping or loop.time() + delay > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    # ── Incoming ─────────────────────────────────────────────────────────

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            delay = 1.0
            for _ in range(_POLLING_ATTEMPTS):
                try:
                    await self._handle(update)
                    break
                except (DatabaseUnavailable, _Undelivered) as exc:
                    # getUpdates has confirmed the update already: hold it here
                    # until the database or the Bot API is back.
                    log.warning(
                        "Telegram bot of tenant %s: update %s postponed (%s), retrying in %.0f s",
                        self.tenant.slug,
                        update.update_id,
                        type(exc).__name__,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)
            else:
                log.error(
                    "Telegram bot of tenant %s: gave up on update %s",
                    self.tenant.slug,
                    update.update_id,
                )
        except Exception:
            log.exception(
                "Telegram bot of tenant %s: failed on update %s", self.tenant.slug, update.update_id
            )
        finally:
            if self.on_handled is not None:
                self.on_handled(update.update_id)

    async def _handle(self, update: Update) -> None:
        slug = self.tenant.slug
        member = update.my_chat_member
        if member is not None:
            if (
                member.chat.type == "private"
                and member.new_chat_member.status == ChatMemberStatus.BANNED
            ):
                await self._mark_unreachable(identity_of(member.chat.id))
            return

        addressed = group_address(update, self.username)
        query = update.callback_query
        if addressed is not None:
            hint = self.texts.get("group_hint", addressed.language_hint)
            if query is not None:
                await self._answer(query, hint)
            else:
                await self._group_hint(addressed.chat_id, hint, addressed.language_hint)
            return

        incoming = to_incoming(update, slug, self.username)
        if incoming is not None:
            incoming = dataclasses.replace(incoming, event_id=f"telegram:{update.update_id}")
        if query is not None:
            await self._answer(query)  # stops the spinner at once; the engine answers old buttons
        if incoming is None:
            return
        chat_id = chat_id_of(incoming.identity)
        replies = await self._ask(incoming, chat_id)
        pressed = (
            query.message if query is not None and isinstance(query.message, Message) else None
        )
        try:
            await self._deliver(
                chat_id, replies, incoming.language_hint, pressed, event=incoming.event_id
            )
        except Forbidden:
            await self._mark_unreachable(incoming.identity)

    async def _answer(self, query: Any, text: str | None = None) -> None:
        try:
            await query.answer(text=text)
        except TelegramError as exc:  # too old, already answered: nothing to do
            log.debug(
                "Telegram bot of tenant %s: callback answer failed (%s)", self.tenant.slug, exc
            )

    async def _group_hint(self, chat_id: int, text: str, hint: str | None) -> None:
        markup = None
        if self.username:
            label = self.texts.get("group_button", hint)
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, url=f"https://t.me/{self.username}?start=")]]
            )
        with contextlib.suppress(Forbidden, BadRequest):
            await self.application.bot.send_message(chat_id, text, reply_markup=markup)

    async def _ask(self, incoming: Incoming, chat_id: int) -> Sequence[Reply]:
        """The engine's answer; "typing…" while it takes longer than ``typing_delay``.
        The answer never waits for the typing action (under load that may
        wait for the Bot API); one not sent yet when the answer is ready is
        dropped."""
        task = asyncio.ensure_future(self.engine.handle(incoming))
        typing: asyncio.Task[None] | None = None
        delay = self.typing_delay
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=delay)
                if done:
                    return task.result()
                if typing is None or typing.done():
                    typing = asyncio.create_task(self._typing(chat_id))
                delay = 4.5  # the action shows for 5 seconds
        except DatabaseUnavailable:
            raise
        except Exception:
            log.exception(
                "Telegram bot of tenant %s: the engine failed on a %s event",
                self.tenant.slug,
                "button" if incoming.button else "command" if incoming.command else "message",
            )
            return [Reply(self.texts.get("error", incoming.language_hint))]
        finally:
            if not task.done():
                task.cancel()
            if typing is not None and not typing.done():
                typing.cancel()

    async def _typing(self, chat_id: int) -> None:
        with contextlib.suppress(TelegramError):
            await self.application.bot.send_chat_action(chat_id, ChatAction.TYPING)

    # ── Outgoing ─────────────────────────────────────────────────────────

    async def _deliver(
        self,
        chat_id: int,
        replies: Sequence[Reply],
        language_hint: str | None,
        pressed: Message | None = None,
        *,
        event: str | None = None,
    ) -> None:
        """Send the replies in order. A Bot API that fails or times out is
        tried again with growing pauses for up to ``send_patience`` seconds;
        replies already sent for ``event`` are not sent again when the same
        event comes back (a webhook retried after such a failure)."""
        done = self._sent_for.get(event, 0) if event else 0
        for index, reply in enumerate(replies):
            if index < done:
                continue
            await self._with_patience(self._deliver_one, chat_id, reply, language_hint, pressed)
            if reply.edit:
                pressed = None  # one edit per press
            if event:
                self._sent_for[event] = index + 1
                while len(self._sent_for) > _REMEMBERED_EVENTS:
                    self._sent_for.pop(next(iter(self._sent_for)))

    async def _deliver_one(
        self, chat_id: int, reply: Reply, language_hint: str | None, pressed: Message | None
    ) -> None:
        if reply.edit and pressed is not None and await self._edit(chat_id, pressed, reply):
            return
        await self._send(chat_id, reply, language_hint)

    async def _with_patience(self, call: Callable[..., Any], *args: Any) -> None:
        delay = 0.5
        deadline = asyncio.get_running_loop().time() + self.send_patience
        while True:
            try:
                await call(*args)
                return
            except RetryAfter as exc:
                pause = float(exc.retry_after if isinstance(exc.retry_after, int | float) else 1)
            except TimedOut:
                pause = delay
            except BadRequest:
                raise  # the request itself is wrong: trying again changes nothing
            except NetworkError:
                pause = delay
            if asyncio.get_running_loop().time() + pause > deadline:
                raise _Undelivered()
            log.info(
                "Telegram bot of tenant %s: Bot API unavailable, sending again in %.1f s",
                self.tenant.slug,
                pause,
            )
            await asyncio.sleep(pause)
            delay = min(delay * 2, 8.0)

    async def _edit(self, chat_id: int, message: Message, reply: Reply) -> bool:
        """Replace the pressed message (paging); False when a new one must be sent."""
        chunks = split_text(reply.text)
        if message.text is None or reply.request_location or reply.attachments or len(chunks) != 1:
            return False
        try:
            await self.application.bot.edit_message_text(
                chunks[0],
                chat_id=chat_id,
                message_id=message.message_id,
                reply_markup=inline_keyboard(reply.buttons, reply.buttons_per_row),
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return True
            log.debug("Telegram bot of tenant %s: edit refused (%s)", self.tenant.slug, exc.message)
            return False
        return True

    async def _send(self, chat_id: int, reply: Reply, language_hint: str | None) -> None:
        bot = self.application.bot
        chunks = split_text(reply.text) if reply.text.strip() else []
        buttons = inline_keyboard(reply.buttons, reply.buttons_per_row)
        location = (
            location_keyboard(self.texts.get("location_button", language_hint))
            if reply.request_location
            else None
        )
        if not chunks and (buttons or location):
            chunks = [self.texts.get("location_prompt", language_hint)] if location else ["…"]
        markup: Any = buttons or location
        if markup is None and chat_id in self._location_keyboard:
            markup = ReplyKeyboardRemove()
        for chunk in chunks[:-1]:
            await bot.send_message(chat_id, chunk)
        if chunks:
            await bot.send_message(chat_id, chunks[-1], reply_markup=markup)
            if location is not None and buttons is not None:
                # one message carries one keyboard: the location button gets its own
                prompt = self.texts.get("location_prompt", language_hint)
                await bot.send_message(chat_id, prompt, reply_markup=location)
            if location is not None:
                self._location_keyboard.add(chat_id)
            elif isinstance(markup, ReplyKeyboardRemove):
                self._location_keyboard.discard(chat_id)
        for attachment in reply.attachments:
            await bot.send_document(chat_id, attachment.content, filename=attachment.filename)

    async def _mark_unreachable(self, identity: str) -> None:
        log.info("Telegram bot of tenant %s: a chat can no longer be reached", self.tenant.slug)
        if self.on_unreachable is None:
            return
        try:
            await self.on_unreachable(self.tenant.slug, identity)
        except Exception:
            log.exception("Telegram bot of tenant %s: marking unreachable failed", self.tenant.slug)

    # ── Notifier ─────────────────────────────────────────────────────────

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        """Send replies nobody asked for (reminders, alerts) to one person."""
        if tenant != self.tenant.slug:
            log.error(
                "Telegram bot of tenant %s asked to notify for tenant %s", self.tenant.slug, tenant
            )
            return Delivery.FAILED
        try:
            chat_id = chat_id_of(identity)
        except ValueError:
            log.error("Telegram bot of tenant %s asked to notify a non-Telegram identity", tenant)
            return Delivery.FAILED
        if not self.running:
            return Delivery.FAILED
        try:
            await self._deliver(chat_id, replies, None)
        except Forbidden:
            await self._mark_unreachable(identity)
            return Delivery.UNREACHABLE
        except BadRequest as exc:
            if any(gone in exc.message.lower() for gone in _GONE):
                await self._mark_unreachable(identity)
                return Delivery.UNREACHABLE
            log.error("Telegram bot of tenant %s: notification refused (%s)", tenant, exc.message)
            return Delivery.FAILED
        except (RetryAfter, TimedOut, NetworkError, _Undelivered) as exc:
            log.warning(
                "Telegram bot of tenant %s: notification failed (%s)", tenant, type(exc).__name__
            )
            return Delivery.FAILED
        except TelegramError as exc:
            log.error(
                "Telegram bot of tenant %s: notification failed (%s)", tenant, type(exc).__name__
            )
            return Delivery.FAILED
        return Delivery.DELIVERED

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "Telegram bot of tenant %s: error on update %s: %s",
            self.tenant.slug,
            update_id,
            type(context.error).__name__,
        )

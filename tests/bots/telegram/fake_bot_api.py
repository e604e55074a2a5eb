"""An HTTP fake of the Telegram Bot API that the real python-telegram-bot talks to.

It listens on 127.0.0.1 (a free port), serves ``/bot<token>/<method>`` and
``/file/bot<token>/<path>``, and behaves like Telegram where our bot can tell:

- ``getUpdates`` long-polls and confirms updates by ``offset``;
- texts are parsed in HTML mode (unsupported tags, unbalanced tags and stray
  ``<`` give 400 "can't parse entities"), at most 4,096 characters after parsing;
- callback data must be 1-64 bytes (400 ``BUTTON_DATA_INVALID``);
- at most 30 messages per second per bot, else 429 with ``retry_after``;
- an unknown or revoked token gets 401, a blocked chat 403, an unknown chat 400.

The test side injects updates (messages, commands, button presses, locations,
venues) and reads what the bot did (``FakeBot.sent``, ``actions``, ``answers``).
Times are ``time.monotonic()``.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

RATE_LIMIT = 30  # messages per second per bot
MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
)
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*>"
)
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_NAMED = {"lt", "gt", "amp", "quot"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def parse_html(text: str) -> str:
    """Telegram's HTML parse mode: the visible text, or ApiError(400)."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG.match(text, i)
            if match is None:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Unexpected character at byte offset {i}",
                )
            closing, name = match.group(1), match.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise ApiError(
                    400,
                    f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte offset {i}',
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise ApiError(
                        400,
                        f'Bad Request: can\'t parse entities: Unmatched end tag at byte offset {i}, expected "</{stack[-1] if stack else ""}>", found "</{name}>"',
                    )
                stack.pop()
            else:
                stack.append(name)
            i = match.end()
        elif char == "&" and (match := _ENTITY.match(text, i)):
            body = match.group(1)
            if not body.startswith("#") and body not in _NAMED:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Unsupported HTML entity at byte offset {i}",
                )
            out.append(html.unescape(match.group(0)))
            i = match.end()
        else:
            out.append(char)
            i += 1
    if stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"",
        )
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Sent:
    """One accepted message call (sendMessage, sendDocument, editMessage…)."""

    method: str
    chat_id: int
    message_id: int
    at: float
    text: str | None = None  # as sent (HTML)
    plain: str | None = None  # as shown
    reply_markup: dict[str, Any] | None = None
    filename: str | None = None
    content_type: str | None = None
    content: bytes | None = None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of an inline keyboard, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    @property
    def requests_location(self) -> bool:
        rows = (self.reply_markup or {}).get("keyboard", [])
        return any(isinstance(b, dict) and b.get("request_location") for row in rows for b in row)


@dataclass
class FakeBot:
    token: str
    id: int
    username: str
    first_name: str
    api: FakeBotAPI
    updates: list[dict[str, Any]] = field(default_factory=list)  # not yet confirmed
    delivered_at: dict[int, float] = field(default_factory=dict)  # update_id -> first getUpdates
    delivered_count: dict[int, int] = field(default_factory=dict)  # update_id -> times handed out
    sent: list[Sent] = field(default_factory=list)
    actions: list[tuple[int, str, float]] = field(default_factory=list)
    answers: dict[str, str | None] = field(default_factory=dict)  # callback id -> text
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    profile: dict[tuple[str, str], str] = field(default_factory=dict)  # (field, lang) -> value
    profile_sets: list[str] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    gone: set[int] = field(default_factory=set)
    revoked: bool = False
    confirmed_offset: int = 0  # updates below this were acknowledged by getUpdates(offset)
    rejected_429: int = 0
    force_429: int = 0  # answer the next n message calls with 429
    unavailable: int = 0  # answer the next n calls of any method with 502 Bad Gateway
    failing_until: float = 0.0  # monotonic time: until then every call gets 500
    hanging_until: float = 0.0  # monotonic time: until then calls hang, then fail unanswered
    calls: list[str] = field(default_factory=list)
    _messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    _callbacks: set[str] = field(default_factory=set)
    _accepted: list[float] = field(default_factory=list)

    # ── what the test does ───────────────────────────────────────────────

    def _user(self, chat_id: int, language: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Heinrich"}
        if language:
            user["language_code"] = language
        return user

    def _chat(self, chat_id: int, chat_type: str) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Heinrich"
        else:
            chat["title"] = "Nachbarschaftsgruppe"
        return chat

    def _push(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = self.api.next_update_id()
        self.updates.append({"update_id": update_id, kind: payload})
        self.api.changed()
        return update_id

    def _message(
        self,
        chat_id: int,
        *,
        language: str | None = "de",
        chat_type: str = "private",
        from_id: int | None = None,
        **content: Any,
    ) -> int:
        message = {
            "message_id": next(self.api.message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": self._user(from_id or chat_id, language),
            **content,
        }
        return self._push("message", message)

    def user_message(self, chat_id: int, text: str, **kw: Any) -> int:
        """A person writes ``text`` (a command when it starts with ``/``)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            head = text.split(" ", 1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(head)}]
        return self._message(chat_id, **content, **kw)

    def location(self, chat_id: int, lat: float, lon: float, **kw: Any) -> int:
        return self._message(chat_id, location={"latitude": lat, "longitude": lon}, **kw)

    def venue(
        self, chat_id: int, lat: float, lon: float, title: str, address: str, **kw: Any
    ) -> int:
        loc = {"latitude": lat, "longitude": lon}
        venue = {"location": loc, "title": title, "address": address}
        return self._message(chat_id, location=loc, venue=venue, **kw)

    def sticker(self, chat_id: int, **kw: Any) -> int:
        sticker = {
            "file_id": "st1",
            "file_unique_id": "st1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._message(chat_id, sticker=sticker, **kw)

    def last_keyboard(self, chat_id: int) -> Sent:
        for sent in reversed(self.sent):
            if sent.chat_id == chat_id and sent.buttons:
                return self.current(sent)
        raise AssertionError(f"no inline keyboard in chat {chat_id}")

    def current(self, sent: Sent) -> Sent:
        """The latest state of a message (after edits)."""
        for later in reversed(self.sent):
            if later.chat_id == sent.chat_id and later.message_id == sent.message_id:
                return later
        return sent

    def press(
        self,
        chat_id: int,
        payload: str | None = None,
        *,
        label: str | None = None,
        message: Sent | None = None,
        language: str | None = "de",
        chat_type: str = "private",
    ) -> tuple[int, str]:
        """Press a button of ``message`` (default: the last keyboard in the chat) by
        payload or label. Returns (update_id, callback_query_id)."""
        message = self.current(message) if message else self.last_keyboard(chat_id)
        if label is not None:
            matches = [data for text, data in message.buttons if text == label]
            assert matches, f"no button {label!r} in {message.buttons}"
            payload = matches[0]
        assert payload is not None
        query_id = str(next(self.api.query_ids))
        self._callbacks.add(query_id)
        stored = self._messages.get((message.chat_id, message.message_id))
        query = {
            "id": query_id,
            "from": self._user(chat_id, language),
            "chat_instance": f"ci{chat_id}",
            "data": payload,
            "message": stored
            or {
                "message_id": message.message_id,
                "date": 0,
                "chat": self._chat(message.chat_id, chat_type),
            },
        }
        return self._push("callback_query", query), query_id

    def kicked(self, chat_id: int) -> int:
        """The person blocked the bot (``my_chat_member``)."""
        member = {
            "chat": self._chat(chat_id, "private"),
            "from": self._user(chat_id, None),
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": self.user_dict()},
            "new_chat_member": {"status": "kicked", "user": self.user_dict(), "until_date": 0},
        }
        return self._push("my_chat_member", member)

    def sent_to(self, chat_id: int, since: int = 0) -> list[Sent]:
        return [s for s in self.sent[since:] if s.chat_id == chat_id]

    def user_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    # ── what the bot calls ───────────────────────────────────────────────

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        self.calls.append(method)
        self.api.changed()
        if self.unavailable > 0:
            self.unavailable -= 1
            raise ApiError(502, "Bad Gateway")
        now = time.monotonic()
        if now < self.hanging_until:
            # An overloaded API: no answer while it lasts (the client times
            # out and hangs up); nothing is delivered.
            await asyncio.sleep(self.hanging_until - now)
            raise ApiError(504, "Gateway Timeout")
        if now < self.failing_until:
            raise ApiError(500, "Internal Server Error")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return await handler(params) if asyncio.iscoroutinefunction(handler) else handler(params)

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.gone:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _rate(self) -> None:
        now = time.monotonic()
        if self.force_429 > 0:
            self.force_429 -= 1
            self.rejected_429 += 1
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        recent = [t for t in self._accepted[-RATE_LIMIT:] if now - t < 1.0]
        if len(recent) >= RATE_LIMIT:
            self.rejected_429 += 1
            retry = max(1, math.ceil(recent[0] + 1.0 - now))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _text(self, params: dict[str, Any], key: str = "text") -> tuple[str, str]:
        text = str(params.get(key, ""))
        plain = parse_html(text) if params.get("parse_mode") == "HTML" else text
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return text, plain

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        raw = params.get("reply_markup")
        if raw is None:
            return None
        markup = json.loads(raw) if isinstance(raw, str) else raw
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if data is None and not button.get("url"):
                    raise ApiError(400, "Bad Request: can't parse inline keyboard button")
        return markup

    def _store(self, sent: Sent, extra: dict[str, Any]) -> dict[str, Any]:
        self._accepted.append(sent.at)
        self.sent.append(sent)
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": self._chat(sent.chat_id, "private" if sent.chat_id > 0 else "group"),
            "from": self.user_dict(),
            **extra,
        }
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        self._messages[(sent.chat_id, sent.message_id)] = message
        self.api.changed()
        return message

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {
            **self.user_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        if not str(params.get("url", "")).startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.webhook = dict(params)
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params["offset"]) if params.get("offset") not in (None, "") else None
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset is not None and offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.api.changed()
        if not self.updates and timeout > 0:
            await self.api.wait_for(
                lambda: bool(self.updates) or self.api.closing, timeout, fail=False
            )
        request = params.get("_request")
        if request is not None and (request.transport is None or request.transport.is_closing()):
            return []  # the poller hung up (it stopped): nothing was handed out
        batch = self.updates[:limit]
        now = time.monotonic()
        for update in batch:
            self.delivered_at.setdefault(update["update_id"], now)
            self.delivered_count[update["update_id"]] = (
                self.delivered_count.get(update["update_id"], 0) + 1
            )
        self.api.changed()
        return batch

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_id(params)
        text, plain = self._text(params)
        markup = self._markup(params)
        self._rate()
        sent = Sent(
            "sendMessage",
            chat_id,
            next(self.api.message_ids),
            time.monotonic(),
            text,
            plain,
            markup,
        )
        return self._store(sent, {"text": plain})

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_id(params)
        message_id = int(params["message_id"])
        old = self._messages.get((chat_id, message_id))
        if old is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if "text" not in old:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, plain = self._text(params)
        markup = self._markup(params)
        if plain == old["text"] and markup == old.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
            )
        self._rate()
        sent = Sent("editMessageText", chat_id, message_id, time.monotonic(), text, plain, markup)
        return self._store(sent, {"text": plain})

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_id(params)
        message_id = int(params["message_id"])
        old = self._messages.get((chat_id, message_id))
        if old is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = self._markup(params)
        self._rate()
        sent = Sent(
            "editMessageReplyMarkup",
            chat_id,
            message_id,
            time.monotonic(),
            old.get("text"),
            old.get("text"),
            markup,
        )
        return self._store(sent, {k: v for k, v in old.items() if k in ("text", "document")})

    def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_id(params)
        document = params.get("document")
        if not isinstance(document, web.FileField):
            raise ApiError(400, "Bad Request: there is no document in the request")
        content = document.file.read()
        markup = self._markup(params)
        self._rate()
        sent = Sent(
            "sendDocument",
            chat_id,
            next(self.api.message_ids),
            time.monotonic(),
            reply_markup=markup,
            filename=document.filename,
            content_type=document.content_type,
            content=content,
        )
        info = {
            "file_id": f"doc{sent.message_id}",
            "file_unique_id": f"u{sent.message_id}",
            "file_name": document.filename,
            "mime_type": document.content_type,
            "file_size": len(content),
        }
        return self._store(sent, {"document": info})

    def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_id(params)
        self.actions.append((chat_id, str(params["action"]), time.monotonic()))
        self.api.changed()
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params["callback_query_id"])
        if query_id not in self._callbacks or query_id in self.answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answers[query_id] = params.get("text")
        self.api.changed()
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = json.loads(params["commands"])
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = params.get("scope") or '{"type": "default"}'
        self.commands[(json.loads(scope)["type"], params.get("language_code") or "")] = commands
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> Any:
        scope = params.get("scope") or '{"type": "default"}'
        return self.commands.get((json.loads(scope)["type"], params.get("language_code") or ""), [])

    def _set_profile(self, field_name: str, limit: int, params: dict[str, Any]) -> Any:
        value = str(params.get(field_name) or "")
        if len(value) > limit:
            raise ApiError(400, f"Bad Request: {field_name} is too long")
        self.profile[(field_name, params.get("language_code") or "")] = value
        self.profile_sets.append(field_name)
        return True

    def _get_profile(self, field_name: str, params: dict[str, Any]) -> Any:
        return {field_name: self.profile.get((field_name, params.get("language_code") or ""), "")}

    def _api_setMyName(self, params: dict[str, Any]) -> Any:
        return self._set_profile("name", 64, params)

    def _api_getMyName(self, params: dict[str, Any]) -> Any:
        return self._get_profile("name", params)

    def _api_setMyDescription(self, params: dict[str, Any]) -> Any:
        return self._set_profile("description", 512, params)

    def _api_getMyDescription(self, params: dict[str, Any]) -> Any:
        return self._get_profile("description", params)

    def _api_setMyShortDescription(self, params: dict[str, Any]) -> Any:
        return self._set_profile("short_description", 120, params)

    def _api_getMyShortDescription(self, params: dict[str, Any]) -> Any:
        return self._get_profile("short_description", params)

    def _api_close(self, params: dict[str, Any]) -> Any:
        return True

    def _api_logOut(self, params: dict[str, Any]) -> Any:
        return True


class FakeBotAPI:
    """The server. ``url`` is what a tenant's ``api_base_url`` points to."""

    def __init__(self) -> None:
        self.bots: dict[str, FakeBot] = {}
        self.closing = False
        self.message_ids = itertools.count(100)
        self.query_ids = itertools.count(9000)
        self._update_ids = itertools.count(1)
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def add_bot(self, token: str, username: str, first_name: str = "Engagement-Bot") -> FakeBot:
        bot = FakeBot(
            token=token,
            id=int(token.split(":")[0]),
            username=username,
            first_name=first_name,
            api=self,
        )
        self.bots[token] = bot
        return bot

    async def start(self) -> str:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        self.closing = True
        self.changed()
        if self._runner is not None:
            await self._runner.cleanup()

    def changed(self) -> None:
        """Wake everybody waiting for a condition (long polls, tests)."""
        if self._changed is None:
            return
        cond = self._changed

        async def notify() -> None:
            async with cond:
                cond.notify_all()

        asyncio.get_running_loop().create_task(notify())

    async def wait_for(
        self, predicate: Callable[[], bool], within: float = 10.0, *, fail: bool = True
    ) -> bool:
        """Wait until ``predicate()`` holds; a timeout is a safety net, not a pace."""
        assert self._changed is not None
        try:
            async with asyncio.timeout(within):
                async with self._changed:
                    await self._changed.wait_for(predicate)
            return True
        except TimeoutError:
            if fail:
                raise AssertionError(f"condition not met within {within} s") from None
            return False

    async def _handle(self, request: web.Request) -> web.Response:
        bot = self.bots.get(request.match_info["token"])
        method = request.match_info["method"]
        if bot is None or bot.revoked:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST":
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(await request.post())
        params["_request"] = request
        try:
            result = await bot.call(method, params)
        except ApiError as exc:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self.bots:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

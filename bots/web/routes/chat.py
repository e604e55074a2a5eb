"""The web chat: the same dialogue engine as Telegram and Matrix. The
``web:<id>`` identity lives in the session cookie; each message is a form
post (buttons are submit buttons), answered by a redirect back to the page
(works without JavaScript).

``/embed/t/<tenant>/chat`` is the same chat for framing on the
municipality's own site. Inside a cross-site frame the session cookie
(``SameSite=Lax``) is never sent, and browsers block or partition
third-party cookies anyway (Safari blocks them all), so the embedded chat
carries its session *in the page*: a signed token ``s`` in every form and
in the redirect back (``?s=…``). Its CSRF token is an HMAC of the chat id,
so a form from elsewhere cannot post into someone's chat. Over https it
also sets a ``SameSite=None; Secure; Partitioned`` cookie, so reloading the
municipality's page keeps the conversation where the browser allows it
(http://127.0.0.1 in tests works with the token alone)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.notify import reply_line
from bots.web.pages import redirect, render, tenant_of, texts, web
from bots.web.security import CSRF_FIELD, checked_form
from core.services import accounts, calendar_links, chat_email, web_chat
from core.services.web_chat import NewLine
from dialogue.markup import escape
from dialogue.messages import Incoming, Location, Reply

log = logging.getLogger(__name__)
SESSION_CHAT = "chat"
MAX_TEXT = 1000
# Messages to the bot per minute: per chat, and per address (several chats).
CHAT_PER_MINUTE, CHAT_PER_IP_PER_MINUTE = 20, 60
_EVENT = re.compile(r"[A-Za-z0-9_-]{8,64}")


EMBED_PARAM = "s"  # the embedded chat's session token, carried in the page
EMBED_COOKIE = "ehrenamt_embed"
EMBED_MAX_AGE = 30 * 24 * 3600  # an idle embedded chat is forgotten after this


def _identity(request: Request) -> str:
    """This browser's chat identity in this municipality's chat. The session
    holds one id per tenant (``{slug: id}``); a plain id, from sessions made
    before, stands for every tenant until one of them starts over. The
    embedded chat's id comes from its page token instead."""
    if _embedded(request):
        chat_id = getattr(request.state, "embed_chat", None)
        if not isinstance(chat_id, str):
            chat_id = _embed_chat(request, request.query_params.get(EMBED_PARAM))
            request.state.embed_chat = chat_id
        return f"web:{chat_id}"
    slug = tenant_of(request).slug
    stored = request.session.get(SESSION_CHAT)
    if isinstance(stored, str):
        return f"web:{stored}"
    ids = stored if isinstance(stored, dict) else {}
    chat_id = ids.get(slug)
    if not isinstance(chat_id, str):
        chat_id = secrets.token_urlsafe(18)
        request.session[SESSION_CHAT] = {**ids, slug: chat_id}
    return f"web:{chat_id}"


def _embedded(request: Request) -> bool:
    return request.url.path.startswith("/embed/")


def _chat_path(request: Request) -> str:
    slug = tenant_of(request).slug
    return f"/embed/t/{slug}/chat" if _embedded(request) else f"/t/{slug}/chat"


def _back(request: Request) -> str:
    """Where a post returns to: the chat, with the embedded chat's token."""
    if _embedded(request):
        return f"{_chat_path(request)}?{EMBED_PARAM}={_embed_token(request)}#latest"
    return _chat_path(request) + "#latest"


# -- the embedded chat's session -----------------------------------------------


def _serializer(request: Request) -> URLSafeTimedSerializer:
    # One municipality's token opens no other's embedded chat.
    salt = f"ehrenamt-embed-chat:{tenant_of(request).slug}"
    return URLSafeTimedSerializer(web(request).config.secret_key, salt=salt)


def _read_token(request: Request, token: str | None) -> str | None:
    if not token:
        return None
    try:
        chat_id = _serializer(request).loads(token, max_age=EMBED_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    return chat_id if isinstance(chat_id, str) and 16 <= len(chat_id) <= 64 else None


def _embed_chat(request: Request, token: str | None, *, create: bool = True) -> str:
    """The chat id from the page's token, else the (partitioned) cookie, else new."""
    chat_id = _read_token(request, token) or _read_token(request, request.cookies.get(EMBED_COOKIE))
    if chat_id is None:
        if not create:
            raise HTTPException(status_code=403, detail="csrf")
        chat_id = secrets.token_urlsafe(18)
    return chat_id


def _embed_token(request: Request) -> str:
    return str(_serializer(request).dumps(request.state.embed_chat))


def _embed_csrf(request: Request, chat_id: str) -> str:
    key = hashlib.sha256(("embed-csrf:" + web(request).config.secret_key).encode()).digest()
    return hmac.new(key, chat_id.encode(), "sha256").hexdigest()


async def _chat_form(request: Request):  # type: ignore[no-untyped-def]
    """The posted form after its CSRF check: the session's token on the
    site, the chat's own HMAC in the embedded chat."""
    if not _embedded(request):
        return await checked_form(request)
    form = await request.form()
    chat_id = _embed_chat(request, str(form.get(EMBED_PARAM) or ""), create=False)
    sent = str(form.get(CSRF_FIELD) or "")
    if not hmac.compare_digest(sent, _embed_csrf(request, chat_id)):
        raise HTTPException(status_code=403, detail="csrf")
    request.state.embed_chat = chat_id
    return form


def _keep_embed_session(request: Request, response: Response) -> Response:
    """Over https, a partitioned third-party cookie lets a reload of the
    municipality's page keep the conversation (where the browser allows it)."""
    if _embedded(request) and web(request).config.secure_cookies:
        response.headers.append(
            "set-cookie",
            f"{EMBED_COOKIE}={_embed_token(request)}; Path=/embed/; Max-Age={EMBED_MAX_AGE}; "
            "HttpOnly; Secure; SameSite=None; Partitioned",
        )
    return response


async def _exchange(request: Request, incoming: Incoming, said: str | None) -> None:
    """Hand one event to the engine and keep both sides in the transcript."""
    app = web(request).app
    replies: list[Reply] = await app.engine.handle(incoming)
    if any(reply.meta.get("forget_transcript") for reply in replies):
        # Consent declined: what was typed before goes from the transcript too.
        await web_chat.forget_lines(app.db, incoming.identity, incoming.tenant)
    lines = [NewLine(from_bot=False, html=said)] if said else []
    for reply in replies:
        line = reply_line(reply)
        lines.append(
            NewLine(
                line.from_bot,
                line.html,
                line.buttons,
                line.request_location,
                tuple((a.filename, a.mime_type, a.content) for a in reply.attachments),
            )
        )
    await web_chat.append(app.db, incoming.identity, incoming.tenant, lines, app.now())


async def chat_page(request: Request) -> Response:
    tenant = tenant_of(request)
    app = web(request).app
    identity = _identity(request)
    t = texts(request, tenant)
    lines = await web_chat.transcript(app.db, identity, tenant.slug)
    start = request.query_params.get("start", "")[:64]
    if not lines or start:
        # Opening the chat is like opening a bot in a messenger: it says hello
        # (and, with a start argument, shows that need).
        await _exchange(
            request,
            Incoming(
                identity=identity,
                tenant=tenant.slug,
                command="start",
                args=start,
                language_hint=t.lang,
                now=app.now(),
            ),
            None,
        )
        if start:
            return _keep_embed_session(request, redirect(_back(request)))
        lines = await web_chat.transcript(app.db, identity, tenant.slug)
    # Buttons and the location request of the bot's latest turn (the lines
    # since the person last spoke), from its last reply that had them.
    turn = []
    for line in reversed(lines):
        if not line.from_bot:
            break
        turn.append(line)
    buttons = next((list(line.buttons) for line in turn if line.buttons), [])
    wants_location = any(line.request_location for line in turn)
    embedded = {}
    files_query = ""
    # Only a person (consent given) can leave an address; the embedded chat
    # lives on another site's page and keeps to the conversation.
    email_optin = None
    my_calendar = None
    if not _embedded(request) and await chat_email.can_opt_in(app.db, identity, tenant.slug):
        found = await chat_email.status(app.db, identity, tenant.slug)
        email_optin = {
            "address": found.address if found else "",
            "verified": bool(found and found.verified),
        }
        # The private calendar link (issue 14.6): made or renewed here, shown in the chat.
        person_id = await calendar_links.person_of_identity(app.db, identity, tenant.slug)
        if person_id is not None:
            my_calendar = {"exists": await calendar_links.has_link(app.db, person_id)}
    if _embedded(request):
        token = _embed_token(request)
        embedded = {
            "embed_param": EMBED_PARAM,
            "embed_token": token,
            "csrf": _embed_csrf(request, identity.removeprefix("web:")),
        }
        files_query = f"?{EMBED_PARAM}={token}"
    response = await render(
        request,
        "embed_chat.html" if _embedded(request) else "chat.html",
        {
            "lines": [
                {
                    "id": line.id,
                    "from_bot": line.from_bot,
                    "html": line.html,
                    "files": [
                        (f"{_chat_path(request)}/files/{line.id}/{i}{files_query}", name)
                        for i, name in line.attachments
                    ],
                }
                for line in lines
            ],
            "buttons": buttons,
            "request_location": wants_location,
            "action": _chat_path(request),
            "privacy_summary": tenant.privacy.summary_in(t.lang),
            "email_optin": email_optin,
            "my_calendar": my_calendar,
            **embedded,
            # Names this page's forms: the same form sent twice (a retry after
            # an error page) is answered once.
            "event": secrets.token_urlsafe(12),
        },
        tenant=tenant,
        title_key="chat.title",
    )
    return _keep_embed_session(request, response)


async def chat_post(request: Request) -> Response:
    tenant = tenant_of(request)
    app = web(request).app
    form = await _chat_form(request)
    identity = _identity(request)
    t = texts(request, tenant)
    # One character over the engine's limit keeps its friendly "too long".
    text = str(form.get("text") or "").strip()[: MAX_TEXT + 1]
    button = str(form.get("button") or "")
    lat, lon = str(form.get("lat") or ""), str(form.get("lon") or "")
    event = str(form.get("event") or "")
    base = {
        "identity": identity,
        "tenant": tenant.slug,
        "language_hint": t.lang,
        "now": app.now(),
        "event_id": f"web:{event}" if _EVENT.fullmatch(event) else None,
    }
    if (button or text or (lat and lon)) and not await _within_limits(request, identity):
        line = NewLine(from_bot=True, html=escape(t("chat.slow_down")))
        await web_chat.append(app.db, identity, tenant.slug, [line], app.now())
        return _keep_embed_session(request, redirect(_back(request)))
    if button:
        label = await _label_of(request, identity, button)
        await _exchange(request, Incoming(button=button[:200], **base), escape(label))
    elif lat and lon:
        try:
            location = Location(float(lat), float(lon))
        except ValueError:
            return redirect(_back(request))
        if not (-90 <= location.lat <= 90 and -180 <= location.lon <= 180):
            return redirect(_back(request))
        await _exchange(
            request, Incoming(location=location, **base), escape(t("chat.location_sent"))
        )
    elif text:
        if text.startswith("/") and len(text) > 1:
            name, _, args = text[1:].partition(" ")
            incoming = Incoming(command=name.lower(), args=args.strip(), **base)
        else:
            incoming = Incoming(text=text, **base)
        await _exchange(request, incoming, escape(text))
    return _keep_embed_session(request, redirect(_back(request)))


async def _within_limits(request: Request, identity: str) -> bool:
    """Count one message against the chat's and the address's limits."""
    state = web(request)
    address = state.config.client_address(
        request.client.host if request.client else None, request.headers.get("x-forwarded-for")
    )
    salt = state.config.secret_key
    try:
        for key, limit in (
            (accounts.limit_key("chat", identity, salt=salt), CHAT_PER_MINUTE),
            (accounts.limit_key("chat-ip", address, salt=salt), CHAT_PER_IP_PER_MINUTE),
        ):
            await accounts.hit(
                state.app.db, key, limit=limit, window=timedelta(minutes=1), now=state.app.now()
            )
    except accounts.RateLimited:
        return False
    return True


async def _label_of(request: Request, identity: str, payload: str) -> str:
    """The label of the pressed button, as the person saw it."""
    for line in reversed(
        await web_chat.transcript(web(request).app.db, identity, tenant_of(request).slug, limit=5)
    ):
        for label, value in line.buttons:
            if value == payload:
                return label
    return payload


async def chat_file(request: Request) -> Response:
    found = await web_chat.attachment(
        web(request).app.db,
        _identity(request),
        tenant_of(request).slug,
        int(request.path_params["line_id"]),
        int(request.path_params["index"]),
    )
    if found is None:
        raise HTTPException(status_code=404)
    filename, mime, content = found
    safe = "".join(c for c in filename if c.isalnum() or c in "-_.") or "file"
    return Response(
        content, media_type=mime, headers={"content-disposition": f'attachment; filename="{safe}"'}
    )


async def chat_reset(request: Request) -> Response:
    """Start over with a new chat identity (the old transcript is removed)."""
    await _chat_form(request)
    identity = _identity(request)
    slug = tenant_of(request).slug
    await web_chat.forget(web(request).app.db, identity, slug)
    response = redirect(_chat_path(request))
    if _embedded(request):
        response.delete_cookie(EMBED_COOKIE, path="/embed/", secure=True, samesite="none")
        return response
    # A new identity here; the other municipalities' chats stay as they are.
    stored = request.session.get(SESSION_CHAT)
    if isinstance(stored, str):
        ids = {other: stored for other in web(request).app.tenants}
    else:
        ids = dict(stored) if isinstance(stored, dict) else {}
    ids.pop(slug, None)
    request.session[SESSION_CHAT] = ids
    return response


routes = [
    Route("/t/{tenant}/chat", chat_page, methods=["GET"]),
    Route("/t/{tenant}/chat", chat_post, methods=["POST"]),
    Route("/t/{tenant}/chat/reset", chat_reset, methods=["POST"]),
    Route("/t/{tenant}/chat/files/{line_id:int}/{index:int}", chat_file, methods=["GET"]),
    Route("/embed/t/{tenant}/chat", chat_page, methods=["GET"]),
    Route("/embed/t/{tenant}/chat", chat_post, methods=["POST"]),
    Route("/embed/t/{tenant}/chat/reset", chat_reset, methods=["POST"]),
    Route("/embed/t/{tenant}/chat/files/{line_id:int}/{index:int}", chat_file, methods=["GET"]),
]

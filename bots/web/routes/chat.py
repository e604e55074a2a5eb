"""The web chat: the same dialogue engine as Telegram and Matrix. The
``web:<id>`` identity lives in the session cookie; each message is a form
post (buttons are submit buttons), answered by a redirect back to the page
(works without JavaScript). ``/embed/t/<tenant>/chat`` is the same chat
for framing on the municipality's site."""

from __future__ import annotations

import logging
import re
import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.notify import reply_line
from bots.web.pages import redirect, render, tenant_of, texts, web
from bots.web.security import checked_form
from core.services import web_chat
from core.services.web_chat import NewLine
from dialogue.markup import escape
from dialogue.messages import Incoming, Location, Reply

log = logging.getLogger(__name__)
SESSION_CHAT = "chat"
MAX_TEXT = 1000
_EVENT = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _identity(request: Request) -> str:
    """This browser's chat identity in this municipality's chat. The session
    holds one id per tenant (``{slug: id}``); a plain id, from sessions made
    before, stands for every tenant until one of them starts over."""
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
            return redirect(_chat_path(request) + "#latest")
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
    return await render(
        request,
        "embed_chat.html" if _embedded(request) else "chat.html",
        {
            "lines": [
                {
                    "id": line.id,
                    "from_bot": line.from_bot,
                    "html": line.html,
                    "files": [
                        (f"{_chat_path(request)}/files/{line.id}/{i}", name)
                        for i, name in line.attachments
                    ],
                }
                for line in lines
            ],
            "buttons": buttons,
            "request_location": wants_location,
            "action": _chat_path(request),
            # Names this page's forms: the same form sent twice (a retry after
            # an error page) is answered once.
            "event": secrets.token_urlsafe(12),
        },
        tenant=tenant,
        title_key="chat.title",
    )


async def chat_post(request: Request) -> Response:
    tenant = tenant_of(request)
    app = web(request).app
    form = await checked_form(request)
    identity = _identity(request)
    t = texts(request, tenant)
    text = str(form.get("text") or "").strip()[:MAX_TEXT]
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
    if button:
        label = await _label_of(request, identity, button)
        await _exchange(request, Incoming(button=button[:200], **base), escape(label))
    elif lat and lon:
        try:
            location = Location(float(lat), float(lon))
        except ValueError:
            return redirect(_chat_path(request) + "#latest")
        if not (-90 <= location.lat <= 90 and -180 <= location.lon <= 180):
            return redirect(_chat_path(request) + "#latest")
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
    return redirect(_chat_path(request) + "#latest")


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
    await checked_form(request)
    identity = _identity(request)
    slug = tenant_of(request).slug
    await web_chat.forget(web(request).app.db, identity, slug)
    # A new identity here; the other municipalities' chats stay as they are.
    stored = request.session.get(SESSION_CHAT)
    if isinstance(stored, str):
        ids = {other: stored for other in web(request).app.tenants}
    else:
        ids = dict(stored) if isinstance(stored, dict) else {}
    ids.pop(slug, None)
    request.session[SESSION_CHAT] = ids
    return redirect(_chat_path(request))


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

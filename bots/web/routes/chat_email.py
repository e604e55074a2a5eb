"""The web chat's opt-in e-mail address: leave it on the chat page, confirm
it from the mail, end it from the page or from any forwarded mail."""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.pages import redirect, render, tenant_of, texts, web
from bots.web.routes.chat import _identity
from bots.web.security import checked_form
from core.services import accounts, chat_email, web_chat
from core.services.web_chat import NewLine
from dialogue.markup import escape

log = logging.getLogger(__name__)
REQUESTS_PER_DAY = 5  # confirmation mails per chat: nobody mail-bombs an address from here
_TOKEN = 80  # longest token a link may carry


async def _bot_line(request: Request, html: str) -> None:
    app = web(request).app
    tenant = tenant_of(request)
    line = NewLine(from_bot=True, html=html)
    await web_chat.append(app.db, _identity(request), tenant.slug, [line], app.now())


async def leave_address(request: Request) -> Response:
    tenant = tenant_of(request)
    state = web(request)
    app = state.app
    form = await checked_form(request)
    t = texts(request, tenant)
    identity = _identity(request)
    address = str(form.get("email") or "").strip()[: accounts.MAX_EMAIL + 1]
    back = redirect(f"/t/{tenant.slug}/chat#latest")
    try:
        await accounts.hit(
            app.db,
            accounts.limit_key("chat-email", identity, salt=state.config.secret_key),
            limit=REQUESTS_PER_DAY,
            window=timedelta(days=1),
            now=app.now(),
        )
        address = await chat_email.request(app.db, identity, tenant.slug, address, app.now())
    except accounts.RateLimited:
        await _bot_line(request, escape(t("chat.email_too_many")))
        return back
    except chat_email.NoPerson:
        await _bot_line(request, escape(t("chat.email_needs_consent")))
        return back
    except chat_email.BadAddress:
        await _bot_line(request, escape(t("chat.email_bad")))
        return back
    await _bot_line(request, escape(t("chat.email_sent", email=address)))
    return back


async def stop_here(request: Request) -> Response:
    tenant = tenant_of(request)
    await checked_form(request)
    await chat_email.stop(web(request).app.db, _identity(request), tenant.slug)
    await _bot_line(request, escape(texts(request, tenant)("chat.email_stopped")))
    return redirect(f"/t/{tenant.slug}/chat#latest")


async def confirm(request: Request) -> Response:
    tenant = tenant_of(request)
    app = web(request).app
    token = str(request.path_params["token"])[:_TOKEN]
    ok = await chat_email.confirm(app.db, tenant.slug, token, app.now())
    return await render(
        request,
        "message.html",
        {
            "heading": "chat.email_confirmed_title" if ok else "chat.email_link_bad_title",
            "body": "chat.email_confirmed" if ok else "chat.email_link_bad",
            "link": (f"/t/{tenant.slug}/chat", "chat.back_to_chat"),
        },
        tenant=tenant,
        status=200 if ok else 400,
        title_key="chat.email_confirmed_title" if ok else "chat.email_link_bad_title",
    )


async def stop_page(request: Request) -> Response:
    """A page with a button, not a GET that stops: mail scanners open links."""
    tenant = tenant_of(request)
    token = str(request.path_params["token"])[:_TOKEN]
    if not await chat_email.stop_token_known(web(request).app.db, tenant.slug, token):
        return await _unknown_stop(request)
    return await render(
        request,
        "chat_email_stop.html",
        {"action": request.url.path},
        tenant=tenant,
        title_key="chat.email_stop_title",
    )


async def stop_from_mail(request: Request) -> Response:
    tenant = tenant_of(request)
    await checked_form(request)
    token = str(request.path_params["token"])[:_TOKEN]
    if not await chat_email.stop_by_token(web(request).app.db, tenant.slug, token):
        return await _unknown_stop(request)
    return await render(
        request,
        "message.html",
        {
            "heading": "chat.email_stop_title",
            "body": "chat.email_stopped",
            "link": (f"/t/{tenant.slug}/chat", "chat.back_to_chat"),
        },
        tenant=tenant,
        title_key="chat.email_stop_title",
    )


async def _unknown_stop(request: Request) -> Response:
    """A stop link that was used already (or never existed): nothing to stop."""
    tenant = tenant_of(request)
    return await render(
        request,
        "message.html",
        {
            "heading": "chat.email_stop_title",
            "body": "chat.email_stop_unknown",
            "link": (f"/t/{tenant.slug}/chat", "chat.back_to_chat"),
        },
        tenant=tenant,
        status=400,
        title_key="chat.email_stop_title",
    )


routes = [
    Route("/t/{tenant}/chat/email", leave_address, methods=["POST"]),
    Route("/t/{tenant}/chat/email/stop", stop_here, methods=["POST"]),
    Route("/t/{tenant}/chat/email/stop/{token}", stop_page, methods=["GET"]),
    Route("/t/{tenant}/chat/email/stop/{token}", stop_from_mail, methods=["POST"]),
    Route("/t/{tenant}/chat/email/{token}", confirm, methods=["GET"]),
]

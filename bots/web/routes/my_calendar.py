"""A person's private calendar subscription on the web (issue 14.6).

* ``GET /t/<slug>/me/calendar/<token>.ics``: all the person's engagements
  (``core.services.calendar_links.feed_of``), the need's UID, the person's
  SEQUENCE, UNTIL and EXDATEs, ``STATUS:CANCELLED`` for what they left or the
  organisation cancelled. An unknown, renewed or deleted token is a 404.
* ``POST /t/<slug>/chat/calendar`` (the web chat page): a new link, shown
  once as a line of the chat; the old one stops working.
  ``POST /t/<slug>/chat/calendar/stop`` deletes it.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.feeds import feed_ics
from bots.web.pages import redirect, tenant_of, texts, web
from bots.web.routes.chat import _identity
from bots.web.routes.chat_email import _bot_line
from bots.web.security import checked_form
from core.services import calendar_links
from core.services.needs import need_details
from dialogue.flows.my_calendar import feed_url
from dialogue.markup import escape


async def feed(request: Request) -> Response:
    tenant = tenant_of(request)
    app = web(request).app
    token = str(request.path_params["token"])
    person_id = await calendar_links.person_of(app.db, tenant.slug, token)
    if person_id is None:
        raise HTTPException(status_code=404)
    found = await calendar_links.feed_of(app.db, person_id, app.now())
    details = await need_details(app.db, list(found.need_ids))
    body = feed_ics(
        [details[i] for i in found.need_ids if i in details],
        name=f"{texts(request, tenant)('calendars.mine')} · {tenant.name}",
        tz_name=found.timezone,
        stamp=app.now(),
        base_url=web(request).config.public_url,
        facts=found.facts,
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        # Private: no shared cache keeps it; a subscribed calendar polls anew.
        headers={"cache-control": "private, no-store", "x-robots-tag": "noindex"},
    )


async def _person(request: Request) -> int | None:
    """The person (with consent) behind this browser's chat."""
    tenant = tenant_of(request)
    return await calendar_links.person_of_identity(
        web(request).app.db, _identity(request), tenant.slug
    )


async def make(request: Request) -> Response:
    """A new link from the web chat page, shown once in the chat."""
    tenant = tenant_of(request)
    await checked_form(request)
    app = web(request).app
    t = texts(request, tenant)
    person_id = await _person(request)
    if person_id is None:
        await _bot_line(request, escape(t("chat.email_needs_consent")))
    else:
        token = await calendar_links.make_link(app.db, person_id, app.now())
        url = feed_url(web(request).config.public_url, tenant.slug, token)
        await _bot_line(request, escape(t("chat.calendar_made", url=url)))
    return redirect(f"/t/{tenant.slug}/chat#latest")


async def stop(request: Request) -> Response:
    tenant = tenant_of(request)
    await checked_form(request)
    person_id = await _person(request)
    if person_id is not None:
        await calendar_links.remove_link(web(request).app.db, person_id)
        await _bot_line(request, escape(texts(request, tenant)("chat.calendar_stopped")))
    return redirect(f"/t/{tenant.slug}/chat#latest")


routes = [
    Route("/t/{tenant}/me/calendar/{token:str}.ics", feed, methods=["GET"]),
    Route("/t/{tenant}/chat/calendar", make, methods=["POST"]),
    Route("/t/{tenant}/chat/calendar/stop", stop, methods=["POST"]),
]

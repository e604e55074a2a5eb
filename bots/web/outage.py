"""While the database is out of reach (a restart, a failover), every page
answers 503 with a short note in the person's language and a Retry-After,
instead of a server error: nothing was changed, and sending the same form
again in a moment works. The note is rendered without the database."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bots.web.pages import build_jinja, texts
from core.db import is_unavailable

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


class DatabaseOutage:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.jinja = build_jinja()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started or not is_unavailable(exc):
                raise
            log.warning("web request answered 503: database unavailable")
            await self._page(scope)(scope, receive, send)

    def _page(self, scope: Scope) -> HTMLResponse:
        t = texts(Request(scope), None)
        html = self.jinja.get_template("outage.html").render(
            lang=t.lang, heading=t("http.503.title"), body=t("http.503.body")
        )
        return HTMLResponse(
            html, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )

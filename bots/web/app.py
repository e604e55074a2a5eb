"""The web application: ``create_app(app)`` builds the Starlette app over
the composition root's ``App``; ``WebChannel(app, host, port)`` runs it with
uvicorn inside the runner's event loop (start/stop like any channel)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bots.bootstrap import App
from bots.web.config import WebConfig
from bots.web.mail import MailSender, build_mail_sender
from bots.web.notify import WebChatNotifier
from bots.web.outage import DatabaseOutage
from bots.web.pages import (
    STATIC_DIR,
    LoginRequired,
    OrganisationSuspended,
    WebState,
    build_jinja,
    login_redirect,
    render,
    suspended_page,
    texts,
    web,
)
from bots.web.routes import (
    accounts,
    chat,
    chat_email,
    editor,
    exchange,
    feedback,
    hours,
    my_calendar,
    offers,
    ops,
    org,
    public,
)
from bots.web.security import BodySizeLimit, SecurityHeaders
from bots.web.tokens import Tokens
from core.services.accounts import ensure_editor, new_password

log = logging.getLogger(__name__)
DEMO_TENANT = "aachen"


def create_app(
    app: App, config: WebConfig | None = None, extra_routes: Sequence[BaseRoute] = ()
) -> Starlette:
    """The web app. ``config`` defaults to the environment (``WebConfig.from_env``);
    ``extra_routes`` are mounted as they are (the Telegram webhook endpoints)."""
    config = config or WebConfig.from_env(
        app.settings.data_dir, app.settings.host, app.settings.web_port
    )
    state = WebState(
        app=app,
        config=config,
        jinja=build_jinja(),
        tokens=Tokens(config.secret_key, app.now),
    )
    app.notifiers.setdefault("web", WebChatNotifier(app.db, app.now))

    starlette = Starlette(
        routes=[
            *exchange.routes,  # before public: /t/<slug>/needs.json
            *feedback.routes,
            *public.routes,
            *accounts.routes,
            *org.routes,
            *hours.routes,  # hours and the Ehrenamtsnachweis (issue 14.5)
            *offers.routes,  # issue 14: fitting offers, answers through the relay
            *editor.routes,
            *chat_email.routes,
            *my_calendar.routes,  # a person's private calendar feed (issue 14.6)
            *chat.routes,
            *ops.routes,
            *extra_routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(BodySizeLimit, max_bytes=config.max_body_bytes),
            Middleware(DatabaseOutage),
            Middleware(
                SecurityHeaders, frame_ancestors=config.frame_ancestors, hsts=config.secure_cookies
            ),
            Middleware(
                SessionMiddleware,
                secret_key=config.secret_key,
                session_cookie="ehrenamt_session",
                max_age=14 * 24 * 3600,
                same_site="lax",
                https_only=config.secure_cookies,
            ),
        ],
        exception_handlers={
            HTTPException: _http_error,
            LoginRequired: _login_required,
            OrganisationSuspended: _suspended,
        },
    )
    starlette.state.web = state
    return starlette


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return login_redirect(exc)


async def _suspended(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OrganisationSuspended)
    return await suspended_page(request)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code not in (400, 403, 404, 405):
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    tenant = web(request).app.tenants.get(request.path_params.get("tenant", ""))
    t = texts(request, tenant)
    # A form without its session's token: say so, not "belongs to someone else".
    kind = "csrf" if exc.status_code == 403 and exc.detail == "csrf" else str(exc.status_code)
    return await render(
        request,
        "error.html",
        {
            "status": exc.status_code,
            "heading": t(f"http.{kind}.title"),
            "body": t(f"http.{kind}.body"),
        },
        tenant=tenant,
        status=exc.status_code,
    )


def mail_sender(app: App, config: WebConfig | None = None) -> MailSender:
    """The background sender of the mail queue, over the web's mail settings
    (``EHRENAMT_SMTP_URL``, ``EHRENAMT_MAIL_FROM``, the outbox, the public URL
    its links point to). The runner starts it; tests call ``run_once``."""
    config = config or WebConfig.from_env(
        app.settings.data_dir, app.settings.host, app.settings.web_port
    )
    return build_mail_sender(
        app.db,
        app.clock,
        app.tenants,
        app.tenant_ids,
        public_url=config.public_url,
        smtp_url=config.smtp_url,
        mail_from=config.mail_from,
        outbox_dir=config.outbox_dir,
        log_links=config.demo_log_links,
    )


async def ensure_demo_editor(app: App, tenant_slug: str | None = None) -> tuple[str, str]:
    """An editor account for the demo tenant with a fresh random password
    (printed by the runner at start-up); returns (e-mail, password)."""
    slug = tenant_slug or (DEMO_TENANT if DEMO_TENANT in app.tenants else next(iter(app.tenants)))
    email = f"redaktion@{slug}.demo"
    password = new_password()
    await ensure_editor(
        app.db,
        tenant_id=app.tenant_ids[slug],
        email=email,
        display_name="Redaktion (Demo)",
        password=password,
        now=app.now(),
    )
    return email, password


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: the runner owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class WebChannel:
    """The web server as a channel of the runner (``dialogue.ports.Channel``)."""

    name = "web"
    kind = "web"
    tenant = None  # serves every tenant; its chat's notifier is WebChatNotifier

    def __init__(
        self,
        app: App,
        host: str,
        port: int,
        config: WebConfig | None = None,
        extra_routes: Sequence[BaseRoute] = (),
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.asgi = create_app(app, config, extra_routes)
        self._server: _Server | None = None
        self._task: asyncio.Task[Any] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Bind the port (an ``OSError`` here, e.g. port in use, reaches the
        runner), then serve in a task of this event loop."""
        config = uvicorn.Config(
            self.asgi,
            host=self.host,
            port=self.port,
            lifespan="on",
            log_config=None,
            access_log=False,
            server_header=False,
        )
        sock = socket.create_server((self.host, self.port))  # raises OSError, never exits
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="web-server")
        while not self._server.started:
            if self._task.done():
                await self._task  # raises the start-up error (port in use, …)
                raise RuntimeError("web server stopped during start-up")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, timeout=10)
        except TimeoutError:
            self._server.force_exit = True
            await self._task
        self._server = self._task = None

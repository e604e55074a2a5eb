"""For operators and their monitoring: ``/healthz`` (the process answers),
``/readyz`` (database reachable, schema at the newest migration, the state of
every chat channel, as JSON; 503 when not ready) and ``/metrics``
(Prometheus). ``EHRENAMT_METRICS_TOKEN``, when set, is required as a bearer
token on ``/metrics``."""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bots.web.pages import web
from core import metrics
from core.migrate import current_head

log = logging.getLogger(__name__)
DB_TIMEOUT = 3.0  # seconds a readiness probe waits for the database


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok", headers={"cache-control": "no-store"})


def channel_states(channels: list[Any]) -> dict[str, dict[str, Any]]:
    """Each chat channel's state: running, or off and why (no token, no address)."""
    states: dict[str, dict[str, Any]] = {}
    for channel in channels:
        name = str(getattr(channel, "name", "?"))
        if name == "web":
            continue
        running = bool(getattr(channel, "running", False))
        state: dict[str, Any] = {"running": running}
        failure = getattr(channel, "failure", None)
        if failure and not running:
            state["failure"] = str(failure)
        states[name] = state
    return states


async def _schema_revision(request: Request) -> str | None:
    rows = await web(request).app.db.rows(text("SELECT version_num FROM alembic_version"))
    return str(rows[0][0]) if rows else None


async def readyz(request: Request) -> Response:
    """Ready to serve: the database answers and its schema is current. Chat
    channels are reported, not required: one municipality's revoked bot token
    must not take the web pages of all the others out of the load balancer."""
    body: dict[str, Any] = {"database": "ok", "migrations": "current"}
    ready = True
    try:
        revision = await asyncio.wait_for(_schema_revision(request), DB_TIMEOUT)
    except Exception as exc:  # unreachable, timed out, or no alembic_version table
        ready = False
        missing = "alembic_version" in str(exc)
        body["database"] = "ok" if missing else "unreachable"
        body["migrations"] = "unknown"
        if not missing:
            log.warning("readiness: database check failed (%s)", type(exc).__name__)
    else:
        head = current_head()
        if revision != head:
            ready = False
            body["migrations"] = f"behind ({revision or 'none'} < {head})"
    body["channels"] = channel_states(web(request).app.channels)
    body["ready"] = ready
    return JSONResponse(
        body, status_code=200 if ready else 503, headers={"cache-control": "no-store"}
    )


async def metrics_page(request: Request) -> Response:
    token = web(request).config.metrics_token
    if token:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return PlainTextResponse("unauthorised", status_code=401)
    payload, content_type = metrics.exposition()
    return Response(payload, media_type=content_type, headers={"cache-control": "no-store"})


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics_page, methods=["GET"]),
]

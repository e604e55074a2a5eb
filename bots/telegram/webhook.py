"""Starlette routes that hand Telegram webhook POSTs to the tenant's channel.

Mount them in the web app: ``Starlette(routes=[..., *webhook_routes(channels)])``.
A tenant's ``webhook_url`` then points to ``https://<host>/telegram/<slug>``.
Telegram sends the secret in ``X-Telegram-Bot-Api-Secret-Token``; a wrong one
gets 403, an unknown tenant 404.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.telegram.channel import TelegramChannel

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_routes(channels: Iterable[TelegramChannel], prefix: str = "/telegram") -> list[Route]:
    by_slug = {c.tenant.slug: c for c in channels if c.webhook_url}

    async def receive(request: Request) -> Response:
        channel = by_slug.get(request.path_params["slug"])
        if channel is None:
            return Response(status_code=404)
        status = await channel.handle_webhook(
            request.headers.get(SECRET_HEADER), await request.body()
        )
        return Response(status_code=status)

    return [Route(f"{prefix}/{{slug}}", receive, methods=["POST"], name="telegram_webhook")]

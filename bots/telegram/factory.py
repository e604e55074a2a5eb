"""Build one ``TelegramChannel`` per tenant whose file has a ``[telegram]`` table."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bots.telegram.channel import TelegramChannel
from core.tenants import TenantConfig
from dialogue.ports import ConversationEngine, UnreachableCallback

log = logging.getLogger(__name__)

# "<bot id>:<secret>" as BotFather hands it out
_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
# what Telegram allows as a webhook secret_token
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def build_telegram_channels(
    tenants: Iterable[TenantConfig] | Mapping[str, TenantConfig],
    engine: ConversationEngine,
    environ: Mapping[str, str],
    on_unreachable: UnreachableCallback | None = None,
    **options: Any,
) -> list[TelegramChannel]:
    """A channel for every tenant with a usable token; the others are reported
    (tenant slug and variable name, never a value) and left out, so one bad
    tenant never stops the rest. ``options`` go to ``TelegramChannel``."""
    configs = tenants.values() if isinstance(tenants, Mapping) else tenants
    channels: list[TelegramChannel] = []
    for tenant in configs:
        config = tenant.telegram
        if config is None:
            continue
        token = environ.get(config.token_env, "").strip()
        if not token:
            log.error(
                "Telegram bot of tenant %s is off: $%s is not set", tenant.slug, config.token_env
            )
            continue
        if not _TOKEN.fullmatch(token):
            log.error(
                "Telegram bot of tenant %s is off: $%s does not look like a bot token "
                "(expected <digits>:<secret> from BotFather)",
                tenant.slug,
                config.token_env,
            )
            continue
        secret: str | None = None
        if config.webhook_url:
            secret = (
                environ.get(config.webhook_secret_env, "").strip()
                if config.webhook_secret_env
                else ""
            )
            if not secret or not _SECRET.fullmatch(secret):
                log.error(
                    "Telegram bot of tenant %s is off: webhook mode needs a secret in $%s "
                    "(1-256 characters A-Z, a-z, 0-9, _ and -)",
                    tenant.slug,
                    config.webhook_secret_env or "<webhook_secret_env>",
                )
                continue
        channels.append(
            TelegramChannel(tenant, engine, token, on_unreachable, webhook_secret=secret, **options)
        )
    return channels

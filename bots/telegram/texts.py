"""The few texts the Telegram adapter shows itself (``data/texts/channels/telegram.yml``).

Everything else a person reads comes from the dialogue engine. A tenant may
override a key through its ``[texts.<lang>]`` table as ``telegram.<key>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.tenants import TenantConfig
from dialogue.commands import command_menu
from dialogue.texts import Texts, channel_languages, channel_texts


@dataclass(frozen=True, slots=True)
class TelegramTexts:
    """Texts per language; ``get`` falls back to the tenant's first language."""

    tenant: TenantConfig

    @property
    def languages(self) -> tuple[str, ...]:
        return channel_languages("telegram")

    def language(self, hint: str | None) -> str:
        lang = (hint or "").split("-")[0].lower()
        if lang in self.tenant.languages and lang in self.languages:
            return lang
        return (
            self.tenant.default_language if self.tenant.default_language in self.languages else "de"
        )

    def get(self, key: str, hint: str | None = None) -> str:
        return str(channel_texts("telegram", self.tenant, self.language(hint))[key])

    def commands(self, lang: str) -> dict[str, str]:
        """Command name -> menu description, in menu order: the one command
        table's (``dialogue.commands``), described by the dialogue's texts."""
        return command_menu(lang, Texts(self.tenant, lang))


def load_texts(tenant: TenantConfig) -> TelegramTexts:
    return TelegramTexts(tenant=tenant)

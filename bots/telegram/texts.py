"""The few texts the Telegram adapter shows itself (``data/texts/channels/telegram.yml``).

Everything else a person reads comes from the dialogue engine. A tenant may
override a key through its ``[texts.<lang>]`` table as ``telegram.<key>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.tenants import TenantConfig
from dialogue.commands import command_menu
from dialogue.texts import Texts

TEXTS_FILE = Path(__file__).resolve().parents[2] / "data" / "texts" / "channels" / "telegram.yml"


@dataclass(frozen=True, slots=True)
class TelegramTexts:
    """Texts per language; ``get`` falls back to the tenant's first language."""

    tenant: TenantConfig
    by_language: dict[str, dict[str, Any]]

    def language(self, hint: str | None) -> str:
        lang = (hint or "").split("-")[0].lower()
        if lang in self.tenant.languages and lang in self.by_language:
            return lang
        return (
            self.tenant.default_language
            if self.tenant.default_language in self.by_language
            else "de"
        )

    def get(self, key: str, hint: str | None = None) -> str:
        lang = self.language(hint)
        override = self.tenant.texts.get(lang, {}).get(f"telegram.{key}")
        if override:
            return override
        return str(self.by_language[lang][key])

    def commands(self, lang: str) -> dict[str, str]:
        """Command name -> menu description, in menu order: the one command
        table's (``dialogue.commands``), described by the dialogue's texts."""
        return command_menu(lang, Texts(self.tenant, lang))


def load_texts(tenant: TenantConfig, path: Path = TEXTS_FILE) -> TelegramTexts:
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return TelegramTexts(tenant=tenant, by_language={k: dict(v) for k, v in raw.items()})

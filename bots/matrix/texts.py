"""The Matrix adapter's own notices, from ``data/texts/channels/matrix.yml``.

Everything the conversation says comes from the dialogue engine; these are
only the channel's notices (a message that could not be decrypted, the move
from a group room to a direct chat, how to share a location). A tenant file
overrides one with ``[texts.<lang>] "matrix.<key>" = "…"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.tenants import TenantConfig
from dialogue.texts import channel_texts


@dataclass(frozen=True, slots=True)
class MatrixTexts:
    """The notices in the tenant's language (light markup, like reply texts)."""

    language: str
    texts: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return self.texts[key]


def load_texts(tenant: TenantConfig) -> MatrixTexts:
    """The notices for the tenant's default language, with its overrides;
    missing keys fall back to German, so a tenant language without a
    translation still gets a complete set."""
    language = tenant.default_language
    return MatrixTexts(language=language, texts=channel_texts("matrix", tenant, language))

"""The Matrix adapter's own notices, from ``data/texts/channels/matrix.yml``.

Everything the conversation says comes from the dialogue engine; these are
only the channel's notices (a message that could not be decrypted, the move
from a group room to a direct chat, how to share a location). A tenant file
overrides one with ``[texts.<lang>] "matrix.<key>" = "…"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.settings import DATA_DIR
from core.tenants import TenantConfig

TEXTS_FILE = DATA_DIR / "texts" / "channels" / "matrix.yml"
FALLBACK_LANGUAGE = "de"


@dataclass(frozen=True, slots=True)
class MatrixTexts:
    """The notices in the tenant's language (light markup, like reply texts)."""

    language: str
    texts: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return self.texts[key]


def load_texts(tenant: TenantConfig, path: Path = TEXTS_FILE) -> MatrixTexts:
    """Read the notices for the tenant's default language, with its overrides.

    Missing keys fall back to German, so a tenant language without a
    translation still gets a complete set."""
    with path.open(encoding="utf-8") as fh:
        raw: dict[str, dict[str, str]] = yaml.safe_load(fh)
    language = tenant.default_language
    merged = dict(raw[FALLBACK_LANGUAGE])
    merged.update(raw.get(language, {}))
    for key, value in tenant.texts.get(language, {}).items():
        if key.startswith("matrix."):
            merged[key.removeprefix("matrix.")] = value
    return MatrixTexts(language=language, texts=merged)

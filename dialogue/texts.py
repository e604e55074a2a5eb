"""Texts people read: ``data/texts/<lang>.yml``, du/Sie variants, tenant
overrides, and Babel formatting of dates and numbers.

A text is a string, or a mapping ``{du: ..., Sie: ...}`` where the address
differs. Placeholders are ``{name}`` (``str.format``). A tenant overrides
any key per language in its file (``[texts.de]``). Values put into a text
are escaped by the caller (``dialogue.markup.escape``), never here, because
some values are markup themselves (a link).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_datetime, format_time
from babel.numbers import format_decimal

from core.db import Database
from core.placeholders import placeholders as placeholders  # the rules live in core
from core.placeholders import plain_placeholders
from core.services.moderation import edited_texts
from core.tenants import TenantConfig

TEXTS_DIR = Path(__file__).resolve().parents[1] / "data" / "texts"
LANGUAGES: tuple[str, ...] = ("de", "en")
FALLBACK = "de"


@functools.cache
def catalogue(lang: str) -> dict[str, Any]:
    """All texts of one language, flattened to dotted keys; read once per process."""
    with (TEXTS_DIR / f"{lang}.yml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    flat: dict[str, Any] = {}
    _flatten(raw, "", flat)
    return flat


@functools.cache
def _channel_file(channel: str) -> dict[str, dict[str, Any]]:
    with (TEXTS_DIR / "channels" / f"{channel}.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def channel_languages(channel: str) -> tuple[str, ...]:
    """The languages a channel's own texts are written in."""
    return tuple(_channel_file(channel))


def channel_texts(channel: str, tenant: TenantConfig, lang: str) -> dict[str, Any]:
    """A channel adapter's own few texts (``data/texts/channels/<channel>.yml``)
    in ``lang``: German where a key is missing, and the tenant's overrides
    ``[texts.<lang>] "<channel>.<key>"`` on top. The rule of every adapter
    (Telegram, Matrix, the console), read once per process."""
    raw = _channel_file(channel)
    merged = dict(raw[FALLBACK])
    merged.update(raw.get(lang, {}))
    prefix = f"{channel}."
    for key, value in tenant.texts.get(lang, {}).items():
        if key.startswith(prefix):
            merged[key.removeprefix(prefix)] = value
    return merged


def _flatten(node: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in node.items():
        full = f"{prefix}{key}"
        # A mapping of exactly the address forms is one text, not a section.
        if isinstance(value, Mapping) and not set(value) <= {"du", "Sie"}:
            _flatten(value, full + ".", out)
        else:
            out[full] = value


class _Missing(dict):  # type: ignore[type-arg]
    """A placeholder nobody filled shows as itself rather than raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Texts:
    """The texts of one tenant in one language."""

    def __init__(
        self,
        tenant: TenantConfig,
        lang: str,
        edited: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.tenant = tenant
        self.lang = lang if lang in LANGUAGES else FALLBACK
        self.form = tenant.address_form if tenant.address_form in ("du", "Sie") else "du"
        self.tz = ZoneInfo(tenant.timezone)
        self._own = catalogue(self.lang)
        self._fallback = catalogue(FALLBACK)
        # The editors' wording (web) wins over the tenant file's, which wins
        # over the defaults.
        self._overrides = {
            key: value
            for key, value in {
                **tenant.texts.get(self.lang, {}),
                **(edited or {}).get(self.lang, {}),
            }.items()
            if not isinstance(value, str) or plain_placeholders(value)
        }

    def raw(self, key: str) -> str:
        value: Any = self._overrides.get(key)
        if value is None:
            value = self._own.get(key, self._fallback.get(key))
        if value is None:
            return key  # a missing text shows its key: visible in tests, harmless in chat
        if isinstance(value, Mapping):
            value = value.get(self.form) or value.get("du") or next(iter(value.values()))
        return str(value)

    def __call__(self, key: str, **values: Any) -> str:
        text = self.raw(key)
        if not values:
            return text
        return _tidy(text, values).format_map(_Missing(values))

    def has(self, key: str) -> bool:
        return key in self._overrides or key in self._own

    # -- formatting ----------------------------------------------------------

    # Babel formatting costs tens of microseconds a call, and the same
    # few values (a need's times, distances to a tenth of a km) come back in
    # every list: the formatted strings are kept (``_formatted``).

    def when(self, at: datetime | None) -> str:
        """ "Sa., 5. Dez., 10:00" in the tenant's zone."""
        if at is None:
            return ""
        return _formatted_datetime(at, self.raw("format.when"), self.tz, self.lang)

    def when_range(self, start: datetime | None, end: datetime | None) -> str:
        if start is None:
            return ""
        text = self.when(start)
        if end is not None:
            end_local = end.astimezone(self.tz)
            if end_local.date() == start.astimezone(self.tz).date():
                text += "–" + _formatted_time(end, "HH:mm", self.tz, self.lang)
            else:
                text += " – " + self.when(end)
        return text

    def date(self, at: datetime) -> str:
        return _formatted_datetime(at, self.raw("format.date"), self.tz, self.lang)

    def km(self, value: float) -> str:
        return _formatted_km(value, self.lang)

    def radius(self, value: float) -> str:
        """A chosen radius: "10 km", "2,5 km" / "2.5 km" (no ",0" or ".0")."""
        return format_decimal(value, "#,##0.#", locale=self.lang) + " km"

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.lang)


@functools.lru_cache(maxsize=4096)
def _formatted_datetime(at: datetime, pattern: str, tz: ZoneInfo, lang: str) -> str:
    return format_datetime(at.astimezone(tz), pattern, locale=lang)


@functools.lru_cache(maxsize=4096)
def _formatted_time(at: datetime, pattern: str, tz: ZoneInfo, lang: str) -> str:
    return format_time(at.astimezone(tz), pattern, locale=lang)


@functools.lru_cache(maxsize=4096)
def _formatted_km(value: float, lang: str) -> str:
    return format_decimal(value, "#,##0.0", locale=lang) + " km"


class EditedTexts:
    """The texts a municipality's editors changed on the web
    (``core.services.moderation.edited_texts``), read at most every ``ttl`` seconds per
    tenant: an edit shows in the chat within that time, and a turn costs no
    query for it."""

    def __init__(self, db: Database, ttl: float = 30.0) -> None:
        self.db = db
        self.ttl = ttl
        self._cache: dict[int, tuple[float, dict[str, dict[str, str]]]] = {}

    async def of(self, tenant_id: int) -> dict[str, dict[str, str]]:
        cached = self._cache.get(tenant_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        edited = await edited_texts(self.db, tenant_id)
        self._cache[tenant_id] = (now, edited)
        return edited


# Quotation marks inside quotation marks become single ones: „Aufräumaktion
# ‚Sauberes Haaren‘“, “Clean-up ‘Green Park’”.
_INNER_QUOTES = (("„", "“", "‚", "‘"), ("“", "”", "‘", "’"))


def _tidy(text: str, values: dict[str, Any]) -> str:
    """A value that ends with a full stop ("… e.V.") before a full stop in the
    text takes the text's; a quoted value's own quotation marks turn single
    (the values themselves, in ``values``, are changed for that)."""
    for name, value in list(values.items()):
        if not isinstance(value, str):
            continue
        slot = "{" + name + "}"
        if value.endswith(".") and slot + "." in text:
            text = text.replace(slot + ".", slot)
        for opening, closing, inner_open, inner_close in _INNER_QUOTES:
            if opening + slot + closing in text and (opening in value or closing in value):
                value = value.replace(opening, inner_open).replace(closing, inner_close)
                if opening == "“":  # English: the plain closing ” too
                    value = value.replace("”", inner_close)
                values[name] = value
    return text

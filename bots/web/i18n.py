"""The web's texts: ``data/texts/web/<lang>.yml`` (German first, English
complete), chosen by the person's choice (cookie), else the browser's
Accept-Language, else the tenant's first language.

As in ``dialogue.texts``, a text is a string or a mapping ``{du: ..., Sie: ...}``
where the address differs; the tenant's ``address_form`` picks one."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent

from dialogue.texts import _flatten

TEXTS_DIR = Path(__file__).resolve().parents[2] / "data" / "texts" / "web"
LANGUAGES: tuple[str, ...] = ("de", "en")
LANG_COOKIE = "lang"


ADDRESS_FORMS: tuple[str, ...] = ("du", "Sie")


@functools.cache
def catalogue(lang: str) -> dict[str, Any]:
    """Dotted key -> a string or a ``{du, Sie}`` mapping (``dialogue.texts``'
    flattening, so both read the same shapes)."""
    with (TEXTS_DIR / f"{lang}.yml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    flat: dict[str, Any] = {}
    _flatten(raw, "", flat)
    return flat


def address_form(form: str | None) -> str:
    """The tenant's form, "du" when it names none we know (as ``dialogue.texts``)."""
    return form if form is not None and form in ADDRESS_FORMS else "du"


def in_form(value: Any, form: str) -> str:
    """A text in one address form: a ``{du, Sie}`` mapping gives ``form``,
    else "du", else whatever it has; a plain text is itself."""
    if isinstance(value, Mapping):
        value = value.get(form) or value.get("du") or next(iter(value.values()))
    return str(value)


class _Keep(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class WebTexts:
    """Texts and formatting in one language, address form and time zone."""

    def __init__(self, lang: str, tz: ZoneInfo, form: str = "du") -> None:
        self.lang = lang if lang in LANGUAGES else LANGUAGES[0]
        self.tz = tz
        self.form = address_form(form)
        self._texts = catalogue(self.lang)
        self._fallback = catalogue(LANGUAGES[0])

    def __call__(self, key: str, **values: Any) -> str:
        value = self._texts.get(key) or self._fallback.get(key)
        if value is None:
            return key
        text = in_form(value, self.form)
        return text.format_map(_Keep(values)) if values else text

    def has(self, key: str) -> bool:
        return key in self._texts

    def plural(self, key: str, n: int, **values: Any) -> str:
        """``key_one`` for exactly one (where the language has it), else ``key``;
        ``{n}`` is the number."""
        one = f"{key}_one"
        if n == 1 and (one in self._texts or one in self._fallback):
            key = one
        return self(key, n=n, **values)

    def when(self, at: datetime | None) -> str:
        if at is None:
            return ""
        return format_datetime(at.astimezone(self.tz), self("format.when"), locale=self.lang)

    def when_range(self, start: datetime | None, end: datetime | None) -> str:
        if start is None:
            return ""
        text = self.when(start)
        if end is not None:
            if end.astimezone(self.tz).date() == start.astimezone(self.tz).date():
                return text + "–" + format_time(end.astimezone(self.tz), "HH:mm", locale=self.lang)
            return text + " – " + self.when(end)
        return text

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, self("format.date"), locale=self.lang)

    def number(self, value: float, pattern: str = "#,##0.#") -> str:
        return format_decimal(value, pattern, locale=self.lang)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.lang)


def choose_language(
    *, query: str | None, cookie: str | None, accept: str | None, offered: Sequence[str]
) -> str:
    offered = [lang for lang in offered if lang in LANGUAGES] or list(LANGUAGES)
    for chosen in (query, cookie):
        if chosen in offered:
            return chosen  # type: ignore[return-value]
    for lang in _accepted(accept or ""):
        if lang in offered:
            return lang
    return offered[0]


def _accepted(header: str) -> list[str]:
    """Languages of an Accept-Language header, best first."""
    found: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        lang, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        found.append((-quality, index, lang.strip().lower().split("-")[0]))
    return [lang for _, _, lang in sorted(found)]

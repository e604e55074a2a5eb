"""``ehrenamt tenant check``: every mistake in the tenant files, each with its
file and key, before the service starts on them.

Checked: TOML syntax, unknown keys (a typo is otherwise silently ignored),
required keys, colours, languages, time zone, address form, coordinates,
districts outside the region, the environment variables that ``*_env`` keys
name (secrets are never in the file), URLs, numbers, duplicate slugs.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, fields
from math import asin, cos, radians, sin, sqrt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import ConfigError
from core.tenants import CHAT_SECTIONS, parse_tenant

SUPPORTED_LANGUAGES = ("de", "en")
ANY = "*"  # a table whose keys are free (districts, per-language texts)
SCHEMA: dict[str, Any] = {
    "slug": str,
    "name": str,
    "timezone": str,
    "languages": list,
    "address_form": str,
    "region": {"center": list, "radius_km": (int, float), "show_neighbours": bool},
    "branding": {
        "bot_name": str,
        "primary_color": str,
        "secondary_color": str,
        "logo": str,
        "description": (str, dict),
        "short_description": (str, dict),
    },
    "privacy": {
        "policy_url": str,
        "imprint_url": str,
        "consent_version": (str, int),
        "retention_months": int,
        "summary": (str, dict),
    },
    "moderation": {"required": bool, "corrections_without_review": bool},
    "nlu": {"engine": str, "url": (str, dict), "timeout": (int, float)},
    "geocoding": {"provider": str, "nominatim_url": str},
    # [telegram], [matrix]: the keys of each channel's config (core.tenants)
    **{name: {f.name: str for f in fields(config)} for name, config in CHAT_SECTIONS.items()},
    "notifications": {"quiet_start": str, "quiet_end": str, "weekly_budget": int},
    "districts": {ANY: list},
    "texts": {ANY: {ANY: str}},
}
REQUIRED = ("slug", "name", "region.center", "privacy.policy_url", "privacy.imprint_url")
COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.key}: {self.message}"
            if self.key
            else f"{self.file}: {self.message}"
        )


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * asin(sqrt(h))


def _type_name(expected: Any) -> str:
    names = {
        str: "text",
        int: "number",
        float: "number",
        bool: "true/false",
        list: "list",
        dict: "table",
    }
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def _walk(
    raw: Mapping[str, Any], schema: Mapping[str, Any], prefix: str
) -> Iterable[tuple[str, str]]:
    for key, value in raw.items():
        path = f"{prefix}{key}"
        expected = schema.get(key, schema.get(ANY))
        if expected is None:
            known = ", ".join(k for k in schema if k != ANY)
            yield path, f"unknown key (known here: {known})"
            continue
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                yield path, "expected a table"
                continue
            yield from _walk(value, expected, f"{path}.")
            continue
        kinds = expected if isinstance(expected, tuple) else (expected,)
        if isinstance(value, bool) and bool not in kinds:
            yield path, f"expected {_type_name(expected)}"
        elif not isinstance(value, kinds):
            yield path, f"expected {_type_name(expected)}"


def _get(raw: Mapping[str, Any], dotted: str) -> Any:
    value: Any = raw
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def check_raw(raw: Mapping[str, Any], file: str, environ: Mapping[str, str]) -> list[Problem]:
    """The problems of one tenant file's contents."""
    found = [Problem(file, key, msg) for key, msg in _walk(raw, SCHEMA, "")]
    bad_type = {p.key for p in found}

    def problem(key: str, message: str) -> None:
        if key not in bad_type:
            found.append(Problem(file, key, message))

    for key in REQUIRED:
        if _get(raw, key) in (None, ""):
            problem(key, "missing (required)")
    slug = raw.get("slug")
    if isinstance(slug, str):
        if not SLUG.match(slug):
            problem("slug", "use lower-case letters, digits and '-' (it becomes part of URLs)")
        elif file.endswith(".toml") and Path(file).stem != slug:
            problem("slug", f"does not match the file name (expected {Path(file).stem!r})")
    tz = raw.get("timezone", "Europe/Berlin")
    if isinstance(tz, str):
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            problem("timezone", f"unknown time zone {tz!r} (e.g. 'Europe/Berlin')")
    languages = raw.get("languages", ["de", "en"])
    if isinstance(languages, list):
        if not languages:
            problem("languages", "name at least one language")
        for lang in languages:
            if lang not in SUPPORTED_LANGUAGES:
                problem(
                    "languages",
                    f"{lang!r} is not supported (supported: {', '.join(SUPPORTED_LANGUAGES)})",
                )
        if len(set(languages)) != len(languages):
            problem("languages", "a language is named twice")
    langs = tuple(x for x in languages if isinstance(x, str)) if isinstance(languages, list) else ()
    if raw.get("address_form", "du") not in ("du", "Sie"):
        problem("address_form", "must be 'du' or 'Sie'")
    for key in ("branding.primary_color", "branding.secondary_color"):
        colour = _get(raw, key)
        if isinstance(colour, str) and not COLOUR.match(colour):
            problem(key, f"{colour!r} is not a colour (write #rrggbb, e.g. #00609c)")
    for key in ("branding.description", "branding.short_description", "privacy.summary"):
        value = _get(raw, key)
        if isinstance(value, dict):
            for lang, text in value.items():
                if lang not in langs:
                    problem(f"{key}.{lang}", f"language {lang!r} is not in languages")
                if not isinstance(text, str):
                    problem(f"{key}.{lang}", "expected text")
    texts = raw.get("texts")
    if isinstance(texts, dict):
        for lang in texts:
            if lang not in langs:
                problem(f"texts.{lang}", f"language {lang!r} is not in languages")
    for key in ("privacy.policy_url", "privacy.imprint_url", "telegram.api_base_url",
                "telegram.webhook_url", "matrix.homeserver", "geocoding.nominatim_url"):  # fmt: skip
        url = _get(raw, key)
        if isinstance(url, str) and url and not url.startswith(("https://", "http://")):
            problem(key, "expected an address starting with https://")
    center = _get(raw, "region.center")
    point = _point(center)
    if center is not None and point is None:
        problem("region.center", "expected [latitude, longitude], e.g. [50.7753, 6.0839]")
    radius = _get(raw, "region.radius_km")
    radius_km = (
        float(radius) if isinstance(radius, int | float) and not isinstance(radius, bool) else 15.0
    )
    if radius is not None and not (0 < radius_km <= 200):
        problem("region.radius_km", "expected a radius between 1 and 200 km")
    districts = raw.get("districts")
    if isinstance(districts, dict):
        for name, value in districts.items():
            spot = _point(value)
            if spot is None:
                problem(f"districts.{name}", "expected [latitude, longitude]")
            elif point is not None and km_between(point, spot) > radius_km:
                problem(
                    f"districts.{name}",
                    f"lies {km_between(point, spot):.1f} km from the region's centre, "
                    f"outside its radius of {radius_km:g} km (swapped latitude and longitude?)",
                )
    for key in ("quiet_start", "quiet_end"):
        value = _get(raw, f"notifications.{key}")
        if isinstance(value, str) and not HHMM.match(value):
            problem(f"notifications.{key}", "expected a time like 21:00")
    provider = _get(raw, "geocoding.provider")
    if isinstance(provider, str) and provider not in ("offline", "nominatim"):
        problem("geocoding.provider", "must be 'offline' or 'nominatim'")
    found += _secrets(raw, file, environ, bad_type)
    if not found:
        try:
            parse_tenant(dict(raw), file)
        except ConfigError as exc:
            found.append(Problem(file, "", str(exc).removeprefix(f"{file}: ")))
    return found


# What a missing required key of a chat section is, where "required" says too little.
_REQUIRED = {"token_env": "missing (the variable with the bot token)"}


def _secrets(
    raw: Mapping[str, Any], file: str, environ: Mapping[str, str], bad_type: set[str]
) -> list[Problem]:
    found = []
    for section, config in CHAT_SECTIONS.items():
        table = raw.get(section)
        if not isinstance(table, dict):
            continue
        for key, name in table.items():
            path = f"{section}.{key}"
            if (
                not key.endswith("_env")
                or path in bad_type
                or not isinstance(name, str)
                or not name
            ):
                continue
            if not ENV_NAME.match(name):
                found.append(Problem(file, path, f"{name!r} is not an environment variable name"))
            elif not environ.get(name):
                found.append(Problem(file, path, f"the environment variable {name} is not set"))
        for key in (f.name for f in fields(config) if f.default is MISSING):
            if not table.get(key):
                found.append(
                    Problem(file, f"{section}.{key}", _REQUIRED.get(key, "missing (required)"))
                )
        if section == "matrix" and not (table.get("password_env") or table.get("access_token_env")):
            found.append(
                Problem(file, "matrix.password_env", "name password_env or access_token_env")
            )
    return found


def _point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return None
    lat, lon = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def check_folder(folder: Path, environ: Mapping[str, str]) -> tuple[int, list[Problem]]:
    """(number of tenant files, problems) for every ``*.toml`` in the folder."""
    files = sorted(folder.glob("*.toml"))
    problems: list[Problem] = []
    slugs: dict[str, str] = {}
    for path in files:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(path.name, "", f"not valid TOML: {exc}"))
            continue
        except UnicodeDecodeError:
            problems.append(Problem(path.name, "", "not UTF-8 text"))
            continue
        problems += check_raw(raw, path.name, environ)
        slug = raw.get("slug")
        if isinstance(slug, str):
            if slug in slugs:
                problems.append(
                    Problem(path.name, "slug", f"{slug!r} is used by {slugs[slug]} too")
                )
            slugs.setdefault(slug, path.name)
    return len(files), problems


__all__ = ["Problem", "check_folder", "check_raw", "km_between"]

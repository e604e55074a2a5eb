"""Tenant files: one TOML file per municipality (DESIGN.md, "Tenant file").

Secrets are never in the file; it names the environment variables that hold
them. Loading is pure: it reads the files and returns frozen values.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ConfigError

DEFAULT_TENANTS_DIR = Path(__file__).resolve().parents[1] / "data" / "tenants"


LocalText = dict[str, str]  # language -> text


def local_text(value: Any, languages: tuple[str, ...], where: str) -> LocalText:
    """A tenant text: one string (in the tenant's first language, the old
    form) or a table with one string per language (``{de = "…", en = "…"}``)."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        return {languages[0] if languages else "de": value}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return {str(k): v for k, v in value.items() if v}
    raise ConfigError(f"{where}: expected a text or a table of texts per language")


def pick(texts: LocalText, lang: str, languages: tuple[str, ...]) -> str:
    """The text in ``lang``, else in the tenant's first language, else any."""
    for candidate in (lang, *languages):
        if texts.get(candidate):
            return texts[candidate]
    return next(iter(texts.values()), "")


@dataclass(frozen=True, slots=True)
class Branding:
    bot_name: str
    primary_color: str = "#00609c"
    secondary_color: str = "#f2f6f9"
    logo: str | None = None
    descriptions: LocalText = field(default_factory=dict)
    short_descriptions: LocalText = field(default_factory=dict)
    languages: tuple[str, ...] = ("de",)

    @property
    def description(self) -> str:
        """In the tenant's first language."""
        return pick(self.descriptions, self.languages[0], self.languages)

    @property
    def short_description(self) -> str:
        return pick(self.short_descriptions, self.languages[0], self.languages)

    def description_in(self, lang: str) -> str:
        return pick(self.descriptions, lang, self.languages)

    def short_description_in(self, lang: str) -> str:
        return pick(self.short_descriptions, lang, self.languages)


@dataclass(frozen=True, slots=True)
class Privacy:
    policy_url: str
    imprint_url: str
    consent_version: str
    retention_months: int = 12
    summaries: LocalText = field(default_factory=dict)  # a short privacy notice
    languages: tuple[str, ...] = ("de",)

    def summary_in(self, lang: str) -> str:
        return pick(self.summaries, lang, self.languages)


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token_env: str
    api_base_url: str = ""
    webhook_url: str = ""
    webhook_secret_env: str = ""


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    homeserver: str
    user_id: str
    password_env: str = ""
    access_token_env: str = ""


# The tenant-file section of each chat channel (``[telegram]``, ``[matrix]``):
# its keys are the fields of its config, required where a field has no
# default; ``ehrenamt tenant check`` reads the sections from here.
CHAT_SECTIONS: dict[str, type[TelegramConfig] | type[MatrixConfig]] = {
    "telegram": TelegramConfig,
    "matrix": MatrixConfig,
}


@dataclass(frozen=True, slots=True)
class Notifications:
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    weekly_budget: int = 5


NLU_ENGINES = ("builtin", "rasa")


@dataclass(frozen=True, slots=True)
class NluConfig:
    """Which NLU reads this tenant's messages (docs/rasa.md). With ``rasa``, a
    turn whose Rasa server is slow (``timeout`` seconds) or down is read by the
    built-in NLU instead; a language without a URL always uses the built-in."""

    engine: str = "builtin"
    urls: dict[str, str] = field(default_factory=dict)  # language -> Rasa server
    timeout: float = 2.0

    def url_for(self, lang: str) -> str:
        return self.urls.get(lang, "") if self.engine == "rasa" else ""


def _nlu(raw: Any, languages: tuple[str, ...], source: str) -> NluConfig:
    if not raw:
        return NluConfig()
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [nlu] must be a table")
    engine = str(raw.get("engine", "builtin"))
    if engine not in NLU_ENGINES:
        raise ConfigError(f"{source}: [nlu].engine must be one of {', '.join(NLU_ENGINES)}")
    url = raw.get("url", {})
    urls = {lang: str(url) for lang in languages} if isinstance(url, str) else dict(url)
    if engine == "rasa" and not any(urls.values()):
        raise ConfigError(f'{source}: [nlu] engine = "rasa" needs url (one, or per language)')
    try:
        timeout = float(raw.get("timeout", 2.0))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: [nlu].timeout must be a number of seconds") from exc
    if not 0 < timeout <= 60:
        raise ConfigError(f"{source}: [nlu].timeout must be between 0 and 60 seconds")
    return NluConfig(engine, {k: str(v).rstrip("/") for k, v in urls.items() if v}, timeout)


@dataclass(frozen=True, slots=True)
class TenantConfig:
    slug: str
    name: str
    timezone: str
    languages: tuple[str, ...]
    address_form: str
    region_center: tuple[float, float]
    region_radius_km: float
    show_neighbours: bool
    branding: Branding
    privacy: Privacy
    moderation_required: bool
    corrections_without_review: bool = False
    geocoder: str = "offline"  # or "nominatim"
    nominatim_url: str = ""
    districts: dict[str, tuple[float, float]] = field(default_factory=dict)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # lang -> key -> text
    notifications: Notifications = field(default_factory=Notifications)
    telegram: TelegramConfig | None = None
    matrix: MatrixConfig | None = None
    nlu: NluConfig = field(default_factory=NluConfig)

    @property
    def default_language(self) -> str:
        return self.languages[0]


def _pair(value: Any, where: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: expected [lat, lon]") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ConfigError(f"{where}: coordinates out of range")
    return lat, lon


def parse_tenant(raw: dict[str, Any], source: str = "<memory>") -> TenantConfig:
    try:
        region = raw.get("region", {})
        branding = raw.get("branding", {})
        privacy = raw.get("privacy", {})
        geo = raw.get("geocoding", {})
        tg = raw.get("telegram")
        mx = raw.get("matrix")
        languages = tuple(raw.get("languages", ["de", "en"]))
        if not languages:
            raise ConfigError(f"{source}: languages must name at least one language")
        address_form = raw.get("address_form", "du")
        if address_form not in ("du", "Sie"):
            raise ConfigError(f"{source}: address_form must be 'du' or 'Sie'")
        return TenantConfig(
            slug=raw["slug"],
            name=raw["name"],
            timezone=raw.get("timezone", "Europe/Berlin"),
            languages=languages,
            address_form=address_form,
            region_center=_pair(region["center"], f"{source} [region].center"),
            region_radius_km=float(region.get("radius_km", 15)),
            show_neighbours=bool(region.get("show_neighbours", True)),
            branding=Branding(
                bot_name=branding.get("bot_name", raw["name"]),
                primary_color=branding.get("primary_color", "#00609c"),
                secondary_color=branding.get("secondary_color", "#f2f6f9"),
                logo=branding.get("logo"),
                descriptions=local_text(
                    branding.get("description"), languages, f"{source} [branding].description"
                ),
                short_descriptions=local_text(
                    branding.get("short_description"),
                    languages,
                    f"{source} [branding].short_description",
                ),
                languages=languages,
            ),
            privacy=Privacy(
                policy_url=privacy.get("policy_url", ""),
                imprint_url=privacy.get("imprint_url", ""),
                consent_version=str(privacy.get("consent_version", "1")),
                retention_months=int(privacy.get("retention_months", 12)),
                summaries=local_text(
                    privacy.get("summary"), languages, f"{source} [privacy].summary"
                ),
                languages=languages,
            ),
            moderation_required=bool(raw.get("moderation", {}).get("required", True)),
            corrections_without_review=bool(
                raw.get("moderation", {}).get("corrections_without_review", False)
            ),
            geocoder=geo.get("provider", "offline"),
            nominatim_url=geo.get("nominatim_url", ""),
            districts={
                name: _pair(v, f"{source} [districts].{name}")
                for name, v in raw.get("districts", {}).items()
            },
            texts={lang: dict(t) for lang, t in raw.get("texts", {}).items()},
            notifications=Notifications(**raw.get("notifications", {})),
            telegram=TelegramConfig(**tg) if tg else None,
            matrix=MatrixConfig(**mx) if mx else None,
            nlu=_nlu(raw.get("nlu"), languages, source),
        )
    except KeyError as exc:
        raise ConfigError(f"{source}: missing key {exc}") from exc
    except TypeError as exc:
        raise ConfigError(f"{source}: {exc}") from exc


def load_tenants(directory: Path | str | None = None) -> dict[str, TenantConfig]:
    """Read every ``*.toml`` in the directory; the slug is the key."""
    folder = Path(directory) if directory else DEFAULT_TENANTS_DIR
    tenants: dict[str, TenantConfig] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as fh:
            try:
                raw = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{path.name}: {exc}") from exc
        tenant = parse_tenant(raw, path.name)
        if tenant.slug in tenants:
            raise ConfigError(f"{path.name}: duplicate tenant slug {tenant.slug!r}")
        tenants[tenant.slug] = tenant
    return tenants

"""Every text exists in German and English with the same placeholders."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from core.errors import DomainError
from core.tenants import TenantConfig
from dialogue.texts import Texts, catalogue, placeholders


def _variants(value: object) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [str(value)]


def test_german_and_english_have_the_same_keys_and_placeholders() -> None:
    de, en = catalogue("de"), catalogue("en")
    assert set(de) == set(en)
    for key in de:
        for a, b in zip(_variants(de[key]), _variants(en[key]), strict=False):
            assert placeholders(a) == placeholders(b), key


def test_every_domain_error_has_a_text() -> None:
    import core.errors as errors

    keys = {
        cls.key
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, DomainError)
    }
    for lang in ("de", "en"):
        missing = keys - set(catalogue(lang))
        assert not missing, (lang, missing)


def test_dates_and_distances_are_formatted_for_the_locale(tenants: dict[str, TenantConfig]) -> None:
    at = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # 10:00 in Aachen
    assert Texts(tenants["aachen"], "de").when(at) == "Sa., 5. Dez., 10:00"
    assert Texts(tenants["aachen"], "en").when(at) == "Sat, 5 Dec, 10:00"
    assert Texts(tenants["aachen"], "de").km(2.1) == "2,1 km"
    assert Texts(tenants["aachen"], "en").km(2.1) == "2.1 km"


def test_tenant_overrides_and_address_form(tenants: dict[str, TenantConfig]) -> None:
    aachen = replace(tenants["aachen"], texts={"de": {"menu.help": "Hilfe!"}})
    assert Texts(aachen, "de")("menu.help") == "Hilfe!"
    assert "deinen" in Texts(tenants["aachen"], "de")("location.ask")
    assert "Ihren" in Texts(tenants["stolberg"], "de")("location.ask")


def test_a_channels_own_texts_are_read_by_one_rule(tenants: dict[str, TenantConfig]) -> None:
    """Telegram, Matrix and the console read their few texts the same way:
    the language asked for, German for a missing key, the tenant's
    ``<channel>.<key>`` overrides on top."""
    from dialogue.texts import channel_languages, channel_texts

    for channel in ("telegram", "matrix", "console"):
        assert channel_languages(channel)[:2] == ("de", "en"), channel
        german = channel_texts(channel, tenants["aachen"], "de")
        assert set(channel_texts(channel, tenants["aachen"], "en")) == set(german), channel
        assert channel_texts(channel, tenants["aachen"], "fr") == german  # no French: German
    own = replace(tenants["aachen"], texts={"en": {"telegram.group_button": "DM me"}})
    assert channel_texts("telegram", own, "en")["group_button"] == "DM me"
    assert channel_texts("telegram", own, "de")["group_button"] == "Privat schreiben"

"""A "Sie" municipality's people are never addressed with "du".

Every German text of the conversation (``data/texts/de.yml``) and of the
messages the service sends on its own (``data/texts/notifications/de.yml``)
that speaks to the reader with a du-form word has a Sie variant, and no Sie
variant slips back into "du". Both forms carry the same placeholders and the
same markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from core.tenants import TenantConfig
from dialogue.notifications import NotifyTexts, notify_catalogue
from dialogue.texts import catalogue, placeholders

DU_WORDS = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines)\b", re.IGNORECASE)
TAG = re.compile(r"</?[a-z]+\b[^>]*>")

CATALOGUES = {
    "data/texts/de.yml": lambda: catalogue("de"),
    "data/texts/notifications/de.yml": lambda: notify_catalogue("de"),
}


def _texts(name: str) -> dict[str, Any]:
    return CATALOGUES[name]()


@pytest.mark.parametrize("name", CATALOGUES)
def test_every_du_text_has_a_sie_variant(name: str) -> None:
    missing = [
        key
        for key, value in _texts(name).items()
        if not isinstance(value, Mapping) and DU_WORDS.search(str(value))
    ]
    missing += [
        key
        for key, value in _texts(name).items()
        if isinstance(value, Mapping) and not value.get("Sie")
    ]
    assert not missing, f"{name}: texts in the du form without a Sie variant: {missing}"


@pytest.mark.parametrize("name", CATALOGUES)
def test_no_sie_variant_says_du(name: str) -> None:
    slips = {
        key: DU_WORDS.findall(str(value["Sie"]))
        for key, value in _texts(name).items()
        if isinstance(value, Mapping) and DU_WORDS.search(str(value.get("Sie", "")))
    }
    assert not slips, f"{name}: Sie variants with du-form words: {slips}"


@pytest.mark.parametrize("name", CATALOGUES)
def test_both_forms_have_the_same_placeholders_and_markup(name: str) -> None:
    for key, value in _texts(name).items():
        if not isinstance(value, Mapping):
            continue
        assert set(value) == {"du", "Sie"}, key
        du, sie = str(value["du"]), str(value["Sie"])
        assert placeholders(du) == placeholders(sie), key
        assert sorted(TAG.findall(du)) == sorted(TAG.findall(sie)), key


def test_a_sie_tenant_reads_no_du(tenants: dict[str, TenantConfig]) -> None:
    """What the Sie tenant actually gets, tenant overrides included."""
    stolberg = tenants["stolberg"]
    assert stolberg.address_form == "Sie"
    t = NotifyTexts(stolberg, "de")
    keys = set(catalogue("de")) | set(notify_catalogue("de"))
    slips = {key: t(key) for key in sorted(keys) if DU_WORDS.search(t(key))}
    assert not slips, slips

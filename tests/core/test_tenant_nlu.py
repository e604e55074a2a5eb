"""A tenant chooses its NLU in its file (``[nlu]``)."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import ConfigError
from core.tenants import parse_tenant

BASE: dict[str, Any] = {
    "slug": "x",
    "name": "X",
    "languages": ["de", "en"],
    "region": {"center": [50.77, 6.08]},
}


def test_without_nlu_section_the_built_in_nlu_reads_everything() -> None:
    tenant = parse_tenant(dict(BASE))
    assert tenant.nlu.engine == "builtin" and tenant.nlu.url_for("de") == ""


def test_rasa_with_a_url_per_language_and_a_timeout() -> None:
    raw = {**BASE, "nlu": {"engine": "rasa", "url": {"de": "http://r:5005/"}, "timeout": 1.5}}
    tenant = parse_tenant(raw)
    assert tenant.nlu.url_for("de") == "http://r:5005"
    assert tenant.nlu.url_for("en") == ""  # no English model: built-in for English
    assert tenant.nlu.timeout == 1.5


def test_one_url_serves_every_language() -> None:
    tenant = parse_tenant({**BASE, "nlu": {"engine": "rasa", "url": "http://r:5005"}})
    assert tenant.nlu.url_for("en") == "http://r:5005"


def test_builtin_ignores_a_url() -> None:
    tenant = parse_tenant({**BASE, "nlu": {"engine": "builtin", "url": "http://r:5005"}})
    assert tenant.nlu.url_for("de") == ""


@pytest.mark.parametrize(
    "nlu",
    [
        {"engine": "spacy"},
        {"engine": "rasa"},
        {"engine": "rasa", "url": "http://r", "timeout": "slow"},
        {"engine": "rasa", "url": "http://r", "timeout": 0},
        "rasa",
    ],
)
def test_a_wrong_nlu_section_is_a_config_error(nlu: object) -> None:
    with pytest.raises(ConfigError):
        parse_tenant({**BASE, "nlu": nlu})

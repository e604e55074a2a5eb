"""``ehrenamt tenant check`` knows a chat channel's section from its config
(``core.tenants.CHAT_SECTIONS``): its keys and which are required, without a
second list to keep in step when a channel is added."""

from __future__ import annotations

from dataclasses import fields

from core.tenant_check import SCHEMA, check_raw
from core.tenants import CHAT_SECTIONS

BASE = {
    "slug": "roetgen",
    "name": "Gemeinde Roetgen",
    "region": {"center": [50.65, 6.19]},
    "privacy": {"policy_url": "https://x.example/p", "imprint_url": "https://x.example/i"},
}


def _problems(**sections: object) -> dict[str, str]:
    found = check_raw({**BASE, **sections}, "roetgen.toml", {"ROETGEN_TG": "1:a"})
    return {p.key: p.message for p in found}


def test_each_chat_section_takes_the_keys_of_its_config() -> None:
    for name, config in CHAT_SECTIONS.items():
        assert set(SCHEMA[name]) == {f.name for f in fields(config)}
    assert "matrix.token_env" in _problems(
        matrix={"homeserver": "https://m.example", "user_id": "@b:m", "token_env": "X"}
    )


def test_a_chat_section_without_its_required_keys_is_named() -> None:
    assert _problems(telegram={"token_env": "ROETGEN_TG"}) == {}
    assert _problems(telegram={"api_base_url": "https://t.example"}) == {
        "telegram.token_env": "missing (the variable with the bot token)"
    }
    found = _problems(matrix={"homeserver": "https://m.example"})
    assert found["matrix.user_id"] == "missing (required)"
    assert found["matrix.password_env"] == "name password_env or access_token_env"

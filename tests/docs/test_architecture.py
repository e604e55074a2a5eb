"""docs/architecture.md stays true: every file and folder it names exists,
every Python module it names imports, and the names the "Adding a flow" and
"Adding a channel" guides tell the next engineer to use are really there."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
# `dialogue/flows/hours.py`, `bots/console/`, `data/texts/de.yml` (no placeholders).
PATH = re.compile(r"`((?:core|dialogue|bots|data|tests|docs|deploy)/[\w./-]*)`")


def _named_paths() -> list[str]:
    return sorted({p for p in PATH.findall(GUIDE) if "<" not in p and "*" not in p})


def test_the_guide_names_paths() -> None:
    assert len(_named_paths()) > 20


def test_every_path_the_guide_names_exists() -> None:
    missing = [p for p in _named_paths() if not (ROOT / p).exists()]
    assert missing == []


def test_every_module_the_guide_names_imports() -> None:
    for path in _named_paths():
        if path.endswith(".py") and path.split("/")[0] in ("core", "dialogue", "bots"):
            module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            importlib.import_module(module)


def test_the_names_the_guides_use_exist() -> None:
    from dialogue import choices, registry
    from dialogue.flows import load_flows

    load_flows()
    from bots import bootstrap
    from dialogue.commands import COMMAND_TABLE
    from dialogue.flows import hours
    from dialogue.ports import Channel, Notifier
    from dialogue.registry import ROUTES

    for name in ("on_command", "on_payload", "on_intent", "on_link", "register_form"):
        assert callable(getattr(registry, name)), name
    assert callable(choices.listed) and callable(choices.press) and callable(choices.offering)
    assert callable(bootstrap.chat_channels) and callable(bootstrap.notifiers_of)
    assert {"kind", "tenant", "start", "stop"} <= set(dir(Channel)) and "notify" in dir(Notifier)
    assert "name" in Channel.__annotations__
    from core.tenants import CHAT_SECTIONS, MatrixConfig, TenantConfig
    from dialogue.commands import command_menu
    from dialogue.texts import channel_texts
    from tests.fakes import RecordingNotifier, ScriptedEngine

    assert CHAT_SECTIONS["matrix"] is MatrixConfig and "matrix" in TenantConfig.__annotations__
    assert callable(command_menu) and callable(channel_texts)
    assert RecordingNotifier and ScriptedEngine
    # The worked example is real: the command row and both routes.
    row = next(c for c in COMMAND_TABLE if c.action == "certificate")
    assert (row.name, row.english) == ("nachweis", "certificate")
    assert ROUTES.actions["certificate"].handler is hours._certificate_command
    assert ROUTES.route_payload("hrs:12:20261204:2") is not None

"""dialogue/ imports nothing from bots/ (type-checking imports included): a
flow gets the narrow services of dialogue/ports.py, not the App."""

from __future__ import annotations

import ast
from pathlib import Path

from bots.bootstrap import App
from dialogue.ports import DialogueServices

DIALOGUE = Path(__file__).resolve().parents[2] / "dialogue"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_dialogue_imports_nothing_from_bots() -> None:
    offending = {
        str(path.relative_to(DIALOGUE.parent)): sorted(
            n for n in _imports(path) if n == "bots" or n.startswith("bots.")
        )
        for path in DIALOGUE.rglob("*.py")
    }
    assert {k: v for k, v in offending.items() if v} == {}


def test_flows_import_each_other_only_at_the_top() -> None:
    """Routing between flows goes through the registry or a module-level
    import, never an import hidden inside a function."""
    hidden = []
    for path in (DIALOGUE / "flows").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
                for inner in ast.walk(node):
                    if (
                        isinstance(inner, ast.ImportFrom)
                        and inner.module
                        and inner.module.startswith("dialogue.flows")
                    ):
                        hidden.append(f"{path.name}:{inner.lineno}")
    assert hidden == []


def test_the_app_offers_the_services_a_flow_may_use(app: App) -> None:
    assert isinstance(app, DialogueServices)
    assert app.engine.app is app


def test_flows_use_only_the_services_the_protocol_declares() -> None:
    """``turn.app`` is no service locator: every ``turn.app.<name>`` (and the
    engine's ``self.app.<name>``) is a member of ``DialogueServices``."""
    declared = {n for n in vars(DialogueServices) if not n.startswith("_")}
    used = []
    for path in DIALOGUE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "app"
                and isinstance(node.value.value, ast.Name)
                and node.value.value.id in ("turn", "self")
                and node.attr not in declared
            ):
                used.append(f"{path.relative_to(DIALOGUE.parent)}:{node.lineno} app.{node.attr}")
    assert used == []

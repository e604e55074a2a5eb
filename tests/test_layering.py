"""The arrows point one way (docs/architecture.md, DESIGN.md "Rooms"):
``bots -> dialogue -> core`` and ``bots -> core``.

An import-linter in a test: every module's syntax tree is walked, so imports
inside functions and under ``if TYPE_CHECKING:`` count as much as the ones at
the top. The web and the flows reach the database through services that
return plain values: neither ``dialogue/`` nor ``bots/`` imports
``core.models``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (package whose modules are checked, forbidden import prefix, why)
RULES = (
    ("core", "dialogue", "core is the domain: it knows no conversation"),
    ("core", "bots", "core is the domain: it knows no channel"),
    ("dialogue", "bots", "the dialogue is channel-neutral"),
    ("dialogue", "core.models", "flows go through core services, never ORM rows"),
    ("bots", "core.models", "channels and the web go through core services"),
)


def imports_of(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, nested ones included."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            # ``from core import models`` names the module in the alias
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _hits(module: str, forbidden: str) -> bool:
    return module == forbidden or module.startswith(forbidden + ".")


def violations(package: str, forbidden: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        seen = set()
        for line, module in imports_of(path):
            if _hits(module, forbidden) and line not in seen:
                seen.add(line)
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


@pytest.mark.parametrize(
    ("package", "forbidden", "why"), RULES, ids=[f"{p}-{f}" for p, f, _ in RULES]
)
def test_imports_point_one_way(package: str, forbidden: str, why: str) -> None:
    assert violations(package, forbidden) == [], why


def test_the_checker_sees_nested_type_checking_and_relative_imports(tmp_path: Path) -> None:
    """The rule would pass vacuously if the walker missed an import form."""
    sample = tmp_path / "dialogue" / "flows" / "sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from bots.bootstrap import App\n"
        "def f():\n"
        "    import core.models.need\n"
        "from core import models\n"
        "from ...bots import web\n",
        encoding="utf-8",
    )
    found = list(imports_of(sample, tmp_path))
    assert sorted({line for line, m in found if _hits(m, "bots")}) == [3, 7]
    assert sorted({line for line, m in found if _hits(m, "core.models")}) == [5, 6]


def test_services_return_no_orm_rows() -> None:
    """What crosses into ``dialogue/`` and ``bots/`` are plain values: no
    public function of ``core/services/`` says it returns a mapped class
    (``need_for_edit`` once handed a ``Need`` row to the web)."""
    import core.models as models

    mapped = {
        name
        for name, value in vars(models).items()
        if isinstance(value, type) and hasattr(value, "__tablename__")
    }
    leaks = []
    for path in sorted((ROOT / "core" / "services").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and not node.name.startswith("_")
                and node.returns is not None
            ):
                named = {n.id for n in ast.walk(node.returns) if isinstance(n, ast.Name)}
                named |= {
                    n.value
                    for n in ast.walk(node.returns)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                }
                if named & mapped:
                    leaks.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert mapped and leaks == []

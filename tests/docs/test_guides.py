"""The German guides stay true: every ``ehrenamt …`` command (and option),
every ``EHRENAMT_*`` variable and every tenant-file key they name exists, and
every variable the code reads is documented in docs/betrieb.md. Links between
the documents resolve."""

from __future__ import annotations

import argparse
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from bots.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
GUIDES = [ROOT / "docs" / name for name in ("betrieb.md", "redaktion.md", "datenschutz.md")]
# The English reference names the same commands, variables and keys.
NAMING = [*GUIDES, ROOT / "deploy" / "README.md"]
CODE_DIRS = ("core", "bots", "dialogue")
BENCH = ROOT / "tests" / "perf"  # variables the benchmark reads (deploy/README, `make bench`)
ENV = re.compile(r"EHRENAMT_[A-Z0-9_]+")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _code_blocks(text: str) -> Iterator[tuple[str, str]]:
    """(language, body) of each fenced block."""
    for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        yield m.group(1), m.group(2)


def _inline_code(text: str) -> Iterator[str]:
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    for m in re.finditer(r"`([^`\n]+)`", prose.replace("\n", " ")):
        yield m.group(1)


# -- commands -------------------------------------------------------------------


def _command_lines(text: str) -> Iterator[str]:
    """Everything after ``ehrenamt`` where a command starts: a line of a shell
    block or an inline code span (after an optional path or ``&&``)."""
    candidates = [c for lang, body in _code_blocks(text) if lang in ("sh", "") for c in
                  body.replace("\\\n", " ").splitlines()]  # fmt: skip
    candidates += list(_inline_code(text))
    start = re.compile(r"(?:^|&&\s*|;\s*)(?:[\w./-]*/)?ehrenamt(?=\s|$)(.*?)(?=&&|;|$)")
    for line in candidates:
        for m in start.finditer(line.strip()):
            yield m.group(1)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for action in parser._actions for o in action.option_strings}


def check_command(rest: str, root: argparse.ArgumentParser) -> str | None:
    """What is wrong with ``ehrenamt <rest>``, or None."""
    parser, path = root, ["ehrenamt"]
    for raw in rest.split():
        token = raw.strip("[]")
        subs = _subparsers(parser)
        if token.startswith("--"):
            name = token.split("=", 1)[0]
            if name not in _options(parser):
                return f"{' '.join(path)} has no option {name}"
        elif subs and re.fullmatch(r"[a-z][a-z-]*", token):
            if token not in subs:
                return f"{' '.join(path)} has no sub-command {token!r}"
            parser = subs[token]
            path.append(token)
        elif subs:
            return f"{' '.join(path)} needs a sub-command, the guide gives {token!r}"
    return None


def test_the_command_check_finds_what_does_not_exist() -> None:
    root = build_parser()
    assert check_command(" db upgrade --db sqlite:///x.db", root) is None
    assert check_command(" db downgrade", root) is not None
    assert check_command(" db upgrade --database x", root) is not None
    assert check_command(" nosuchcommand", root) is not None


@pytest.mark.parametrize("guide", NAMING, ids=lambda p: p.parent.name + "/" + p.name)
def test_every_command_the_guide_names_exists(guide: Path) -> None:
    root = build_parser()
    found = list(_command_lines(_text(guide)))
    problems = sorted({p for rest in found if (p := check_command(rest, root))})
    assert not problems, f"{guide.name}: " + "; ".join(problems)


def test_the_operations_guide_names_the_commands_an_operator_needs() -> None:
    named = {" ".join(rest.split()[:2]) for rest in _command_lines(_text(GUIDES[0]))}
    for command in ("run", "db upgrade", "reminders list"):
        assert any(n.startswith(command) for n in named), command


# -- environment variables ------------------------------------------------------


def undocumented(named: set[str], known: set[str]) -> list[str]:
    """Names not in ``known``; a known name ending in ``_`` is a prefix
    (``EHRENAMT_TELEGRAM_USERNAME_`` + the tenant's slug)."""
    return sorted(
        n for n in named if n not in known and not any(
            k.endswith("_") and n.startswith(k) for k in known)
    )  # fmt: skip


def code_variables() -> set[str]:
    found: set[str] = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            found.update(ENV.findall(_text(path)))
    return found


@pytest.mark.parametrize("guide", NAMING, ids=lambda p: p.parent.name + "/" + p.name)
def test_every_variable_the_guide_names_is_read_by_the_code(guide: Path) -> None:
    bench = {v for path in BENCH.rglob("*.py") for v in ENV.findall(_text(path))}
    unknown = undocumented(set(ENV.findall(_text(guide))), code_variables() | bench)
    assert not unknown, f"{guide.name} names variables the code never reads: {unknown}"


def test_every_variable_the_code_reads_is_in_the_operations_guide() -> None:
    missing = undocumented(code_variables(), set(ENV.findall(_text(GUIDES[0]))))
    assert not missing, f"docs/betrieb.md does not document: {missing}"


def test_the_example_env_file_names_only_variables_that_exist() -> None:
    example = ROOT / "deploy" / "ehrenamt.env.example"
    unknown = undocumented(set(ENV.findall(_text(example))), code_variables())
    assert not unknown, f"deploy/ehrenamt.env.example names unknown variables: {unknown}"


# -- tenant-file keys -----------------------------------------------------------

ANY = "*"


def tenant_schema() -> Mapping[str, Any]:
    """The keys ``ehrenamt tenant check`` knows, table by table."""
    from core.tenant_check import ANY as CHECK_ANY
    from core.tenant_check import SCHEMA

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            return {(ANY if k == CHECK_ANY else k): convert(v) for k, v in node.items()}
        return None

    return convert(SCHEMA)


def unknown_keys(raw: Mapping[str, Any], schema: Mapping[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, value in raw.items():
        if key in schema:
            expected = schema[key]
        elif ANY in schema:
            expected = schema[ANY]
        else:
            out.append(f"{prefix}{key}")
            continue
        if isinstance(value, dict) and isinstance(expected, dict):
            out += unknown_keys(value, expected, f"{prefix}{key}.")
    return out


def _named_keys(text: str) -> Iterator[dict[str, Any]]:
    """Tenant keys a guide names: TOML blocks, and inline code such as
    ``[matrix] homeserver``, ``[nlu]`` or ``privacy.retention_months``."""
    for lang, body in _code_blocks(text):
        if lang == "toml":
            yield tomllib.loads(body)
    for code in _inline_code(text):
        if m := re.fullmatch(r"\[([a-z_]+)(?:\.([a-z_]+))?\](?: ([a-z_]+)(?: = .*)?)?", code):
            table, sub, key = m.groups()
            inner: dict[str, Any] = {key: ""} if key else {}
            yield {table: {sub: inner} if sub else inner}
        elif not code.endswith(".md") and (m := re.fullmatch(r"(branding|privacy|region|moderation|notifications|telegram|"
                               r"matrix|geocoding|nlu)\.([a-z_]+)", code)):  # fmt: skip
            yield {m.group(1): {m.group(2): ""}}


def test_the_key_check_finds_a_typo() -> None:
    schema = tenant_schema()
    assert unknown_keys({"privacy": {"retention_months": 12}}, schema) == []
    assert unknown_keys({"privacy": {"retention_month": 12}}, schema) == ["privacy.retention_month"]
    assert unknown_keys({"districts": {"Kohlscheid": [50.8, 6.1]}}, schema) == []


@pytest.mark.parametrize("guide", NAMING, ids=lambda p: p.parent.name + "/" + p.name)
def test_every_tenant_key_the_guide_names_is_known_to_tenant_check(guide: Path) -> None:
    schema = tenant_schema()
    unknown = sorted({k for raw in _named_keys(_text(guide)) for k in unknown_keys(raw, schema)})
    assert not unknown, f"{guide.name} names tenant keys `ehrenamt tenant check` rejects: {unknown}"


def test_the_operations_guide_example_tenant_file_passes_tenant_check() -> None:
    """The full example in docs/betrieb.md is a tenant file the service
    accepts and ``ehrenamt tenant check`` finds nothing in (secrets set)."""
    from core.tenant_check import check_raw
    from core.tenants import parse_tenant

    blocks = [tomllib.loads(b) for lang, b in _code_blocks(_text(GUIDES[0])) if lang == "toml"]
    full = next(b for b in blocks if "slug" in b)
    secrets = {
        full[table][key]: "123456789:secret"
        for table in ("telegram", "matrix")
        for key in ("token_env", "password_env")
        if key in full.get(table, {})
    }
    problems = check_raw(full, f"{full['slug']}.toml", secrets)
    assert not problems, [str(p) for p in problems]
    assert check_raw(full, f"{full['slug']}.toml", {}), "the secrets' variables are checked"
    tenant = parse_tenant(full, "docs/betrieb.md")
    assert tenant.privacy.retention_months == full["privacy"]["retention_months"]


# -- links ----------------------------------------------------------------------


def _documents() -> list[Path]:
    return [
        ROOT / "README.md",
        ROOT / "deploy" / "README.md",
        *sorted((ROOT / "docs").glob("*.md")),
    ]


def test_links_between_the_documents_resolve() -> None:
    broken = []
    for doc in _documents():
        for m in re.finditer(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", _text(doc)):
            target = m.group(1)
            if re.match(r"[a-z]+:", target):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken, broken


# -- the editorial guide's menu ---------------------------------------------------


def test_the_menu_the_editorial_guide_names_is_the_web_menu() -> None:
    """Every menu item docs/redaktion.md lists is a label of the web menu."""
    import yaml

    nav = yaml.safe_load(_text(ROOT / "data" / "texts" / "web" / "de.yml"))["nav"]
    labels = {v for v in nav.values() if isinstance(v, str)}
    text = _text(GUIDES[1])
    menu = text[text.index("Oben erscheinen die Menüpunkte") :].split("\n\n", 1)[0]
    named = {" ".join(n.split()) for n in re.findall(r"\*\*([^*]+)\*\*", menu)}
    assert len(named) >= 8, named
    assert named <= labels, f"not in the web menu: {sorted(named - labels)}"

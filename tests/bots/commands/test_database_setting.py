"""``--db`` takes a plain file path for SQLite; a setting that is no URL gets
one line on stderr and exit code 2, never a traceback (chat and run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.db import InvalidDatabaseURL, is_sqlite, normalise_url
from core.settings import PROJECT_ROOT


def ehrenamt(*args: str, stdin: str = "", env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
    )


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path) -> None:
    assert normalise_url(str(tmp_path / "x.db")) == f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    assert is_sqlite("var/ehrenamt.db")
    assert normalise_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"


@pytest.mark.parametrize("url", ["postgresql://u:secret@host:port/db", "sqlite+aiosqlite:/x:"])
def test_an_unreadable_url_is_named_without_its_password(url: str) -> None:
    with pytest.raises(InvalidDatabaseURL) as caught:
        normalise_url(url)
    assert "secret" not in str(caught.value) and "\n" not in str(caught.value)


def test_chat_with_a_plain_path(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    done = ehrenamt(
        "chat", "--jsonl", "--db", str(db), "--user", "ops", stdin='{"command": "start"}\n'
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    first = json.loads(done.stdout.splitlines()[0])
    assert "Hallo" in first["text"]
    assert db.exists()


@pytest.mark.parametrize("command", [["chat", "--jsonl"], ["run", "--once"]])
def test_a_bad_url_is_one_line_for_the_operator(command: list[str], tmp_path: Path) -> None:
    done = ehrenamt(
        *command,
        "--db",
        "postgresql://ops:hunter2@db.example:notaport/ehrenamt",
        env={"EHRENAMT_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ehrenamt: cannot read the database URL")
    assert "hunter2" not in done.stderr and "Traceback" not in done.stderr

"""``ehrenamt run`` seeds the demo only for the demo tenant files: a fresh
checkout shows the demo volunteers' matches, a municipality's own tenants
folder starts empty."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT

EHRENAMT = str(Path(sys.executable).with_name("ehrenamt"))


def run_once(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [EHRENAMT, "run", "--once", "--db", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EHRENAMT_DATA_DIR": str(tmp_path), **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_fresh_checkout_shows_the_demo_volunteers_matches(tmp_path: Path) -> None:
    out = run_once(tmp_path)
    assert "Demo angelegt: 27 Organisationen" in out
    for name in ("Luisa", "Heinrich", "Amira"):
        assert f"Passende Bedarfe für {name}" in out
    assert "km" in out and "Traceback" not in out
    again = run_once(tmp_path)  # a second start seeds nothing more
    assert "Demo angelegt" not in again and "Passende Bedarfe für Luisa" in again


def test_a_municipalitys_own_tenants_get_no_demo(tmp_path: Path) -> None:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    shutil.copy(PROJECT_ROOT / "data" / "tenants" / "aachen.toml", tenants)
    out = run_once(tmp_path, env={"EHRENAMT_TENANTS_DIR": str(tenants)})
    assert "Demo angelegt" not in out and "Passende Bedarfe" not in out
    asked = run_once(tmp_path, "--demo", env={"EHRENAMT_TENANTS_DIR": str(tenants)})
    assert "Demo angelegt" in asked  # on request

"""``ehrenamt geo lookup`` as a person runs it: a subprocess printing JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str, tenants_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if tenants_dir is not None:
        env["EHRENAMT_TENANTS_DIR"] = str(tenants_dir)
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", "geo", "lookup", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_lookup_with_tenant_prints_the_district() -> None:
    result = run("Brand", "--tenant", "aachen")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("name", "kind", "source")} == {
        "name": "Brand",
        "kind": "district",
        "source": "tenant:aachen",
    }
    assert abs(data["lat"] - 50.7489) < 1e-6 and abs(data["lon"] - 6.1650) < 1e-6


def test_lookup_of_a_postcode() -> None:
    data = json.loads(run("52062").stdout)
    assert (data["kind"], data["name"], data["postcode"]) == ("postcode", "Aachen", "52062")


def test_unknown_name_prints_found_false_with_suggestions() -> None:
    result = run("Aahcen", "--tenant", "aachen")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["found"] is False
    assert "Aachen" in data["suggestions"]


def test_tenants_come_from_the_environment(tmp_path: Path) -> None:
    source = (ROOT / "data" / "tenants" / "aachen.toml").read_text(encoding="utf-8")
    (tmp_path / "musterstadt.toml").write_text(
        source.replace('slug = "aachen"', 'slug = "musterstadt"').replace(
            "[districts]", '[districts]\n"Musterviertel" = [50.70, 6.10]'
        ),
        encoding="utf-8",
    )
    data = json.loads(run("Musterviertel", "--tenant", "musterstadt", tenants_dir=tmp_path).stdout)
    assert data["source"] == "tenant:musterstadt"
    result = run("Brand", "--tenant", "aachen", tenants_dir=tmp_path)
    assert result.returncode == 2
    assert "unknown tenant" in result.stderr

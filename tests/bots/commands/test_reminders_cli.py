"""``ehrenamt reminders list`` shows what will be sent, soonest first, without
names or contact details."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.migrate import upgrade_sync

EHRENAMT = str(Path(sys.executable).with_name("ehrenamt"))


def test_lists_pending_reminders_of_the_demo(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    upgrade_sync(url)
    seeded = subprocess.run(
        [EHRENAMT, "demo", "seed", "--db", url], capture_output=True, text=True, timeout=120
    )
    assert seeded.returncode == 0, seeded.stderr
    listed = subprocess.run(
        [EHRENAMT, "reminders", "list", "--db", url, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    kinds = {row["kind"] for row in rows}
    assert "org_expiry" in kinds and "alert_wave" in kinds  # urgent demo needs alert
    assert [r["due_at"] for r in rows] == sorted(r["due_at"] for r in rows)
    assert all(r["recipient"].split(":")[0] in ("person", "organisation", "-") for r in rows)
    assert "@" not in listed.stdout  # no e-mail addresses

    due = subprocess.run(
        [EHRENAMT, "reminders", "list", "--db", url, "--due"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert due.returncode == 0 and due.stdout.strip().endswith("pending and due")

"""``ehrenamt run`` start-up and idle memory (DESIGN.md budgets): ready in
<= 5 s on the embedded default (SQLite, demo tenants, web server), and 20
tenants with a Telegram bot each (against the local Bot API fake) idle in
one process in <= 300 MB RSS.

    .venv/bin/python -m tests.perf.runner_bench
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.settings import PROJECT_ROOT
from tests.bots.telegram.fake_bot_api import FakeBotAPI

EHRENAMT = str(Path(sys.executable).with_name("ehrenamt"))
READY = ("Bereit.", "Ready.")
TENANTS = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _spawn(env: dict[str, str], args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [EHRENAMT, "run", *args],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def start_and_wait(
    env: dict[str, str], args: list[str], log: Path
) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``ehrenamt run``; seconds until it says it is ready."""
    started = time.perf_counter()
    proc = _spawn(env, args, log)

    def text() -> str:
        return log.read_text(errors="replace")

    async with asyncio.timeout(60):
        while not _ready(await asyncio.to_thread(text)):
            if proc.poll() is not None:
                raise RuntimeError(f"ehrenamt run ended: {(await asyncio.to_thread(text))[-2000:]}")
            await asyncio.sleep(0.02)
    return proc, time.perf_counter() - started


def _ready(log_text: str) -> bool:
    return any(r in log_text for r in READY)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def tenant_file(i: int, api_url: str) -> str:
    base = (PROJECT_ROOT / "data" / "tenants" / "aachen.toml").read_text(encoding="utf-8")
    return (
        base.replace('slug = "aachen"', f'slug = "town{i:02d}"')
        + f'\n[telegram]\ntoken_env = "TOWN{i:02d}_TOKEN"\napi_base_url = "{api_url}"\n'
    )


async def run_runner_bench(quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "EHRENAMT_DATA_DIR": str(folder / "var"),
            "EHRENAMT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'run.db'}",
            "EHRENAMT_WEB_PORT": str(free_port()),
        }
        # First start migrates and seeds the demo; the budget is for a start
        # on an existing database, measured on the second run.
        proc, first = await start_and_wait(env, [], folder / "first.log")
        stop(proc)
        proc, ready = await start_and_wait(env, [], folder / "second.log")
        stop(proc)
        out["run_first_start_s"] = round(first, 2)
        out["run_ready_s"] = round(ready, 2)

        fake = FakeBotAPI()
        await fake.start()
        try:
            tenants = folder / "tenants"
            tenants.mkdir()
            env20 = {
                **env,
                "EHRENAMT_TENANTS_DIR": str(tenants),
                "EHRENAMT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'twenty.db'}",
                "EHRENAMT_WEB_PORT": str(free_port()),
            }
            for i in range(TENANTS):
                token = f"{700000 + i}:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsa{i:02d}"
                fake.add_bot(token, f"Town{i:02d}Bot")
                (tenants / f"town{i:02d}.toml").write_text(
                    tenant_file(i, fake.url), encoding="utf-8"
                )
                env20[f"TOWN{i:02d}_TOKEN"] = token
            proc, ready20 = await start_and_wait(env20, [], folder / "twenty.log")
            try:
                await asyncio.sleep(3 if quick else 10)  # idle: long polls, scheduler ticks
                out["run_20_tenants_ready_s"] = round(ready20, 2)
                out["run_20_tenants_rss_mb"] = round(rss_mb(proc.pid), 1)
            finally:
                stop(proc)
        finally:
            await fake.close()
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run_runner_bench("--quick" in sys.argv)), indent=2))

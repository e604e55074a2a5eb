"""``ehrenamt run`` as a separate process, as an operator runs it: a tenants
folder with the demo municipalities, Aachen's Telegram bot in webhook mode
pointing at the Bot API fake, and a database URL of the test's choosing.

The process can be stopped, killed with SIGKILL and started again on the
same database and data folder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from core.settings import DATA_DIR, PROJECT_ROOT
from tests.reliability.postgres import free_port

TOKEN = "424242:AAH-reliability-test-token-012345"
SECRET = "reliability-webhook-secret"

_TELEGRAM = """
[telegram]
token_env = "AACHEN_TELEGRAM_TOKEN"
api_base_url = "{api}"
webhook_url = "https://bot.aachen.example/telegram/aachen"
webhook_secret_env = "AACHEN_TELEGRAM_SECRET"
"""


def tenants_folder(target: Path, api_url: str) -> Path:
    """The demo tenant files, Aachen with a Telegram bot on the fake."""
    target.mkdir(parents=True, exist_ok=True)
    for source in (DATA_DIR / "tenants").glob("*.toml"):
        shutil.copy(source, target / source.name)
    aachen = target / "aachen.toml"
    text = aachen.read_text(encoding="utf-8")
    aachen.write_text(text + _TELEGRAM.format(api=api_url), encoding="utf-8")
    return target


@dataclass
class Service:
    folder: Path
    database_url: str
    api_url: str
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    # The source tree the service runs: this one (the shared virtualenv's
    # editable install points at the main checkout, and the process starts
    # in ``folder``, so without this a worktree would test main's code).
    tree: Path = PROJECT_ROOT
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / "service.log"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "EHRENAMT_DATABASE_URL": self.database_url,
            "EHRENAMT_TENANTS_DIR": str(tenants_folder(self.folder / "tenants", self.api_url)),
            "EHRENAMT_DATA_DIR": str(self.folder / "data"),
            "EHRENAMT_WEB_PORT": str(self.port),
            "EHRENAMT_HOST": "127.0.0.1",
            "AACHEN_TELEGRAM_TOKEN": TOKEN,
            "AACHEN_TELEGRAM_SECRET": SECRET,
            # The web people come through a load balancer on this host, which
            # names each one in X-Forwarded-For (per-address limits apply to them).
            "EHRENAMT_TRUSTED_PROXIES": "127.0.0.1/32",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(self.tree), os.environ.get("PYTHONPATH", "")) if p
            ),
            **self.extra_env,
        }
        env.pop("CI", None)  # the service is not a test
        return env

    def start(self, timeout: float = 60.0) -> None:
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"\n--- start {self.starts} ---\n".encode())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bots.cli", "run", "--demo"],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited at start:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/t/aachen/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"service not ready in {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as with a crash or the OOM killer."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

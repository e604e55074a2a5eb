"""The slow Rasa suite: a real Rasa 3.6 from ``.venv-rasa`` (``make rasa``).

One model per test session: the German project is exported with few epochs,
trained once (NLU and the rules), and served once with ``rasa run
--enable-api``; the tests share it. Without ``.venv-rasa`` the suite is
skipped with its reason, except with CI=true, where it must run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bots.rasa.project import ExportOptions, endpoints, export_project
from bots.rasa.train import rasa_command, rasa_env, train
from core.tenants import load_tenants
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
EPOCHS = int(os.environ.get("EHRENAMT_TEST_RASA_EPOCHS", "10"))
# Loading a model takes ~20 s on an idle 2-core machine, but minutes when the
# machine is shared with other test runs.
START_TIMEOUT_S = float(os.environ.get("EHRENAMT_TEST_RASA_START_S", "900"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/rasa/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.rasa)


@pytest.fixture(scope="session")
def rasa_bin() -> Path:
    command = rasa_command()
    if not command.exists():
        if IN_CI:
            pytest.fail(f"{command} is missing: CI runs `make rasa` before the tests")
        pytest.skip(f"{command} is missing (run `make rasa`; required with CI=true)")
    return command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Project:
    path: Path
    model: Path
    actions_port: int


@pytest.fixture(scope="session")
def project(rasa_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The German project, exported and trained once per session."""
    folder = tmp_path_factory.mktemp("rasa") / "project-de"
    actions_port = free_port()
    tenant = load_tenants()["aachen"]
    options = ExportOptions(
        lang="de",
        tenant=tenant,
        epochs=EPOCHS,
        actions_url=f"http://127.0.0.1:{actions_port}/webhook",
    )
    export_project(folder, options)
    # Trained models are cached by the export's digest under var/ between sessions.
    model, _ = train(folder, ROOT / "var" / "rasa" / "test-models", "test-de", nlu_only=False)
    return Project(folder, model, actions_port)


class Process:
    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        self._fh = log.open("wb")
        self.proc = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=self._fh, stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._fh.close()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def wait_until_up(url: str, process: Process, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise AssertionError(f"{url} exited early:\n{process.tail()}")
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not come up in {timeout:.0f} s:\n{process.tail()}")


def start_rasa(
    project: Project, tmp: Path, *, name: str, nlu_url: str = "", enable_api: bool = True
) -> tuple[Process, str]:
    port = free_port()
    endpoints_file = tmp / f"endpoints-{name}.yml"
    import yaml

    endpoints_file.write_text(
        yaml.safe_dump(endpoints(f"http://127.0.0.1:{project.actions_port}/webhook", nlu_url))
    )
    args = [
        str(rasa_command()), "run", "-m", str(project.model), "-i", "127.0.0.1", "-p", str(port),
        "--endpoints", str(endpoints_file), "--credentials", str(project.path / "credentials.yml"),
    ]  # fmt: skip
    if enable_api:
        args.append("--enable-api")
    process = Process(args, rasa_env(), project.path, tmp / f"rasa-{name}.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/", process)
        # The REST channel answers only once the model is loaded.
        wait_until_up(url + "/webhooks/rest/", process)
    except BaseException:
        process.stop()
        raise
    return process, url


@pytest.fixture(scope="session")
def rasa_server(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``rasa run --enable-api`` with the session's model, its REST channel and
    the action endpoint of the ``actions`` fixture (started when a test needs it)."""
    process, url = start_rasa(project, tmp_path_factory.mktemp("rasa-run"), name="api")
    yield url
    process.stop()


def ehrenamt(*args: str) -> list[str]:
    return [sys.executable, "-m", "bots.cli", *args]


def our_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


class Proxy:
    """A TCP relay in front of a server: closing it takes the server "down"
    for whoever talks through it, without stopping the shared server."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.port = 0
        self.connections = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None


@pytest.fixture
async def proxy_factory() -> AsyncIterator[list[Proxy]]:
    made: list[Proxy] = []
    yield made
    for p in made:
        await p.stop()


@dataclass(frozen=True)
class Actions:
    url: str
    database_url: str


@pytest.fixture(scope="session")
def actions(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Actions]:
    """``ehrenamt rasa actions`` on a demo database that the tests' own bot
    shares, with the clock frozen at the tests' NOW."""
    from tests.conftest import NOW

    folder = tmp_path_factory.mktemp("actions")
    database_url = f"sqlite+aiosqlite:///{folder / 'shared.db'}"
    asyncio.run(_seed(database_url, folder))
    env = our_env(EHRENAMT_DATABASE_URL=database_url, EHRENAMT_CLOCK=f"{NOW.isoformat()}@0",
                  EHRENAMT_DATA_DIR=str(folder))  # fmt: skip
    process = Process(
        ehrenamt("rasa", "actions", "--tenant", "aachen", "--port", str(project.actions_port)),
        env, ROOT, folder / "actions.log",
    )  # fmt: skip
    url = f"http://127.0.0.1:{project.actions_port}"
    try:
        wait_until_up(url + "/health", process, timeout=120)
        yield Actions(url, database_url)
    finally:
        process.stop()


async def _seed(database_url: str, folder: Path) -> None:
    from bots.bootstrap import bootstrap
    from core.clock import FixedClock
    from core.services.demo import seed_demo
    from core.settings import Settings
    from tests.conftest import NOW

    app = await bootstrap(Settings.from_env(database_url=database_url, data_dir=folder),
                          clock=FixedClock(NOW))  # fmt: skip
    await seed_demo(app.db, tenants=app.tenants, tenant_ids=app.tenant_ids,
                    taxonomy=app.taxonomy, places=app.places, now=NOW)  # fmt: skip
    await app.close()

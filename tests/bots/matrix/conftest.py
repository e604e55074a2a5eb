"""A real Synapse for the Matrix tests, test people as nio clients, a scripted engine.

Synapse (``matrix-synapse`` from the test extras) is started once per test
session on 127.0.0.1 with a generated config: SQLite, client listener only,
no key servers, open registration, relaxed rate limits. Each test registers
its own bot account and people, so tests do not see each other's rooms.
Waits are on conditions (a message arrived, a member joined); timeouts are
only safety nets.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from nio import (
    AsyncClient,
    AsyncClientConfig,
    EnableEncryptionBuilder,
    EncryptionError,
    InviteMemberEvent,
    KeysQueryResponse,
    LocalProtocolError,
    MatrixRoom,
    MegolmEvent,
    RoomMessage,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
)
from nio.crypto.attachments import decrypt_attachment
from nio.events import Event

from bots.matrix import MatrixChannel, MatrixCredentials
from core.tenants import TenantConfig, parse_tenant
from dialogue.markup import escape
from dialogue.messages import Attachment, Button, Incoming, Reply
from tests.fakes import ScriptedEngine

WAIT = 30.0  # safety net for every wait on a condition
PASSWORD = "correct horse battery staple"
SHARED_SECRET = "test-registration-secret"
_names = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "matrix: against a real local Synapse (pytest -m matrix)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.matrix)


# ----------------------------------------------------------------- homeserver

SYNAPSE_CONFIG = """\
server_name: "localhost"
pid_file: {dir}/homeserver.pid
public_baseurl: "{base_url}/"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {dir}/homeserver.db
log_config: {dir}/log.config
media_store_path: {dir}/media
signing_key_path: {dir}/signing.key
trusted_key_servers: []
suppress_key_server_warning: true
report_stats: false
enable_registration: true
enable_registration_without_verification: true
bcrypt_rounds: 4
macaroon_secret_key: "test-macaroon"
form_secret: "test-form"
registration_shared_secret: "{shared_secret}"
url_preview_enabled: false
presence:
  enabled: false
{limits}
"""
RELAXED = "{per_second: 10000, burst_count: 10000}"
RATE_LIMITS = [
    "rc_message",
    "rc_registration",
    "rc_room_creation",
    "rc_key_requests",
    "rc_3pid_validation",
    "rc_joins_per_room",
    "rc_admin_redaction",
    "rc_media_create",
    "rc_delayed_event_mgmt",
    "rc_reports",
]
NESTED_LIMITS = {
    "rc_login": ["address", "account", "failed_attempts"],
    "rc_joins": ["local", "remote"],
    "rc_invites": ["per_room", "per_user", "per_issuer"],
    "rc_presence": ["per_user"],
}
LOG_CONFIG = """\
version: 1
formatters:
  precise:
    format: "%(asctime)s %(name)s %(levelname)s %(message)s"
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: {dir}/homeserver.log
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Synapse:
    directory: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        limits = [f"{name}: {RELAXED}" for name in RATE_LIMITS]
        for name, keys in NESTED_LIMITS.items():
            limits.append(f"{name}:")
            limits.extend(f"  {key}: {RELAXED}" for key in keys)
        config = self.directory / "homeserver.yaml"
        config.write_text(
            SYNAPSE_CONFIG.format(
                dir=self.directory,
                port=self.port,
                base_url=self.base_url,
                limits="\n".join(limits),
                shared_secret=SHARED_SECRET,
            )
        )
        (self.directory / "log.config").write_text(LOG_CONFIG.format(dir=self.directory))
        return config

    def start(self) -> None:
        config = self.write_config()
        command = [sys.executable, "-m", "synapse.app.homeserver", "-c", str(config)]
        subprocess.run([*command, "--generate-keys"], check=True, capture_output=True)
        out = (self.directory / "stdout.log").open("wb")
        self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Synapse exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/_matrix/client/versions", timeout=1).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)  # polling the condition "Synapse answers"
        raise RuntimeError(f"Synapse did not come up:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self) -> str:
        parts = []
        for name in ("stdout.log", "homeserver.log"):
            path = self.directory / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def register(self, prefix: str) -> str:
        """A new account (dummy auth); returns its user id."""
        username = f"{prefix}{next(_names)}x{os.getpid()}"
        resp = httpx.post(
            f"{self.base_url}/_matrix/client/v3/register",
            json={
                "username": username,
                "password": PASSWORD,
                "auth": {"type": "m.login.dummy"},
                "inhibit_login": True,
            },
            timeout=10,
        )
        resp.raise_for_status()
        return str(resp.json()["user_id"])

    def admin_token(self) -> str:
        """A server admin, registered with the shared secret (Synapse's admin API)."""
        url = f"{self.base_url}/_synapse/admin/v1/register"
        nonce = httpx.get(url, timeout=10).json()["nonce"]
        username = f"admin{next(_names)}x{os.getpid()}"
        message = "\0".join((nonce, username, PASSWORD, "admin")).encode()
        mac = hmac.new(SHARED_SECRET.encode(), message, hashlib.sha1).hexdigest()
        resp = httpx.post(
            url,
            json={
                "nonce": nonce,
                "username": username,
                "password": PASSWORD,
                "admin": True,
                "mac": mac,
            },
            timeout=10,
        )
        resp.raise_for_status()
        return str(resp.json()["access_token"])

    def limit_messages(self, user_id: str, per_second: float, burst: int) -> None:
        """Give one account strict message rate limits, so it meets M_LIMIT_EXCEEDED."""
        resp = httpx.post(
            f"{self.base_url}/_synapse/admin/v1/users/{user_id}/override_ratelimit",
            json={"messages_per_second": per_second, "burst_count": burst},
            headers={"Authorization": f"Bearer {self.admin_token()}"},
            timeout=10,
        )
        resp.raise_for_status()


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    server = Synapse(tmp_path_factory.mktemp("synapse"), _free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------- people


class Person:
    """A test person: their own nio client, device and key store (so they can encrypt)."""

    def __init__(self, synapse: Synapse, user_id: str, store: Path, *, e2e: bool = True) -> None:
        store.mkdir(parents=True, exist_ok=True)
        self.user_id = user_id
        self.client = AsyncClient(
            synapse.base_url,
            user_id,
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=e2e, store_sync_tokens=True),
        )
        self.left: set[str] = set()  # rooms this account left or was removed from
        self.invites: list[tuple[str, InviteMemberEvent]] = []
        self.events: list[tuple[str, Event]] = []  # (room id, event), decrypted where possible
        self.undecrypted: list[tuple[str, MegolmEvent]] = []
        self.auto_join = True
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        resp = await self.client.login(PASSWORD, device_name="test person")
        assert self.client.access_token, resp
        self.client.add_event_callback(self._on_event, Event)  # type: ignore[arg-type]
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)  # type: ignore[arg-type]
        self.client.add_response_callback(self._on_sync, SyncResponse)  # type: ignore[arg-type]
        self.client.add_response_callback(self._on_keys, KeysQueryResponse)  # type: ignore[arg-type]
        await self.client.sync(timeout=0, full_state=True)
        if self.client.olm and self.client.should_upload_keys:
            await self.client.keys_upload()
        self._task = asyncio.create_task(self.client.sync_forever(timeout=5_000))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.client.close()

    async def _on_event(self, room: MatrixRoom, event: Event) -> None:
        if isinstance(event, MegolmEvent):
            self.undecrypted.append((room.room_id, event))
        else:
            self.events.append((room.room_id, event))
        await self._notify()

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.user_id and event.membership == "invite":
            self.invites.append((room.room_id, event))
            if self.auto_join:
                await self.client.join(room.room_id)

    async def _on_sync(self, resp: SyncResponse) -> None:
        self.left.update(resp.rooms.leave)
        for item in list(self.undecrypted):  # keys may come a sync later than the message
            room_id, event = item
            event.room_id = room_id
            try:
                decrypted = self.client.decrypt_event(event)
            except (EncryptionError, LocalProtocolError):
                continue
            self.undecrypted.remove(item)
            self.events.append((room_id, decrypted))
        await self._notify()

    async def _on_keys(self, _resp: KeysQueryResponse) -> None:
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, ready: Callable[[], Any]) -> Any:
        async with asyncio.timeout(WAIT), self._changed:
            return await self._changed.wait_for(ready)

    # what a person does

    async def open_dm(self, bot_user_id: str, *, encrypted: bool = True) -> str:
        resp = await self.client.room_create(
            is_direct=True,
            invite=[bot_user_id],
            preset=RoomPreset.trusted_private_chat,
            initial_state=[EnableEncryptionBuilder().as_dict()] if encrypted else [],
        )
        room_id: str = resp.room_id  # type: ignore[union-attr]
        # The room can come down the sync before the invite does.
        await self.wait_for(
            lambda: room_id in self.client.rooms and bot_user_id in self.client.rooms[room_id].users
        )
        return room_id

    def _knows_devices(self, room_id: str) -> bool:
        room = self.client.rooms[room_id]
        if not room.encrypted:
            return True
        return not self.client.should_query_keys and all(
            list(self.client.device_store.active_user_devices(user))
            for user in room.users
            if user != self.user_id
        )

    async def send(self, room_id: str, content: dict[str, Any]) -> str:
        # Like Element: encrypt only once every member's devices are known.
        await self.wait_for(lambda: self._knows_devices(room_id))
        resp = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(resp, RoomSendResponse), resp
        return resp.event_id

    async def say(self, room_id: str, text: str, **extra: Any) -> str:
        return await self.send(room_id, {"msgtype": "m.text", "body": text, **extra})

    def joined(self, room_id: str, user_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return room is not None and user_id in room.users and not room.users[user_id].invited

    async def wait_joined(self, room_id: str, *user_ids: str) -> None:
        await self.wait_for(lambda: all(self.joined(room_id, u) for u in user_ids))

    def messages(self, room_id: str, sender: str) -> list[RoomMessage]:
        return [
            e
            for r, e in self.events
            if r == room_id and isinstance(e, RoomMessage) and e.sender == sender
        ]

    async def next_message(self, room_id: str, sender: str, after: int) -> RoomMessage:
        """The message number ``after`` (0-based) from ``sender`` in the room, once it is there."""
        await self.wait_for(lambda: len(self.messages(room_id, sender)) > after)
        return self.messages(room_id, sender)[after]

    async def send_raw(self, room_id: str, event_type: str, content: dict[str, Any]) -> None:
        """Send an event exactly as given (no encryption by nio)."""
        txn = f"raw{next(_names)}"
        resp = await self.client.send(
            "PUT",
            f"/_matrix/client/v3/rooms/{room_id}/send/{event_type}/{txn}",
            json.dumps(content),
            {"Authorization": f"Bearer {self.client.access_token}"},
        )
        assert resp.status == 200, await resp.text()

    async def download(self, content: dict[str, Any]) -> bytes:
        if "file" in content:
            info = content["file"]
            resp = await self.client.download(info["url"])
            return decrypt_attachment(
                resp.body,  # type: ignore[union-attr]
                info["key"]["k"],
                info["hashes"]["sha256"],
                info["iv"],
            )
        resp = await self.client.download(content["url"])
        return bytes(resp.body)  # type: ignore[union-attr]


@pytest.fixture
async def people(
    synapse: Synapse, tmp_path: Path
) -> AsyncIterator[Callable[[str], Awaitable[Person]]]:
    started: list[Person] = []

    async def make(name: str, *, account: str | None = None) -> Person:
        """A new person; with ``account``, another (unencrypted) login to that account."""
        user_id = account or synapse.register(name)
        person = Person(synapse, user_id, tmp_path / f"person-{name}", e2e=account is None)
        await person.start()
        started.append(person)
        return person

    yield make
    for person in started:
        await person.stop()


# ------------------------------------------------------------------------ bot

ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ehrenamt-bot//test//DE\r\n"
    b"BEGIN:VEVENT\r\nUID:need-42@test\r\nDTSTAMP:20261128T080000Z\r\n"
    b"DTSTART:20261128T090000Z\r\nDTEND:20261128T120000Z\r\n"
    b"SUMMARY:Bachpatenschaft Wurm\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def journey(incoming: Incoming) -> list[Reply]:
    """The fixed volunteer journey of the scripted engine the Matrix tests talk
    to: ``ScriptedEngine(journey)`` (``tests.fakes``)."""
    if incoming.location is not None:
        loc = incoming.location
        return [Reply(f"Standort gespeichert: {loc.lat:.4f}, {loc.lon:.4f}")]
    if incoming.command == "start" or (incoming.text or "").lower() in ("hallo", "hi"):
        return [
            Reply(
                "Willkommen beim <b>Engagement-Bot</b>! Was interessiert dich?",
                buttons=(Button("🌳 Umwelt", "cat:umwelt"), Button("Senioren", "cat:senioren")),
            )
        ]
    if incoming.button == "cat:umwelt":
        return [
            Reply(
                "<b>Bachpatenschaft Wurm</b>\n2,1 km · Sa vormittags · Umwelt",
                buttons=(Button("Anmelden", "need:42:signup"), Button("Zurück", "back")),
            )
        ]
    if incoming.button == "need:42:signup":
        return [
            Reply(
                "Du bist angemeldet ✅ Der Termin für deinen Kalender:",
                attachments=(Attachment("bachpatenschaft.ics", "text/calendar", ICS),),
            )
        ]
    if incoming.text == "drei Antworten":
        return [Reply(f"Antwort {n}") for n in (1, 2, 3)]
    if incoming.text is not None:
        return [Reply(f"Du schriebst: <i>{escape(incoming.text)}</i>")]
    return [Reply(f"Auswahl: <code>{escape(incoming.button or incoming.command)}</code>")]


def tenant_for(synapse: Synapse, bot_user_id: str, slug: str = "aachen") -> TenantConfig:
    return parse_tenant(
        {
            "slug": slug,
            "name": "Stadt Aachen (Test)",
            "languages": ["de", "en"],
            "region": {"center": [50.7753, 6.0839]},
            "branding": {"bot_name": "Engagement-Bot Aachen"},
            "matrix": {
                "homeserver": synapse.base_url,
                "user_id": bot_user_id,
                "password_env": "TEST_MATRIX_PASSWORD",
            },
        }
    )


@dataclass
class BotFactory:
    synapse: Synapse
    engine: ScriptedEngine
    store_dir: Path
    user_id: str
    running: list[MatrixChannel] = field(default_factory=list)

    async def start(self, engine: Any = None, **options: Any) -> MatrixChannel:
        channel = MatrixChannel(
            tenant_for(self.synapse, self.user_id),
            engine or self.engine,
            MatrixCredentials(password=PASSWORD),
            self.store_dir,
            **options,
        )
        await channel.start()
        assert channel.failure is None, channel.failure
        self.running.append(channel)
        return channel

    async def stop(self, channel: MatrixChannel) -> None:
        await channel.stop()
        self.running.remove(channel)

    def tenant(self, slug: str = "aachen", user_id: str | None = None) -> TenantConfig:
        return tenant_for(self.synapse, user_id or self.user_id, slug)


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine(journey)


@pytest.fixture
async def bots(
    synapse: Synapse, engine: ScriptedEngine, tmp_path: Path
) -> AsyncIterator[BotFactory]:
    factory = BotFactory(synapse, engine, tmp_path / "matrix" / "aachen", synapse.register("bot"))
    yield factory
    for channel in list(factory.running):
        await channel.stop()

"""Simulated people for the load and fault runs.

Telegram people are delivered as Telegram delivers to a webhook: one POST per
update, the next update of a chat only after the previous one was
acknowledged with 200, and an update that was not acknowledged (an error
status, a refused connection, a timeout) delivered again later, with the
same ``update_id``. Web chat people post the chat form and read the page.

Each person follows a short script and writes again only once the bot has
answered the previous message (as people do). How many messages each turn
should bring is known beforehand from the same script run through the
engine in-process (``expected_counts``), so the run can tell a lost reply
(fewer) from a doubled one (more) without guessing at wording.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from tests.bots.telegram.fake_bot_api import FakeBot, utf16_len
from tests.reliability.service import SECRET

# What people write; each script starts after the greeting (/start in
# Telegram, opening the page on the web). Texts only: no button ids, which
# change with the dialogue, and no sign-up (its calendar file would be a
# second kind of message).
SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("Hallo", "hilfe", "Ich möchte mit Tieren helfen, in Brand", "meine termine"),
    ("Hi! I'd like to help refugees in Aachen on weekends", "help", "thanks"),
    ("was gibt es am samstag in burtscheid", "danke", "tschüss"),
    ("Ich kann mittwochabends was mit Kindern machen", "hilfe", "meine daten"),
    ("moin", "ich will helfen", "abbrechen", "hilfe"),
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TELEGRAM_BASE = 700_000_000
WEB_LINE = re.compile(r'<li class="line (bot|me)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
EVENT = re.compile(r'name="event" value="([^"]+)"')


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def expected_counts(tenants_dir: Path, now: datetime) -> dict[tuple[str, ...], list[int]]:
    """Messages per turn of each script (greeting first), from the engine
    in-process on a throwaway SQLite with the same tenants and demo data."""
    from bots.bootstrap import bootstrap
    from core.clock import FixedClock
    from core.services.demo import seed_demo
    from core.settings import Settings
    from dialogue.messages import Incoming

    folder = Path(tempfile.mkdtemp(prefix="ehrenamt-ref-"))
    settings = Settings.from_env(
        {"EHRENAMT_DATA_DIR": str(folder), "EHRENAMT_TENANTS_DIR": str(tenants_dir)}
    )
    app = await bootstrap(settings, clock=FixedClock(now))
    try:
        await seed_demo(
            app.db,
            tenants=app.tenants,
            tenant_ids=app.tenant_ids,
            taxonomy=app.taxonomy,
            places=app.places,
            now=app.now(),
        )
        counts: dict[tuple[str, ...], list[int]] = {}
        for n, script in enumerate(SCRIPTS):
            identity = f"ref:{n}"
            base: dict[str, Any] = {"identity": identity, "tenant": "aachen", "language_hint": "de"}
            turns = [await app.engine.handle(Incoming(command="start", **base))]
            for text in script:
                turns.append(await app.engine.handle(Incoming(text=text, **base)))
            for replies in turns:
                for reply in replies:
                    # One reply is one message only without files and edits.
                    assert not reply.attachments and not reply.edit, script
            counts[script] = [len(r) for r in turns]
        return counts
    finally:
        await app.close()


@dataclass(frozen=True)
class Turn:
    """One answered message: who (``telegram`` or ``web``), when it was sent
    (``time.monotonic()``), how long until the whole answer was there, and
    how many times it had to be sent (1: taken at the first try)."""

    kind: str
    started: float
    latency_ms: float
    attempts: int


@dataclass
class Tally:
    turns: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    answered: list[Turn] = field(default_factory=list)
    lost: int = 0
    duplicates: int = 0
    redeliveries: int = 0
    errors: list[str] = field(default_factory=list)

    def report(self, seconds: float) -> dict[str, float]:
        return {
            "load_turns_per_s": round(self.turns / seconds, 1) if seconds else 0.0,
            "load_reply_p95_ms": round(percentile(self.latencies_ms, 0.95), 1),
            "load_reply_median_ms": round(statistics.median(self.latencies_ms), 1)
            if self.latencies_ms
            else 0.0,
            "load_lost_updates": self.lost,
            "load_duplicate_replies": self.duplicates,
            "load_redeliveries": self.redeliveries,
        }


def _update(bot: FakeBot, update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(bot.api.message_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Lastprobe"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Lastprobe", "language_code": "de"},
        "text": text,
    }
    if text.startswith("/"):
        head = text.split(" ", 1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(head)}]
    return {"update_id": update_id, "message": message}


@dataclass
class TelegramPerson:
    """One chat, delivered to the service's webhook as Telegram would."""

    bot: FakeBot
    webhook: str
    chat_id: int
    script: tuple[str, ...]
    counts: list[int]
    tally: Tally
    reply_timeout: float = 120.0
    waiting: bool = False  # a message sent and not yet fully answered
    expected: int = 0
    due_now: int = 0  # the bot's messages the turn in flight is answered with

    def _received(self) -> int:
        return sum(1 for s in self.bot.sent if s.chat_id == self.chat_id)

    async def _deliver(self, client: httpx.AsyncClient, update: dict[str, Any]) -> int:
        """POST until acknowledged; Telegram backs off between attempts.
        Returns the number of attempts."""
        delay = 0.5
        attempts = 0
        deadline = time.monotonic() + self.reply_timeout
        while time.monotonic() < deadline:
            if attempts:
                self.tally.redeliveries += 1
            attempts += 1
            try:
                response = await client.post(
                    self.webhook, json=update, headers={SECRET_HEADER: SECRET}, timeout=60.0
                )
                if response.status_code == 200:
                    return attempts
            except httpx.HTTPError:
                pass
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)
        self.tally.errors.append(f"update {update['update_id']} never acknowledged")
        return attempts

    async def run(self, client: httpx.AsyncClient, until: float) -> None:
        expected = 0
        texts = ("/start", *self.script)
        for turn, text in enumerate(texts):
            if turn and time.monotonic() > until:
                break
            update = _update(self.bot, self.bot.api.next_update_id(), self.chat_id, text)
            started = time.monotonic()
            self.due_now = self.counts[turn]
            self.waiting = True
            attempts = await self._deliver(client, update)
            expected += self.counts[turn]
            self.expected = expected
            arrived = await self.bot.api.wait_for(
                lambda e=expected: self._received() >= e, self.reply_timeout, fail=False
            )
            self.waiting = False
            if arrived:
                latency = (time.monotonic() - started) * 1000
                self.tally.latencies_ms.append(latency)
                self.tally.answered.append(Turn("telegram", started, latency, attempts))
            self.tally.turns += 1

    def settle(self) -> None:
        """After the run: what arrived against what was due."""
        got = self._received()
        due = self.expected
        self.tally.lost += max(0, due - got)
        self.tally.duplicates += max(0, got - due)


@dataclass
class WebPerson:
    """One browser on the web chat: opens the page, posts, reads the page."""

    base_url: str
    script: tuple[str, ...]
    counts: list[int]
    tally: Tally
    reply_timeout: float = 120.0
    bot_lines: int = 0
    my_lines: int = 0
    expected_bot: int = 0
    expected_me: int = 0
    waiting: bool = False
    due_now: int = 0  # the lines the turn in flight adds: the person's and the bot's
    address: str = "198.51.100.1"  # as the load balancer names this browser

    async def _page(self, client: httpx.AsyncClient) -> str:
        deadline = time.monotonic() + self.reply_timeout
        delay = 0.5
        while True:
            try:
                response = await client.get(f"{self.base_url}/t/aachen/chat", timeout=60.0)
                if response.status_code == 200:
                    return response.text
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("chat page")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)

    def _count(self, page: str) -> None:
        kinds = WEB_LINE.findall(page)
        self.bot_lines = kinds.count("bot")
        self.my_lines = kinds.count("me")

    async def run(self, client: httpx.AsyncClient, until: float) -> None:
        client.headers["X-Forwarded-For"] = self.address
        page = await self._page(client)
        self.expected_bot = self.counts[0]
        self._count(page)
        for turn, text in enumerate(self.script, 1):
            if time.monotonic() > until:
                break
            csrf, event = CSRF.search(page), EVENT.search(page)
            if csrf is None or event is None:
                self.tally.errors.append("no csrf or event field on the chat page")
                return
            started = time.monotonic()
            self.due_now = 1 + self.counts[turn]
            self.waiting = True
            before_me = self.my_lines
            attempts = 1
            delay = 0.5
            deadline = started + self.reply_timeout
            # A person whose message did not go through sees the error page
            # and sends it again; one that went through is on the page.
            while True:
                try:
                    response = await client.post(
                        f"{self.base_url}/t/aachen/chat",
                        data={"csrf": csrf.group(1), "event": event.group(1), "text": text},
                        timeout=60.0,
                    )
                    if response.status_code in (200, 303):
                        break
                except httpx.HTTPError:
                    pass
                page = await self._page(client)
                self._count(page)
                if self.my_lines > before_me or time.monotonic() > deadline:
                    break
                self.tally.redeliveries += 1
                attempts += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 8.0)
            page = await self._page(client)
            self._count(page)
            self.expected_me += 1
            self.expected_bot += self.counts[turn]
            latency = (time.monotonic() - started) * 1000
            self.tally.latencies_ms.append(latency)
            self.tally.answered.append(Turn("web", started, latency, attempts))
            self.tally.turns += 1
            self.waiting = False

    def settle(self) -> None:
        self.tally.lost += max(0, self.expected_bot - self.bot_lines)
        self.tally.lost += max(0, self.expected_me - self.my_lines)
        self.tally.duplicates += max(0, self.bot_lines - self.expected_bot)
        self.tally.duplicates += max(0, self.my_lines - self.expected_me)


async def run_load(
    *,
    bot: FakeBot,
    base_url: str,
    counts: dict[tuple[str, ...], list[int]],
    telegram_people: int,
    web_people: int,
    seconds: float,
    rounds: int = 1,
    people: list[Any] | None = None,
) -> tuple[Tally, float]:
    """Everyone at once, for about ``seconds``: each person runs scripts
    (one after another, a new chat each round) until the time is up."""
    tally = Tally()
    people = people if people is not None else []
    webhook = f"{base_url}/telegram/aachen"
    started = time.monotonic()
    until = started + seconds
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)

    async def telegram(n: int) -> None:
        async with httpx.AsyncClient(limits=limits) as client:
            await asyncio.sleep((n % 50) * 0.02)
            r = 0
            while time.monotonic() < until and r < rounds:
                script = SCRIPTS[(n + r) % len(SCRIPTS)]
                person = TelegramPerson(
                    bot, webhook, TELEGRAM_BASE + n * 100 + r, script, counts[script], tally
                )
                people.append(person)
                await person.run(client, until)
                r += 1

    async def web(n: int) -> None:
        r = 0
        while time.monotonic() < until and r < rounds:
            script = SCRIPTS[(n + r) % len(SCRIPTS)]
            person = WebPerson(
                base_url, script, counts[script], tally, address=f"198.51.100.{n % 250 + 1}"
            )
            people.append(person)
            async with httpx.AsyncClient() as client:  # a new browser: a new chat
                await person.run(client, until)
            r += 1

    await asyncio.gather(
        *(telegram(n) for n in range(telegram_people)), *(web(n) for n in range(web_people))
    )
    return tally, time.monotonic() - started

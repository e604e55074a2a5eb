"""One load-and-fault run, used by the tests and by ``make bench``.

A stage is the service (``ehrenamt run`` on a private PostgreSQL, Aachen's
Telegram bot in webhook mode on the Bot API fake) with the demo data and
people whose reminders fall due during the run. ``run`` lets the simulated
people loose, applies a fault part-way, waits for what is still due, and
counts: turns, reply latency, lost and doubled replies, reminders."""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bots.telegram.fake_bot_api import FakeBot, FakeBotAPI
from tests.reliability.load import Tally, Turn, expected_counts, percentile, run_load
from tests.reliability.postgres import PrivatePostgres
from tests.reliability.seed import RunClock, seed, sent_reminder_chats
from tests.reliability.service import TOKEN, Service, tenants_folder

TELEGRAM_CAP = 30  # messages per second a bot may send (the fake enforces it)
REMINDER_MARK = "in 2 Stunden"  # how the 2-hour reminder's text starts to read


@dataclass
class Stage:
    api: FakeBotAPI
    bot: FakeBot
    service: Service
    postgres: PrivatePostgres
    counts: dict[tuple[str, ...], list[int]]
    reminder_chats: list[int]
    reminder_due_at: list[float]  # Unix time each 2-hour reminder falls due
    clock: RunClock


class _KilledPeer(logging.Filter):
    """A service killed with SIGKILL drops its connections to the Bot API
    fake mid-request; the fake's server logs that as an error. Expected
    there, and only that: every other error still fails the test."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionResetError)


@asynccontextmanager
async def open_stage(
    postgres: PrivatePostgres,
    folder: Path,
    *,
    reminder_people: int = 30,
    first_due_in: float = 40.0,
    spacing: float = 1.0,
    tree: Path | None = None,
) -> AsyncIterator[Stage]:
    """``tree``: the source tree the service runs (default: this one), for
    comparing two trees in one session."""
    peer_filter = _KilledPeer()
    logging.getLogger("aiohttp.server").addFilter(peer_filter)
    api = FakeBotAPI()
    bot = api.add_bot(TOKEN, "EngagementAachenBot")
    await api.start()
    clock = RunClock(anchor=time.time())
    service = Service(folder, postgres.url, api.url, extra_env={"EHRENAMT_CLOCK": clock.spec})
    if tree is not None:
        service.tree = tree
    tenants = tenants_folder(folder / "tenants", api.url)
    try:
        seeded_at = time.time()
        chats = await seed(
            postgres.url,
            tenants,
            folder / "data",
            clock,
            reminder_people=reminder_people,
            first_due_in=first_due_in,
            spacing=spacing,
        )
        counts = await expected_counts(tenants_folder(folder / "ref-tenants", api.url), clock.now())
        await asyncio.to_thread(service.start)
        due_at = [seeded_at + first_due_in + k * spacing for k in range(len(chats))]
        yield Stage(api, bot, service, postgres, counts, chats, due_at, clock)
    finally:
        await asyncio.to_thread(service.stop)
        await api.close()
        logging.getLogger("aiohttp.server").removeFilter(peer_filter)


@dataclass
class Outcome:
    tally: Tally
    seconds: float
    reminders_due: int
    reminders_received: dict[int, int] = field(default_factory=dict)
    reminders_recorded: int = 0
    in_flight_at_fault: int = 0  # turns sent and not yet answered when the fault came
    # the messages those turns are answered with (a turn may be answered
    # with several: a list and a question)
    messages_in_flight_at_fault: int = 0
    fault_window: tuple[float, float] | None = None  # monotonic start and end of the fault
    telegram_people: int = 0
    # monotonic times of the messages the bot sent to the people of the load
    # (replies; not the reminders), for the rate it kept up
    reply_sends: list[float] = field(default_factory=list)

    @property
    def reminders_lost(self) -> int:
        return sum(1 for n in self.reminders_received.values() if n == 0)

    @property
    def reminders_doubled(self) -> int:
        return sum(n - 1 for n in self.reminders_received.values() if n > 1)

    def hit_by_fault(self, turn: Turn) -> bool:
        """Sent more than once, or waiting for its answer while the fault lasted."""
        if turn.attempts > 1:
            return True
        if self.fault_window is None:
            return False
        start, end = self.fault_window
        return turn.started < end and turn.started + turn.latency_ms / 1000 > start

    def report(self) -> dict[str, Any]:
        """``load_reply_*`` over every answered message, then split: by channel,
        and the messages the fault did not touch (not in flight while it lasted,
        taken at the first try; what comes after the fault, the catching up,
        is counted there). ``load_telegram_msgs_per_s`` is the median rate the
        bot sent at while people wrote (Telegram allows 30 messages/s a bot),
        ``load_telegram_cap_wait_ms`` the mean wait that limit alone makes for
        this many people each writing again as soon as the answer is there:
        people x messages per turn / 30 (Little's law)."""
        answered = self.tally.answered
        telegram = [t for t in answered if t.kind == "telegram"]
        split = {
            "telegram": telegram,
            "web": [t for t in answered if t.kind == "web"],
            "no_fault": [t for t in answered if not self.hit_by_fault(t)],
        }
        out: dict[str, Any] = dict(self.tally.report(self.seconds))
        for name, turns in split.items():
            latencies = [t.latency_ms for t in turns]
            out[f"load_reply_p95_ms_{name}"] = round(percentile(latencies, 0.95), 1)
            out[f"load_reply_median_ms_{name}"] = round(percentile(latencies, 0.5), 1)
        out["load_turns_hit_by_fault"] = len(answered) - len(split["no_fault"])
        if self.reply_sends and telegram:
            first = min(self.reply_sends)
            per_second: dict[int, int] = {}
            for at in self.reply_sends:
                per_second[int(at - first)] = per_second.get(int(at - first), 0) + 1
            busy = [per_second.get(s, 0) for s in range(int(self.seconds))]
            out["load_telegram_msgs_per_s"] = statistics.median(busy) if busy else 0
            per_turn = len(self.reply_sends) / len(telegram)
            out["load_telegram_cap_wait_ms"] = round(
                self.telegram_people * per_turn / TELEGRAM_CAP * 1000, 1
            )
        out.update(
            {
                "load_reminders_due": self.reminders_due,
                "load_reminders_lost": self.reminders_lost,
                "load_reminders_doubled": self.reminders_doubled,
            }
        )
        return out


Fault = Callable[[Stage], Awaitable[None]]


async def run(
    stage: Stage,
    *,
    telegram_people: int,
    web_people: int,
    seconds: float,
    fault: Fault | None = None,
    fault_after: float = 0.0,
    rounds: int = 1,
    settle_within: float = 120.0,
) -> Outcome:
    people: list[Any] = []
    window: list[float] = []

    async def apply_fault() -> tuple[int, int]:
        await asyncio.sleep(fault_after)
        waiting = [p for p in people if getattr(p, "waiting", False)]
        in_flight = (len(waiting), sum(p.due_now for p in waiting))
        assert fault is not None
        window.append(time.monotonic())
        await fault(stage)
        window.append(time.monotonic())
        return in_flight

    fault_task = asyncio.create_task(apply_fault()) if fault else None
    tally, took = await run_load(
        bot=stage.bot,
        base_url=stage.service.base_url,
        counts=stage.counts,
        telegram_people=telegram_people,
        web_people=web_people,
        seconds=seconds,
        rounds=rounds,
        people=people,
    )
    in_flight, messages_in_flight = await fault_task if fault_task else (0, 0)
    # Everything due by now must arrive: the reminders of the run and the
    # replies still on their way.
    ended = time.time()
    due = [
        c for c, at in zip(stage.reminder_chats, stage.reminder_due_at, strict=True) if at <= ended
    ]
    await stage.api.wait_for(
        lambda: all(_reminders(stage.bot, c) for c in due), settle_within, fail=False
    )
    await asyncio.sleep(2.0)  # a doubled reply would come now
    for person in people:
        person.settle()
    recorded = set(await sent_reminder_chats(stage.postgres.url))
    reminder_chats = set(stage.reminder_chats)
    return Outcome(
        tally,
        took,
        reminders_due=len(due),
        reminders_received={c: _reminders(stage.bot, c) for c in due},
        reminders_recorded=sum(1 for c in due if f"telegram:{c}" in recorded),
        in_flight_at_fault=in_flight,
        messages_in_flight_at_fault=messages_in_flight,
        fault_window=(window[0], window[1]) if len(window) == 2 else None,
        telegram_people=telegram_people,
        reply_sends=[s.at for s in stage.bot.sent if s.chat_id not in reminder_chats],
    )


def _reminders(bot: FakeBot, chat_id: int) -> int:
    return sum(1 for s in bot.sent if s.chat_id == chat_id)

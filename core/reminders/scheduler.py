"""When to look for due reminders: APScheduler, owned by exactly one process.

APScheduler cannot share a job store between processes (both would run a
date job), so one process leads: on PostgreSQL the holder of an advisory
lock (held on a dedicated connection; when that process dies the server
frees the lock and another takes over within ``TAKEOVER_EVERY``), on SQLite
the holder of a file lock beside the database. Jobs live in memory and are
rebuilt from the reminder rows at start-up; they reference module-level
functions by "module:func" and carry no objects, so no job store blocks the
event loop. The rows stay the truth: a job only says "look now".
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from core.clock import Clock
from core.db import Database, is_unavailable
from core.reminders.delivery import Sender, SystemWork, deliver_due, next_due_at

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x45484E41  # "EHNA": one scheduler per database
TICK_EVERY = timedelta(seconds=5)
TAKEOVER_EVERY = timedelta(seconds=2)

# The one active scheduler of this process; jobs find it here by name.
_ACTIVE: ReminderScheduler | None = None


async def tick() -> None:
    """Job: deliver what is due now."""
    if _ACTIVE is not None:
        try:
            await _ACTIVE.run_due()
        except asyncio.CancelledError:
            # Shutting down mid-tick: the open transaction rolls back and the
            # row stays pending for whoever leads next. Nothing to report.
            return


async def housekeeping() -> None:
    """Job: plan periodic reminders (digests, expiry notices), expire needs."""
    if _ACTIVE is not None:
        await _ACTIVE.run_housekeeping()


class Leadership(Protocol):
    async def acquire(self) -> bool: ...

    async def still_held(self) -> bool: ...

    async def release(self) -> None: ...


@dataclass
class PostgresLeadership(Leadership):
    db: Database
    _conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        conn = await self.db.engine.connect()
        try:
            got = bool(
                await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        await conn.commit()  # the lock is per session: it outlives this transaction
        self._conn = conn
        return True

    async def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            await self._conn.execute(text("SELECT 1"))
            await self._conn.commit()
            return True
        except Exception:  # the connection broke: the server already freed the lock
            log.warning("scheduler lock connection lost; stepping down")
            self._conn = None
            return False

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.execute(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY}
                )
                await self._conn.commit()
            await self._conn.close()
            self._conn = None


@dataclass
class FileLeadership(Leadership):
    """SQLite: one process per database file; the OS frees the lock on exit."""

    path: Path
    _fd: int | None = None

    async def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def still_held(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def leadership_for(db: Database) -> Leadership:
    if db.is_sqlite:
        database = make_url(db.url).database or "ehrenamt.db"
        return FileLeadership(Path(f"{database}.scheduler.lock"))
    return PostgresLeadership(db)


@dataclass
class ReminderScheduler:
    db: Database
    sender: Sender
    clock: Clock
    system: dict[str, SystemWork] = field(default_factory=dict)
    housekeeping_work: Callable[[datetime], Awaitable[Any]] | None = None
    tick_every: timedelta = TICK_EVERY
    leadership: Leadership | None = None
    leading: bool = False
    _scheduler: AsyncIOScheduler | None = None
    _task: asyncio.Task[None] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    name: str = "scheduler"

    async def start(self) -> None:
        global _ACTIVE
        _ACTIVE = self
        self.leadership = self.leadership or leadership_for(self.db)
        self._task = asyncio.create_task(self._campaign(), name="scheduler-leadership")

    async def stop(self) -> None:
        global _ACTIVE
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._stop_timer()
        if self.leadership is not None:
            await self.leadership.release()
        self.leading = False
        if _ACTIVE is self:
            _ACTIVE = None

    async def _campaign(self) -> None:
        """Try to lead; while leading, check the lock is still held."""
        assert self.leadership is not None
        while True:
            try:
                await self._campaign_once(self.leadership)
            except Exception as exc:
                # The campaign must outlive a database restart: a task that
                # dies here would leave nobody sending reminders.
                if is_unavailable(exc):
                    log.warning("scheduler leadership: database unavailable, trying again")
                else:
                    log.exception("scheduler leadership check failed; trying again")
            await asyncio.sleep(TAKEOVER_EVERY.total_seconds())

    async def _campaign_once(self, leadership: Leadership) -> None:
        if not self.leading:
            if await leadership.acquire():
                self.leading = True
                log.info("this process now owns the reminder scheduler")
                await self._start_timer()
        elif not await leadership.still_held():
            self.leading = False
            self._stop_timer()

    async def _start_timer(self) -> None:
        scheduler = AsyncIOScheduler(jobstores={"default": MemoryJobStore()}, timezone=UTC)
        scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        scheduler.add_job(
            "core.reminders.scheduler:tick",
            "interval",
            id="reminders:tick",
            seconds=self.tick_every.total_seconds(),
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(self.tick_every.total_seconds()) or 1,
        )
        scheduler.add_job(
            "core.reminders.scheduler:housekeeping",
            "interval",
            id="reminders:housekeeping",
            minutes=10,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=600,
        )
        scheduler.start()
        self._scheduler = scheduler
        # Rebuild from the rows: whatever fell due while nobody led goes out now
        # (the grace of each kind decides whether it is still worth sending).
        await self.run_due()
        await self.run_housekeeping()

    def _stop_timer(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def _missed(self, event: JobExecutionEvent) -> None:
        # A tick missed (the loop was busy): the next one delivers; rows are
        # the truth, so nothing is lost, only late.
        log.warning("scheduler job %s missed its time", event.job_id)

    async def wake_at(self, when: datetime) -> None:
        """A date job for the next due reminder, so delivery need not wait a tick."""
        if self._scheduler is None:
            return
        now = self.clock.now()
        delay = max(0.0, (when - now).total_seconds())
        if delay > self.tick_every.total_seconds():
            return  # the interval tick comes first anyway
        run_at = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(
            "core.reminders.scheduler:tick",
            "date",
            id="reminders:wake",
            run_date=run_at,
            replace_existing=True,
            misfire_grace_time=60,
        )

    async def run_due(self) -> None:
        if not self.leading:
            return
        async with self._lock:
            try:
                await deliver_due(self.db, self.sender, self.clock.now(), self.system)
                upcoming = await next_due_at(self.db)
            except Exception as exc:
                if is_unavailable(exc):
                    # A database restart: the rows are the truth, the next
                    # tick picks up where this one stopped.
                    log.warning("delivering due reminders postponed: database unavailable")
                else:
                    log.exception("delivering due reminders failed")
                return
        if upcoming is not None:
            await self.wake_at(upcoming if upcoming.tzinfo else upcoming.replace(tzinfo=UTC))

    async def run_housekeeping(self) -> None:
        if not self.leading or self.housekeeping_work is None:
            return
        try:
            await self.housekeeping_work(self.clock.now())
        except Exception as exc:
            if is_unavailable(exc):
                log.warning("reminder housekeeping postponed: database unavailable")
            else:
                log.exception("reminder housekeeping failed")

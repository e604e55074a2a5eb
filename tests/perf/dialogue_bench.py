"""Dialogue turns per second and p95 turn latency (DESIGN.md, "Budgets").

Scripted conversations — onboarding by buttons and by one sentence, matches,
paging, detail, search by sentence and by command — go through the real
engine (``bots.bootstrap`` → ``app.engine``) on a fresh SQLite file under
``var/bench/`` with the demo seeded, then the same on a fresh PostgreSQL
schema (``_pg`` keys; skipped with ``--no-pg`` or when PostgreSQL is away):
one process, one event loop, no network besides the database, one turn at a
time. Budget (raised after turn 2): ≥ 1,000 turns/s, p95 ≤ 10 ms, on both.

    .venv/bin/python -m tests.perf.dialogue_bench [--quick] [--profile] [--no-pg]

``--profile`` runs the measured part under cProfile and prints the hot spots.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.bootstrap import App, bootstrap
from core.clock import FixedClock
from core.db import Database, create_engine
from core.services.demo import seed_demo
from core.settings import PROJECT_ROOT, Settings
from dialogue.messages import Incoming, Location, Reply

BENCH_DIR = PROJECT_ROOT / "var" / "bench"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday morning in Aachen
TENANT = "aachen"
BUDGET_TURNS_PER_S = 1000
BUDGET_P95_MS = 10.0


@dataclass(frozen=True, slots=True)
class Step:
    """One thing a volunteer does. ``press`` picks the first button of the
    last turn whose payload starts with the given prefix (``"f:interests:"``)
    or, failing that, whose label contains it; if none is offered, the step
    falls back to ``text`` (so a changed flow still makes a turn)."""

    text: str | None = None
    command: str | None = None
    location: tuple[float, float] | None = None
    press: str | None = None


def say(text: str) -> Step:
    return Step(text=text)


def cmd(name: str) -> Step:
    return Step(command=name)


def press(prefix: str, fallback: str) -> Step:
    return Step(press=prefix, text=fallback)


# Each conversation starts with a new identity, so onboarding really runs.
CONVERSATIONS: dict[str, tuple[Step, ...]] = {
    "onboarding_buttons": (
        cmd("start"),
        press("f:consent:yes", "ja"),
        press("f:interests:umwelt", "Umwelt"),
        press("f:interests:kinder_jugend", "Kinder"),
        press("f:interests:done", "fertig"),
        Step(location=(50.7753, 6.0839)),
        press("f:radius:10", "10 km"),
        press("f:availability:weekend", "am Wochenende"),
        press("f:availability:done", "fertig"),
        press("f:qualifications:erste_hilfe", "Erste Hilfe"),
        press("f:qualifications:done", "weiter"),
        press("f:alerts:no", "nein"),
        press("more", "mehr"),
        press("need:", "1"),
        cmd("hilfe"),
    ),
    "onboarding_sentence": (
        say("Hallo"),
        press("f:consent:yes", "ja"),
        say("Ich möchte samstags vormittags in Burtscheid mit Kindern helfen"),
        press("need:", "1"),
        say("zurück"),
        press("more", "mehr"),
    ),
    "search": (
        cmd("start"),
        press("f:consent:yes", "ja"),
        say("Umwelt in Aachen am Wochenende"),
        press("need:", "1"),
        say("Suche Tiere in Stolberg"),
        press("more", "mehr"),
        cmd("suche"),
        say("Senioren nachmittags"),
        say("abbrechen"),
    ),
}


@dataclass(slots=True)
class Measured:
    latencies: list[float]
    elapsed: float
    cpu: float  # process CPU seconds, all threads (aiosqlite's worker too)
    empty_turns: int
    conversations: int


def _incoming(step: Step, identity: str, offered: Sequence[tuple[str, str]]) -> Incoming:
    if step.press is not None:
        for _label, payload in offered:
            if payload.startswith(step.press):
                return Incoming(identity=identity, tenant=TENANT, button=payload)
        for label, payload in offered:
            if step.press.casefold() in label.casefold():
                return Incoming(identity=identity, tenant=TENANT, button=payload)
    if step.command is not None:
        return Incoming(identity=identity, tenant=TENANT, command=step.command)
    if step.location is not None:
        lat, lon = step.location
        return Incoming(identity=identity, tenant=TENANT, location=Location(lat, lon))
    return Incoming(identity=identity, tenant=TENANT, text=step.text or "")


def _offered(replies: Sequence[Reply]) -> list[tuple[str, str]]:
    return [(b.label, b.payload) for r in replies for b in r.buttons]


async def _converse(engine: Any, identity: str, steps: Sequence[Step], out: Measured) -> None:
    offered: list[tuple[str, str]] = []
    clock = time.perf_counter
    for step in steps:
        incoming = _incoming(step, identity, offered)
        start = clock()
        replies = await engine.handle(incoming)
        out.latencies.append(clock() - start)
        if not replies:
            out.empty_turns += 1
        offered = _offered(replies) or offered
    out.conversations += 1


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def _prepare(path: Path) -> App:
    _remove_database(path)
    settings = Settings.from_env(database_url=f"sqlite+aiosqlite:///{path}")
    return await _seeded(await bootstrap(settings, clock=FixedClock(NOW)))


async def _seeded(app: App) -> App:
    await seed_demo(
        app.db,
        tenants=app.tenants,
        tenant_ids=app.tenant_ids,
        taxonomy=app.taxonomy,
        places=app.places,
        now=NOW,
    )
    return app


async def _measure(engine: Any, rounds: int, tag: str) -> Measured:
    out = Measured([], 0.0, 0.0, 0, 0)
    start, cpu_start = time.perf_counter(), time.process_time()
    for n in range(rounds):
        for name, steps in CONVERSATIONS.items():
            await _converse(engine, f"console:bench-{tag}-{name}-{n}", steps, out)
    out.elapsed = time.perf_counter() - start
    out.cpu = time.process_time() - cpu_start
    return out


def _p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


@asynccontextmanager
async def _postgres_app() -> AsyncIterator[App | None]:
    """The app on a fresh PostgreSQL schema with the engine settings the
    application uses (``core.db.create_engine``), demo seeded; None when
    PostgreSQL is not reachable."""
    from sqlalchemy import text

    from core.models import Base
    from tests.perf.bench import PG_URL

    schema = f"dialogue_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OSError as exc:
        print(f"PostgreSQL not reachable ({exc}); skipping dialogue _pg", file=sys.stderr)
        await admin.dispose()
        yield None
        return
    db = Database(create_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}}))
    app: App | None = None
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        settings = Settings.from_env(database_url=PG_URL)
        app = await _seeded(await bootstrap(settings, clock=FixedClock(NOW), db=db))
        yield app
    finally:
        if app is not None:
            await app.close()
        await db.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def _run(app: App, quick: bool, profile: bool, suffix: str) -> dict[str, Any]:
    build_start = time.perf_counter()
    engine = app.engine
    build_s = time.perf_counter() - build_start
    await _measure(engine, 1, "warmup")  # first-use costs: caches, statements
    rounds = 3 if quick else 20
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result = await _measure(engine, rounds, "run")
    if profiler:
        profiler.disable()
        print(f"== profile{suffix or '_sqlite'}", file=sys.stderr)
        _print_profile(profiler)
    turns = len(result.latencies)
    ms = [x * 1000 for x in result.latencies]
    out: dict[str, Any] = {
        "dialogue_turns_per_s": round(turns / result.elapsed, 1),
        "dialogue_turn_p95_ms": round(_p95(ms), 2),
        "dialogue_turn_p50_ms": round(statistics.median(ms), 2),
        # On a busy machine wall time includes other processes; CPU time does not.
        "dialogue_turns_per_cpu_s": round(turns / result.cpu, 1) if result.cpu else None,
        "dialogue_turn_max_ms": round(max(ms), 2),
        "dialogue_turns": turns,
        "dialogue_conversations": result.conversations,
        "dialogue_turns_without_reply": result.empty_turns,
        "dialogue_engine_build_s": round(build_s, 3),
    }
    return {key + suffix: value for key, value in out.items()}


async def run_dialogue_bench(
    quick: bool, *, profile: bool = False, postgres: bool | None = None
) -> dict[str, Any]:
    """Measure the dialogue on SQLite, then on PostgreSQL; the keys ``make
    bench`` prints (``_pg`` for PostgreSQL)."""
    if postgres is None:
        postgres = not os.environ.get("EHRENAMT_BENCH_NO_PG")
    os.makedirs(BENCH_DIR, exist_ok=True)
    path = BENCH_DIR / f"dialogue-{os.getpid()}.db"
    app = await _prepare(path)
    try:
        out = await _run(app, quick, profile, "")
    finally:
        await app.close()
        _remove_database(path)
    if postgres:
        async with _postgres_app() as pg_app:
            if pg_app is not None:
                out.update(await _run(pg_app, quick, profile, "_pg"))
    out["dialogue_budget_turns_per_s"] = BUDGET_TURNS_PER_S
    out["dialogue_budget_p95_ms"] = BUDGET_P95_MS
    return out


def _print_profile(profiler: cProfile.Profile, limit: int = 35) -> None:
    for key in ("tottime", "cumulative"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats(key).print_stats(limit)
        print(buffer.getvalue(), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile hot spots on stderr")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    result = asyncio.run(
        run_dialogue_bench(args.quick, profile=args.profile, postgres=not args.no_pg)
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

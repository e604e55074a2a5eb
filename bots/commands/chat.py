"""``ehrenamt chat``: talk to the bot in a terminal, or script it with ``--jsonl``.

Migrates the database and seeds the demo when it is empty, so a fresh
checkout chats at once (SQLite under ``var/``). With ``--jsonl`` stdout holds
only the contract's JSON lines; logs and anything else go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from typing import IO

from bots.bootstrap import App, bootstrap
from bots.commands.demo import seed_app
from bots.console import (
    ConsoleClock,
    ConsoleSession,
    LineReader,
    load_texts,
    run_interactive,
    run_jsonl,
)
from core.clock import Clock, SystemClock
from core.services.demo import is_empty
from core.settings import Settings

__all__ = ["chat_command", "register"]

log = logging.getLogger(__name__)

DEFAULT_TENANT = "aachen"
DEFAULT_USER = "demo"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "chat",
        help="chat with the bot in the terminal",
        description=(
            "Chat with the bot in the terminal: numbers or labels press the offered "
            "buttons, /location LAT LON shares a location, /quit or Ctrl-D ends. "
            "With --jsonl: one JSON event per input line, JSON replies and "
            '{"end_of_turn": true} per line on stdout (DESIGN.md, scripted console). '
            'A "now" without offset is UTC.'
        ),
    )
    parser.add_argument("--tenant", help=f"tenant slug (default: {DEFAULT_TENANT})")
    parser.add_argument("--user", help="who speaks: identity console:<user> (default: login name)")
    parser.add_argument("--db", help="database URL (default: EHRENAMT_DATABASE_URL or var/)")
    parser.add_argument("--lang", choices=("de", "en"), help="language for a new conversation")
    parser.add_argument("--jsonl", action="store_true", help="scripted mode for programs")
    parser.add_argument("--no-demo", action="store_true", help="do not seed an empty database")
    parser.set_defaults(func=chat_command)


def chat_command(args: argparse.Namespace) -> int:
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if args.jsonl:
        out = sys.stdout.buffer
        sys.stdout = sys.stderr  # nothing but the contract's lines reaches stdout
        try:
            return asyncio.run(_jsonl(args, out))
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            return 0
    try:
        return asyncio.run(_interactive(args))
    except KeyboardInterrupt:
        print()
        return 0


def _user(args: argparse.Namespace) -> str:
    if args.user:
        return str(args.user)
    try:
        return getpass.getuser() or DEFAULT_USER
    except (KeyError, OSError):  # no login name, e.g. in a container
        return DEFAULT_USER


async def _start(args: argparse.Namespace, clock: Clock) -> App | None:
    app = await bootstrap(Settings.from_env(database_url=args.db), clock=clock)
    slug = args.tenant or DEFAULT_TENANT
    if slug not in app.tenants:
        if args.tenant is None and len(app.tenants) == 1:
            args.tenant = next(iter(app.tenants))
            return app
        known = ", ".join(sorted(app.tenants)) or "none"
        print(f"unknown tenant {slug!r} (known: {known})", file=sys.stderr)
        await app.close()
        return None
    args.tenant = slug
    return app


async def _seed_if_empty(app: App, args: argparse.Namespace) -> None:
    """A newcomer finds the demo needs, dated relative to the clock's now."""
    if args.no_demo or not await is_empty(app.db):
        return
    result = await seed_app(app)
    log.info("demo seeded: %d organisations, %d needs", result.organisations, result.needs)


async def _jsonl(args: argparse.Namespace, out: IO[bytes]) -> int:
    clock = ConsoleClock()
    app = await _start(args, clock)
    if app is None:
        return 2
    try:
        engine = app.engine
        reader = LineReader(sys.stdin.buffer.readline)

        async def seed() -> None:
            await _seed_if_empty(app, args)

        return await run_jsonl(
            engine,
            tenant=args.tenant,
            identity=f"console:{_user(args)}",
            clock=clock,
            read_line=reader.readline,
            write=lambda s: out.write(s.encode("utf-8")),
            flush=out.flush,
            language_hint=args.lang,
            before_first_event=seed,
        )
    finally:
        await app.close()


async def _interactive(args: argparse.Namespace) -> int:
    app = await _start(args, SystemClock())
    if app is None:
        return 2
    try:
        await _seed_if_empty(app, args)
        tenant = app.tenants[args.tenant]
        texts = load_texts(tenant, args.lang)
        session = ConsoleSession(
            engine=app.engine,
            tenant=tenant.slug,
            identity=f"console:{_user(args)}",
            texts=texts,
            attachments_dir=app.settings.data_dir / "attachments",
            language_hint=args.lang,
        )
        try:
            import readline  # noqa: F401  (line editing and history for input())
        except ImportError:
            pass
        prompt = texts.get("prompt")
        reader = LineReader(lambda: input(prompt))

        def write(text: str) -> None:
            print(text, end="", flush=True)

        banner = texts.get("banner", bot_name=tenant.branding.bot_name) + "\n" + texts.get("usage")
        return await run_interactive(session, read_line=reader.readline, write=write, banner=banner)
    finally:
        await app.close()

"""``ehrenamt run``: migrate, seed the demo when empty, show the demo
volunteers' matches, then run every configured channel until stopped."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_datetime, get_day_names
from babel.numbers import format_decimal

from bots.bootstrap import App, bootstrap
from bots.commands.demo import seed_app
from bots.logs import configure_logging
from bots.runner import start_channels, stop_channels, wait_for_stop_signal
from core.availability import DAYS
from core.clock import Clock, ScaledClock, SystemClock
from core.services.demo import is_empty
from core.services.matches import Card, matches_for_person
from core.services.people import person_for_identity
from core.settings import DATA_DIR, Settings
from core.tenants import DEFAULT_TENANTS_DIR

TEXTS_FILE = DATA_DIR / "texts" / "channels" / "runner.yml"
DEMO_IDENTITIES = ("demo:luisa", "demo:heinrich", "demo:amira")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("run", help="run the service: channels, demo, scheduler")
    parser.add_argument("--db", help="database URL (default: EHRENAMT_DATABASE_URL or var/)")
    parser.add_argument("--lang", default="de", choices=("de", "en"))
    parser.add_argument(
        "--once", action="store_true", help="show the demo matches and exit (no channels)"
    )
    parser.add_argument("--no-web", action="store_true", help="do not start the web server")
    parser.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="seed the demo into an empty database (default: only with the demo tenant files)",
    )
    parser.add_argument("--host", help="web server address (default EHRENAMT_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="web port (default EHRENAMT_WEB_PORT or 8080)")
    parser.set_defaults(func=lambda args: asyncio.run(_run(args)))


def _texts(lang: str, path: Path = TEXTS_FILE) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)[lang]


def _clock() -> Clock:
    """The system clock; ``EHRENAMT_CLOCK="<ISO start>@<speed>"`` fast-forwards
    time for restart and takeover tests (never set it in production)."""
    spec = os.environ.get("EHRENAMT_CLOCK")
    return ScaledClock.parse(spec) if spec else SystemClock()


def _wants_demo(args: argparse.Namespace, settings: Settings) -> bool:
    """The demo belongs to the demo tenant files: a municipality's own tenants
    folder never gets demo data unless asked for with ``--demo``."""
    if args.demo is not None:
        return bool(args.demo)
    return settings.tenants_dir.resolve() == DEFAULT_TENANTS_DIR.resolve()


async def _run(args: argparse.Namespace) -> int:
    configure_logging()
    texts = _texts(args.lang)
    settings = Settings.from_env(database_url=args.db, host=args.host, web_port=args.port)
    serve = not args.once
    app = await bootstrap(settings, clock=_clock(), channels=serve, web=not args.no_web)
    try:
        if _wants_demo(args, settings) and await is_empty(app.db):
            result = await seed_app(app)
            print(
                texts["seeded"].format(
                    organisations=result.organisations,
                    needs=result.needs,
                    volunteers=len(result.volunteers),
                )
            )
        await print_demo_matches(app, texts, args.lang)
        if args.once:
            return 0
        return await _serve(app, settings, texts)
    finally:
        await app.close()


async def _serve(app: App, settings: Settings, texts: dict[str, str]) -> int:
    started = await start_channels(app.channels)
    await app.scheduler.start()
    assert app.mail_sender is not None  # wired with the channels
    await app.mail_sender.start()
    chat = [c.name for c in started if c.name != "web"]
    print(texts["channels_started"].format(names=", ".join(chat)) if chat else texts["no_channels"])
    if any(c.name == "web" for c in started):
        print(texts["web_ready"].format(url=f"http://{settings.host}:{settings.web_port}"))
        if (
            "aachen" in app.tenants
            and settings.tenants_dir.resolve() == DEFAULT_TENANTS_DIR.resolve()
        ):
            from bots.web.app import ensure_demo_editor

            email, password = await ensure_demo_editor(app)
            print(texts["demo_editor"].format(email=email, password=password))
    print(texts["ready"], flush=True)
    try:
        await wait_for_stop_signal()
    finally:
        print(texts["stopping"], flush=True)
        await app.mail_sender.stop()
        await app.scheduler.stop()
        await stop_channels(started)
    return 0


async def print_demo_matches(app: App, texts: dict[str, str], lang: str) -> None:
    from core.services.profiles import get_profile

    found = [
        (tenant, person)
        for identity in DEMO_IDENTITIES
        for tenant in app.tenants.values()
        if (person := await person_for_identity(app.db, identity, tenant.slug)) is not None
    ]
    for tenant, person in found:
        profile = await get_profile(app.db, person.id)
        assert profile is not None
        tz = ZoneInfo(tenant.timezone)
        page = await matches_for_person(app.db, person.id, app.now(), tz=tz, limit=5)
        print()
        print(
            texts["volunteer_header"].format(
                name=person.display_name,
                place=profile.home_label,
                radius=format_decimal(profile.radius_km, locale=lang),
            )
        )
        if not page.cards:
            print(texts["no_matches"])
        for rank, card in enumerate(page.cards, 1):
            print(
                texts["card"].format(
                    rank=rank,
                    title=card.need.title,
                    organisation=card.need.organisation,
                    when=_when(card, texts, lang, tz),
                    reasons=_reasons(card, app, texts, lang),
                )
            )


def _when(card: Card, texts: dict[str, str], lang: str, tz: ZoneInfo) -> str:
    need = card.need
    if need.weekly is not None:
        names = get_day_names("abbreviated", locale=lang)
        days = ", ".join(names[DAYS.index(d)] for d in need.weekly.days)
        return texts["weekly"].format(
            days=days,
            start=need.weekly.start.strftime("%H:%M"),
            end=need.weekly.end.strftime("%H:%M"),
        )
    assert need.starts_at is not None
    return format_datetime(need.starts_at, "EEE d. MMM, HH:mm", tzinfo=tz, locale=lang)


def _reasons(card: Card, app: App, texts: dict[str, str], lang: str) -> str:
    parts = []
    for reason in card.match.reasons:
        if reason.kind == "distance":
            parts.append(f"{format_decimal(reason.value, format='#,##0.0', locale=lang)} km")
        elif reason.kind == "remote":
            parts.append(texts["remote"])
        elif reason.kind == "category":
            parts.append(app.taxonomy.label(str(reason.value), lang))
        elif reason.kind in ("urgent", "neighbour", "spontaneous"):
            parts.append(texts[reason.kind])
    return " · ".join(parts)

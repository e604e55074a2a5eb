"""``ehrenamt run``: migrate, seed the demo when empty, show the demo
volunteers' matches, then run every configured channel until stopped."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_datetime, get_day_names
from babel.numbers import format_decimal

from bots.bootstrap import App, bootstrap
from bots.runner import build_channels, start_channels, stop_channels, wait_for_stop_signal
from core.availability import DAYS
from core.services.demo import is_empty, seed_demo
from core.services.matches import Card, matches_for_person
from core.services.people import person_for_identity
from core.settings import DATA_DIR, Settings

TEXTS_FILE = DATA_DIR / "texts" / "channels" / "runner.yml"
DEMO_IDENTITIES = ("demo:luisa", "demo:heinrich", "demo:amira")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("run", help="run the service: channels, demo, scheduler")
    parser.add_argument("--db", help="database URL (default: EHRENAMT_DATABASE_URL or var/)")
    parser.add_argument("--lang", default="de", choices=("de", "en"))
    parser.add_argument(
        "--once", action="store_true", help="show the demo matches and exit (no channels)"
    )
    parser.set_defaults(func=lambda args: asyncio.run(_run(args)))


def _texts(lang: str, path: Path = TEXTS_FILE) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)[lang]


async def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    texts = _texts(args.lang)
    app = await bootstrap(Settings.from_env(database_url=args.db))
    try:
        if await is_empty(app.db):
            result = await seed_demo(
                app.db, tenants=app.tenants, tenant_ids=app.tenant_ids, taxonomy=app.taxonomy,
                places=app.places, now=app.now(),
            )
            print(texts["seeded"].format(organisations=result.organisations, needs=result.needs,
                                         volunteers=len(result.volunteers)))
        await print_demo_matches(app, texts, args.lang)
        if args.once:
            return 0
        channels = await start_channels(build_channels(app))
        print(texts["channels_started"].format(names=", ".join(c.name for c in channels))
              if channels else texts["no_channels"], flush=True)
        if not channels:
            return 0
        await wait_for_stop_signal()
        print(texts["stopping"])
        await stop_channels(channels)
        return 0
    finally:
        await app.close()


async def print_demo_matches(app: App, texts: dict[str, str], lang: str) -> None:
    from core.services.profiles import get_profile

    for identity in DEMO_IDENTITIES:
        person = await person_for_identity(app.db, identity)
        if person is None:
            continue
        profile = await get_profile(app.db, person.id)
        assert profile is not None
        tenant = next(t for t in app.tenants.values() if app.tenant_ids[t.slug] == person.tenant_id)
        tz = ZoneInfo(tenant.timezone)
        page = await matches_for_person(app.db, person.id, app.now(), tz=tz, limit=5)
        print()
        print(texts["volunteer_header"].format(
            name=person.display_name, place=profile.home_label,
            radius=format_decimal(profile.radius_km, locale=lang)))
        if not page.cards:
            print(texts["no_matches"])
        for rank, card in enumerate(page.cards, 1):
            print(texts["card"].format(
                rank=rank, title=card.need.title, organisation=card.need.organisation,
                when=_when(card, texts, lang, tz), reasons=_reasons(card, app, texts, lang)))


def _when(card: Card, texts: dict[str, str], lang: str, tz: ZoneInfo) -> str:
    need = card.need
    if need.weekly is not None:
        names = get_day_names("abbreviated", locale=lang)
        days = ", ".join(names[DAYS.index(d)] for d in need.weekly.days)
        return texts["weekly"].format(days=days, start=need.weekly.start.strftime("%H:%M"),
                                      end=need.weekly.end.strftime("%H:%M"))
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

"""``ehrenamt tenant new SLUG`` writes a commented tenant file from prompts or
flags (``--no-input``: flags only); ``ehrenamt tenant check`` validates every
tenant file and names file and key of each problem (exit status 1 on errors)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from core.settings import DATA_DIR, Settings
from core.tenant_check import COLOUR, SLUG, SUPPORTED_LANGUAGES, check_folder, check_raw

TEXTS_FILE = DATA_DIR / "texts" / "channels" / "admin.yml"


def admin_texts(lang: str) -> dict[str, str]:
    with TEXTS_FILE.open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh)[lang])


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("tenant", help="tenant files: create one, check all")
    tsub = parser.add_subparsers(dest="tenant_command", required=True)
    new = tsub.add_parser("new", help="write a commented tenant file (asks for what flags omit)")
    new.add_argument("slug", help="short name in URLs, e.g. herzogenrath")
    new.add_argument("--name")
    new.add_argument("--place", help="place or postcode at the region's centre (offline lookup)")
    new.add_argument("--center", help="region centre as LAT,LON")
    new.add_argument("--radius", type=float)
    new.add_argument("--languages", help="e.g. de,en (first is the default)")
    new.add_argument("--address-form", choices=("du", "Sie"))
    new.add_argument("--bot-name")
    new.add_argument("--color", help="main colour #rrggbb")
    new.add_argument("--policy-url")
    new.add_argument("--imprint-url")
    new.add_argument("--moderation", action=argparse.BooleanOptionalAction, default=None)
    new.add_argument("--telegram-token-env", help="variable holding the bot token ('' for none)")
    new.add_argument("--dir", type=Path, help="tenants folder (default EHRENAMT_TENANTS_DIR)")
    new.add_argument("--no-input", action="store_true", help="never ask; fail on missing flags")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.add_argument("--lang", default="de", choices=("de", "en"))
    new.set_defaults(func=_new)
    check = tsub.add_parser("check", help="validate every tenant file")
    check.add_argument("--dir", type=Path, help="tenants folder (default EHRENAMT_TENANTS_DIR)")
    check.add_argument("--lang", default="de", choices=("de", "en"))
    check.set_defaults(func=_check)


def _folder(args: argparse.Namespace) -> Path:
    return Path(args.dir) if args.dir else Settings.from_env().tenants_dir


def _check(args: argparse.Namespace) -> int:
    t = admin_texts(args.lang)
    count, problems = check_folder(_folder(args), os.environ)
    for problem in problems:
        print(problem)
    if problems:
        print(t["check_failed"].format(count=count, errors=len(problems)), file=sys.stderr)
        return 1
    print(t["check_ok"].format(count=count))
    return 0


# -- new -------------------------------------------------------------------------


class _Answers:
    """Values from flags, else from prompts (``input()``), else failure."""

    def __init__(self, args: argparse.Namespace, t: dict[str, str]) -> None:
        self.args = args
        self.t = t
        self.missing: list[str] = []
        self.example = f"{args.slug.upper().replace('-', '_')}_TELEGRAM_TOKEN"

    def get(
        self,
        flag: str,
        prompt: str,
        default: str | None,
        parse: Callable[[str], Any] = str,
    ) -> Any:
        given = getattr(self.args, flag.replace("-", "_"))
        if given is not None:
            return parse(str(given)) if not isinstance(given, bool) else given
        if self.args.no_input:
            if default is None:
                self.missing.append(f"--{flag}")
                return None
            return parse(default)
        while True:
            shown = f" [{default}]" if default else ""
            try:
                question = self.t[prompt].format(example=self.example)
                answer = input(f"{question}{shown}: ").strip()
            except EOFError:
                answer = ""
                if default is None:
                    self.missing.append(f"--{flag}")
                    return None
            answer = answer or (default or "")
            try:
                return parse(answer)
            except ValueError as exc:
                print(self.t["bad_answer"].format(why=exc))


def _languages(value: str) -> list[str]:
    langs = [x.strip() for x in value.replace(" ", ",").split(",") if x.strip()]
    if not langs or any(x not in SUPPORTED_LANGUAGES for x in langs):
        raise ValueError(", ".join(SUPPORTED_LANGUAGES))
    return langs


def _center(value: str) -> tuple[float, float]:
    try:
        lat, lon = (float(x) for x in value.split(","))
    except ValueError as exc:
        raise ValueError("50.87,6.10") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("50.87,6.10")
    return lat, lon


def _colour(value: str) -> str:
    if not COLOUR.match(value):
        raise ValueError("#00609c")
    return value


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("https://…")
    return value


def _radius(value: str) -> float:
    radius = float(value)
    if not 0 < radius <= 200:
        raise ValueError("1–200")
    return radius


def _yes(t: dict[str, str]) -> Callable[[str], bool]:
    def parse(value: str) -> bool:
        return value.strip().lower() in (t["yes_letter"], "y", "j", "yes", "ja", "true", "1")

    return parse


def _env_name(value: str) -> str:
    value = value.strip()
    if value and not value.replace("_", "").isalnum():
        raise ValueError("AACHEN_TELEGRAM_TOKEN")
    return value


def _place_center(answers: _Answers, t: dict[str, str]) -> tuple[float, float] | None:
    args = answers.args
    if args.center:
        return _center(args.center)
    place = args.place
    if place is None and not args.no_input:
        try:
            place = input(f"{t['ask_place']}: ").strip() or None
        except EOFError:
            place = None
    if place:
        from core.geo.gazetteer import Gazetteer

        found = Gazetteer.default().lookup(place)
        if found:
            print(t["place_found"].format(name=found[0].name, lat=found[0].lat, lon=found[0].lon))
            return round(found[0].lat, 4), round(found[0].lon, 4)
        print(t["place_unknown"].format(place=place))
    return answers.get("center", "ask_center", None, _center)  # type: ignore[no-any-return]


def _new(args: argparse.Namespace) -> int:
    t = admin_texts(args.lang)
    slug = args.slug.strip().lower()
    if not SLUG.match(slug):
        print(t["bad_answer"].format(why="slug: a-z, 0-9, -"), file=sys.stderr)
        return 1
    folder = _folder(args)
    path = folder / f"{slug}.toml"
    if path.exists() and not args.force:
        print(t["exists"].format(path=path), file=sys.stderr)
        return 1
    a = _Answers(args, t)
    name = a.get("name", "ask_name", None)
    center = _place_center(a, t)
    values: dict[str, Any] = {
        "slug": slug,
        "name": name,
        "center": center,
        "radius": a.get("radius", "ask_radius", "15", _radius),
        "languages": a.get("languages", "ask_languages", "de,en", _languages),
        "address_form": a.get("address-form", "ask_address_form", "Sie", _address_form),
        "bot_name": a.get("bot-name", "ask_bot_name", f"Ehrenamt {name or slug}"),
        "color": a.get("color", "ask_color", "#00609c", _colour),
        "policy_url": a.get("policy-url", "ask_policy_url", None, _url),
        "imprint_url": a.get("imprint-url", "ask_imprint_url", None, _url),
        "moderation": a.get("moderation", "ask_moderation", t["yes_letter"], _yes(t)),
        "telegram_env": a.get(
            "telegram-token-env", "ask_telegram", "", _env_name,
        ),
    }  # fmt: skip
    if a.missing or name is None or center is None:
        print(t["missing_flags"].format(flags=", ".join(a.missing) or "--center"), file=sys.stderr)
        return 1
    text = tenant_file_text(values)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(t["written"].format(path=path))
    import tomllib

    problems = check_raw(tomllib.loads(text), path.name, os.environ)
    if problems:
        print(t["still_to_do"])
        for problem in problems:
            print(f"  {problem}")
    return 0


def _address_form(value: str) -> str:
    if value not in ("du", "Sie"):
        raise ValueError("du / Sie")
    return value


def _q(value: str) -> str:
    """A TOML basic string."""
    return json.dumps(value, ensure_ascii=False)


def tenant_file_text(v: dict[str, Any]) -> str:
    """The tenant file, every section explained (DESIGN.md, "Tenant file")."""
    langs = ", ".join(_q(x) for x in v["languages"])
    lat, lon = v["center"]
    telegram = (
        f"[telegram]\n"
        f"# The bot token is never written here: only the name of the environment\n"
        f"# variable that holds it (create the bot with @BotFather).\n"
        f"token_env = {_q(v['telegram_env'])}\n"
        f'# api_base_url = ""        # a self-hosted Bot API server, if any\n'
        f'# webhook_url = ""         # https://…/telegram/{v["slug"]} instead of polling\n'
        f'# webhook_secret_env = ""  # variable with the webhook secret\n'
        if v["telegram_env"]
        else '# [telegram]\n# token_env = "…_TELEGRAM_TOKEN"  # variable with the bot token\n'
    )
    return f"""\
# Tenant file of {v["name"]} for ehrenamt-bot (written by `ehrenamt tenant new`).
# Check it with `ehrenamt tenant check` after every change; the service reads
# it at start. Secrets never go in here, only the names of the environment
# variables that hold them (keys ending in _env).

slug = {_q(v["slug"])}                  # part of every URL: /t/{v["slug"]}/…
name = {_q(v["name"])}
timezone = "Europe/Berlin"
languages = [{langs}]     # the first is the default; supported: de, en
address_form = {_q(v["address_form"])}            # "du" or "Sie" in the bot's texts

[region]
center = [{lat}, {lon}]    # latitude, longitude of the region's centre
radius_km = {v["radius"]:g}                # needs and volunteers within this radius are local
show_neighbours = true          # also show needs of neighbouring municipalities (ranked after)

[branding]
bot_name = {_q(v["bot_name"])}
primary_color = {_q(v["color"])}
secondary_color = "#f2f6f9"
# logo = "{v["slug"]}.svg"          # a file in bots/web/static/logos/
# Texts per language; a plain string is the first language's text.
# description = {{ de = "…", en = "…" }}        # shown on the list page and in Telegram
# short_description = {{ de = "…", en = "…" }}  # shown in lists of municipalities

[privacy]
policy_url = {_q(v["policy_url"])}
imprint_url = {_q(v["imprint_url"])}
consent_version = "1"           # raise it when the privacy notice changes: people consent again
retention_months = 12           # data of people inactive this long is deleted (warned before)
# summary = {{ de = "…", en = "…" }}   # one or two sentences shown beside the web chat

[moderation]
required = {"true" if v["moderation"] else "false"}                 # editors review new needs before they are published

[notifications]
quiet_start = "21:00"           # no unsolicited messages between these times
quiet_end = "08:00"
weekly_budget = 5               # at most this many alerts and digests per person and week

{telegram}
# [matrix]
# homeserver = "https://matrix.example.org"
# user_id = "@engagement:example.org"
# password_env = "…_MATRIX_PASSWORD"   # or access_token_env

[districts]
# Places the offline geocoder should know, e.g. city quarters:
# Burtscheid = [50.7606, 6.0939]
"""

"""``ehrenamt geo``: look up places the way the bot does, offline by default."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from core.errors import UnknownPlace
from core.geo.gazetteer import Place
from core.geo.geocoder import resolve_place
from core.tenants import load_tenants

__all__ = ["register"]


def register(subparsers: Any) -> None:
    geo = subparsers.add_parser("geo", help="look up places and postcodes")
    commands = geo.add_subparsers(dest="geo_command", required=True)
    lookup = commands.add_parser(
        "lookup",
        help="resolve a place name or postcode; prints JSON, exit 1 when not found",
    )
    lookup.add_argument("name", help='a place, district or postcode, e.g. "Brand" or 52062')
    lookup.add_argument("--tenant", help="rank this tenant's districts and region first")
    lookup.set_defaults(func=lookup_command)


def lookup_command(args: argparse.Namespace) -> int:
    tenant = None
    if args.tenant:
        tenants = load_tenants(os.environ.get("EHRENAMT_TENANTS_DIR"))
        tenant = tenants.get(args.tenant)
        if tenant is None:
            known = ", ".join(sorted(tenants)) or "none"
            print(f"unknown tenant {args.tenant!r} (known: {known})", file=sys.stderr)
            return 2
    try:
        place = resolve_place(args.name, tenant)
    except UnknownPlace as exc:
        _print({"found": False, "suggestions": exc.suggestions})
        return 1
    _print(place_json(place))
    return 0


def place_json(place: Place) -> dict[str, Any]:
    data: dict[str, Any] = {
        "found": True,
        "name": place.name,
        "lat": place.lat,
        "lon": place.lon,
        "kind": place.kind,
        "source": place.source,
    }
    if place.postcode:
        data["postcode"] = place.postcode
    if place.state:
        data["state"] = place.state
    return data


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False))

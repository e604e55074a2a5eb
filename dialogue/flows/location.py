"""Where a person is: a shared location, a postcode or a place name.

Shared by onboarding and search. Unknown names get suggestions as buttons;
a name several places share ("Neustadt") gets "which one?".
"""

from __future__ import annotations

from typing import Any

from core.errors import UnknownPlace
from core.geo.distance import distance_km
from core.geo.gazetteer import Place
from core.geo.geocoder import lookup_for_tenant, resolve_place
from dialogue.markup import escape
from dialogue.messages import Button, Location
from dialogue.turn import Turn

MAX_CHOICES = 4
# Two places of one name this far apart are different places to ask about.
DISTINCT_KM = 20.0
MAX_NAME = 80


def place_value(lat: float, lon: float, label: str) -> dict[str, Any]:
    return {"lat": round(lat, 5), "lon": round(lon, 5), "label": label}


def from_shared(turn: Turn, location: Location) -> dict[str, Any] | None:
    """A shared location, labelled by the nearest place; None at sea or abroad."""
    if not (-90 <= location.lat <= 90 and -180 <= location.lon <= 180):
        return None
    nearest = turn.app.gazetteer.nearest(location.lat, location.lon)
    if nearest is None:
        return None
    return place_value(location.lat, location.lon, nearest.name)


def _label(place: Place) -> str:
    if place.kind == "postcode" and place.postcode:
        return f"{place.postcode} {place.name}"
    return place.name


def _describe(place: Place) -> str:
    return f"{place.name} ({place.state})" if place.state else place.name


def candidates(turn: Turn, name: str) -> list[Place]:
    """Places called ``name``, best first, only those worth telling apart."""
    places = lookup_for_tenant(name[:MAX_NAME], turn.tenant, turn.app.gazetteer)
    if not places:
        return []
    first = places[0]
    region = turn.tenant.region_center
    if first.kind in ("district", "postcode") or distance_km(region, first.point) <= (
        turn.tenant.region_radius_km * 2
    ):
        return [first]  # the tenant's own place wins without asking
    distinct: list[Place] = []
    for place in places:
        if all(distance_km(place.point, p.point) > DISTINCT_KM for p in distinct):
            distinct.append(place)
        if len(distinct) == MAX_CHOICES:
            break
    return distinct


def resolve(turn: Turn, name: str, slot: str) -> dict[str, Any] | None:
    """Resolve a typed name for ``slot``; on doubt it replies and returns None.

    The choices are kept in the state (``_choices``) so a button can pick one.
    """
    name = name.strip()[:MAX_NAME]
    found = candidates(turn, name)
    t = turn.t
    if len(found) == 1:
        return place_value(found[0].lat, found[0].lon, _label(found[0]))
    if len(found) > 1:
        turn.state.slots["_choices"] = [place_value(p.lat, p.lon, _describe(p)) for p in found]
        buttons = [Button(_describe(p), f"f:{slot}:pick:{i}") for i, p in enumerate(found)]
        turn.say(t("location.which", name=escape(name)), (*buttons, *turn.nav()))
        return None
    try:
        place = resolve_place(name, turn.tenant, turn.app.gazetteer)
        return place_value(place.lat, place.lon, _label(place))
    except UnknownPlace as exc:
        # "Am Sportplatz Haaren": a known place named inside comes first.
        inside = [
            m[2]
            for m in turn.app.gazetteer.find_mentions(name, turn.tenant.districts)
            if m[2].casefold() != name.casefold()
        ]
        suggestions = list(dict.fromkeys([*inside, *exc.suggestions]))[:3]
        turn.state.slots["_suggestions"] = suggestions
        if name.isdigit():
            text = t("error.unknown_postcode", name=escape(name))
        else:
            text = t("error.unknown_place", name=escape(name))
        if suggestions:
            text += "\n" + t("location.did_you_mean")
        else:
            text += " " + t("location.unknown_hint")
        buttons = [Button(s, f"f:{slot}:suggest:{i}") for i, s in enumerate(suggestions)]
        turn.say(text, (*buttons, *turn.nav()), request_location=True)
        return None


def pick(turn: Turn, payload_rest: str, slot: str) -> dict[str, Any] | None:
    """A press on a "which one?" or suggestion button (``pick:<i>``, ``suggest:<i>``)."""
    kind, _, index = payload_rest.partition(":")
    if not index.isdigit():
        return None
    i = int(index)
    if kind == "pick":
        choices = turn.state.slots.get("_choices") or []
        return dict(choices[i]) if i < len(choices) else None
    if kind == "suggest":
        suggestions = turn.state.slots.get("_suggestions") or []
        return resolve(turn, suggestions[i], slot) if i < len(suggestions) else None
    return None

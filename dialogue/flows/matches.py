"""Matches and search results as short cards, "more" paging, need detail.

```mermaid
flowchart LR
  list[Karten 1-5] -->|Mehr| list2[Karten 6-10 (edit)]
  list -->|Nummer| detail[Detail] -->|Mitmachen| signup([Anmeldung + .ics])
  detail -->|Zurück zur Liste| list
```
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import NeedNotOpen, UnknownNeed
from core.geo.distance import distance_km
from core.matching import Match, Reason, VolunteerView
from core.schedule import FULL_MASK
from core.search import NO_FILTER, SearchFilter
from core.services.matches import CardPage, cards_of, matches_for_view
from core.services.needs import need_to_show
from core.services.profiles import get_profile
from dialogue import render
from dialogue.flows import needs, onboarding
from dialogue.markup import clip, escape
from dialogue.messages import Button
from dialogue.nlu.result import ParseResult
from dialogue.registry import on_command, on_intent, on_link, on_payload
from dialogue.turn import Event, Turn

PAGE = 5
TITLE_IN_BUTTON = 28
WIDER = (5, 10, 25, 50, 100)  # km: what an empty search offers next (at most MAX_RADIUS_KM)


async def volunteer_view(turn: Turn) -> tuple[VolunteerView, bool]:
    """The person's profile view, or the tenant's region for people without one."""
    if turn.person is not None:
        profile = await get_profile(turn.app.db, turn.person.id)
        if profile is not None:
            return profile.volunteer_view(), True
    lat, lon = turn.tenant.region_center
    person_id = turn.person.id if turn.person else 0
    return VolunteerView(
        person_id=person_id,
        tenant_id=turn.tenant_id,
        interests=frozenset(),
        qualifications=frozenset(),
        lat=lat,
        lon=lon,
        radius_km=turn.tenant.region_radius_km,
        availability_mask=0,
    ), False


def _show_neighbours(turn: Turn, tenant_id: int) -> bool | None:
    """The tenant's setting from its config (the tenant row mirrors it), when
    the volunteer belongs to the tenant of this conversation."""
    return turn.tenant.show_neighbours if tenant_id == turn.tenant_id else None


MAX_TEXT = 100  # letters of a typed search looked for (as the public list's field)


def filter_from(raw: dict[str, Any] | None) -> SearchFilter:
    if not raw:
        return NO_FILTER
    center = raw.get("center")
    return SearchFilter(
        categories=tuple(raw.get("categories") or ()),
        date_from=date.fromisoformat(raw["date_from"]) if raw.get("date_from") else None,
        date_to=date.fromisoformat(raw["date_to"]) if raw.get("date_to") else None,
        cell_mask=int(raw.get("cell_mask") or 0) & FULL_MASK,
        center=(float(center[0]), float(center[1])) if center else None,
        radius_km=float(raw["radius_km"]) if raw.get("radius_km") else None,
        qualifications=tuple(raw.get("qualifications") or ()),
        words=tuple(str(w) for w in raw.get("words") or ())[:5],
        text=str(raw.get("text") or "")[:MAX_TEXT],
    )


async def finds_any(turn: Turn, flt: dict[str, Any]) -> bool:
    """Whether a search with ``flt`` shows at least one need to this person."""
    volunteer, _ = await volunteer_view(turn)
    page = await matches_for_view(
        turn.app.db,
        volunteer,
        turn.now,
        flt=filter_from(flt),
        tz=ZoneInfo(turn.tenant.timezone),
        limit=1,
        show_neighbours=_show_neighbours(turn, volunteer.tenant_id),
    )
    return bool(page.cards)


async def show(
    turn: Turn,
    *,
    kind: str,
    offset: int = 0,
    flt: dict[str, Any] | None = None,
    profile: VolunteerView | None = None,
    reuse: bool = False,
    intro: str = "",
    extra: tuple[Button, ...] = (),
    keep: bool = True,
) -> None:
    """A page of cards; ``kind`` is "matches" (the profile) or "search".
    ``profile``: the person's view when the caller has just saved it.
    ``reuse``: paging ("more", back to the list) shows the ranking the list
    was made with, kept in the view, instead of ranking again.
    ``keep=False``: nothing of the search is kept in the state (before
    consent), so nothing offers what would need it (more, a wider radius)."""
    t = turn.t
    if flt is None and kind == "search":
        flt = turn.state.view.get("filter") or {}
    stored = _stored_page(turn.state.view, kind, offset, flt or {}) if reuse else None
    if stored is not None:
        matches, has_more, ahead, more_after = stored
        cards = await cards_of(turn.app.db, matches, turn.now)
        page = CardPage(cards, offset, has_more, ahead, more_after)
    else:
        search = filter_from(flt if kind == "search" else None)
        if profile is not None:
            volunteer, has_profile = profile, True
        else:
            volunteer, has_profile = await volunteer_view(turn)
        if kind == "matches" and not has_profile:
            turn.say(t("matches.need_profile"))
            await onboarding.start(turn, welcome=False)
            return
        page = await matches_for_view(
            turn.app.db,
            volunteer,
            turn.now,
            flt=search,
            tz=ZoneInfo(turn.tenant.timezone),
            offset=offset,
            limit=PAGE,
            ahead=PAGE,
            show_neighbours=_show_neighbours(turn, volunteer.tenant_id),
        )
    turn.state.view = (
        {}
        if not keep
        else {
            "kind": kind,
            "offset": offset,
            "filter": flt or {},
            "ids": [c.need.id for c in page.cards],
            "page": [_dump(c.match) for c in page.cards],
            "more": page.has_more,
            "ahead": [_dump(m) for m in page.ahead],
            "more_after": page.more_after_ahead,
        }
    )
    if not page.cards:
        widen: tuple[Button, ...] = ()
        if offset:
            text = t("matches.none_more")
        elif kind == "search":
            text, widen = await _nothing_within(turn, flt or {})
            widen = widen if keep else ()
        else:
            text = t("matches.none")
        turn.say(
            (intro + "\n\n" if intro else "") + text,
            (
                *widen,
                *extra,
                turn.button("menu.search", "menu:search"),
                turn.button("matches.widen", "menu:profile"),
                turn.button("menu.main", "nav:menu"),
            ),
        )
        return
    header = t(f"{kind}.header") if offset == 0 else t("matches.more_header")
    cards = [
        render.card(t, turn.app.taxonomy, offset + i + 1, c, turn.now)
        for i, c in enumerate(page.cards)
    ]
    buttons = [
        Button(f"{offset + i + 1} · {clip(c.need.title, TITLE_IN_BUTTON)}", f"need:{c.need.id}")
        for i, c in enumerate(page.cards)
    ]
    if page.has_more and keep:
        buttons.append(turn.button("matches.more", f"more:{kind}:{offset + PAGE}"))
    buttons.append(
        turn.button("menu.search" if kind == "matches" else "search.again", "menu:search")
    )
    buttons.extend(extra)
    buttons.append(turn.button("menu.main", "nav:menu"))
    text = header + "\n\n" + "\n\n".join(cards)
    turn.say((intro + "\n\n" if intro else "") + text, buttons, edit=offset > 0)


async def _nothing_within(turn: Turn, flt: dict[str, Any]) -> tuple[str, tuple[Button, ...]]:
    """An empty search says how far it looked (and around where) and offers
    the next wider radius (``WIDER``)."""
    place = flt.get("label")
    radius = float(flt["radius_km"]) if flt.get("radius_km") else None
    if radius is None or place is None:
        profile = await get_profile(turn.app.db, turn.person.id) if turn.person else None
        if radius is None:
            radius = profile.radius_km if profile else turn.tenant.region_radius_km
        if place is None and "center" not in flt and profile is not None:
            place = profile.home_label
    km = turn.t.radius(radius)
    if flt.get("text"):  # a plain-word search: say which words found nothing
        words = escape(str(flt["text"])[:MAX_TEXT])
        text = turn.t("search.none_text", text=words, radius=km)
    elif place:
        text = turn.t("search.none_at", radius=km, place=escape(str(place)))
    else:
        text = turn.t("search.none", radius=km)
    wider = next((r for r in WIDER if r > radius), None)
    if wider is None:
        return text, ()
    return text, (turn.button("search.widen", f"widen:{wider}", radius=turn.t.radius(wider)),)


async def widen(turn: Turn, km: int) -> None:
    """The last search again, with a wider radius."""
    view = turn.state.view
    if view.get("kind") != "search" or km not in WIDER:
        await stale(turn)
        return
    flt = {**(view.get("filter") or {}), "radius_km": float(km)}
    await show(turn, kind="search", offset=0, flt=flt)


def _dump(match: Match) -> list[Any]:
    """A match as plain JSON for the view."""
    reasons = [[r.kind, r.value] for r in match.reasons]
    return [match.need_id, match.person_id, match.score, match.distance_km, reasons]


def _load_match(raw: list[Any]) -> Match:
    need_id, person_id, score, distance, reasons = raw
    return Match(
        int(need_id),
        int(person_id),
        float(score),
        tuple(Reason(str(kind), value) for kind, value in reasons),
        None if distance is None else float(distance),
    )


def _stored_page(
    view: dict[str, Any], kind: str, offset: int, flt: dict[str, Any]
) -> tuple[tuple[Match, ...], bool, tuple[Match, ...], bool] | None:
    """(matches, has_more, ahead, more after ahead) of the page at ``offset``
    when the view holds it: the page shown, or the one ranked after it."""
    if view.get("kind") != kind or (view.get("filter") or {}) != flt or "page" not in view:
        return None
    try:
        shown = int(view.get("offset") or 0)
        if offset == shown:
            return (
                tuple(_load_match(m) for m in view["page"]),
                bool(view["more"]),
                tuple(_load_match(m) for m in view["ahead"]),
                bool(view["more_after"]),
            )
        if offset == shown + PAGE and view.get("ahead"):
            return tuple(_load_match(m) for m in view["ahead"]), bool(view["more_after"]), (), False
    except (KeyError, TypeError, ValueError):
        return None  # a view written by an older version: rank again
    return None


async def more(turn: Turn, payload: str) -> None:
    parts = payload.split(":")
    if len(parts) != 3 or parts[1] not in ("matches", "search") or not parts[2].isdigit():
        await stale(turn)
        return
    await show(turn, kind=parts[1], offset=int(parts[2]), reuse=True)


async def detail(turn: Turn, need_id: int) -> None:
    t = turn.t
    try:
        # One they may see; one over is shown as "Termin vorbei", without a sign-up.
        need = await need_to_show(turn.app.db, need_id, tenant_id=turn.tenant_id, now=turn.now)
    except UnknownNeed:
        turn.say(t("error.unknown_need"), turn.menu())
        return
    except NeedNotOpen:  # cancelled or closed early
        turn.say(t("error.need_not_open"), turn.menu())
        return
    volunteer, _ = await volunteer_view(turn)
    center = (turn.state.view.get("filter") or {}).get("center")
    origin = tuple(center) if center else (volunteer.lat, volunteer.lon)
    km = None
    if need.lat is not None and need.lon is not None and origin[0] is not None:
        km = distance_km((float(origin[0]), float(origin[1])), (need.lat, need.lon))  # type: ignore[arg-type]
    turn.state.view["need"] = need.id
    text = render.detail(t, turn.app.taxonomy, need, km, turn.now)
    open_ = render.signup_open(need, turn.now)
    missing = (
        [
            q
            for q in need.qualifications
            if q not in volunteer.qualifications
            and q not in (turn.state.view.get("answered") or ())
        ]
        if turn.person is not None and need.places_open > 0 and open_
        else []
    )
    buttons: list[Button] = []
    if not open_:
        pass  # "Termin vorbei": nothing to sign up for
    elif missing:
        # The detail is the one step before signing up: it asks for what the
        # need requires, and the answer signs up.
        question, buttons = needs.qualification_question(turn, need.id, missing[0])
        text += "\n\n" + question
    else:
        key = "need.signup" if need.places_open > 0 else "need.waitlist"
        buttons = [turn.button(key, f"need:{need.id}:signup")]
    # A question to the organisation, before signing up; without consent
    # yet the button asks for it first (dialogue/flows/relay.py).
    buttons.append(turn.button("talk.ask_button", f"rel:ask:{need.id}"))
    if turn.state.view.get("ids"):
        buttons.append(turn.button("need.back_to_list", "nav:list"))
    buttons.append(turn.button("menu.main", "nav:menu"))
    turn.say(text, buttons)


async def back_to_list(turn: Turn) -> None:
    view = turn.state.view
    if view.get("kind") in ("matches", "search"):
        await show(
            turn,
            kind=view["kind"],
            offset=int(view.get("offset") or 0),
            flt=view.get("filter"),
            reuse=True,
        )
    else:
        await stale(turn)


async def stale(turn: Turn) -> None:
    turn.say(turn.t("error.stale_button"), turn.menu())


def describe_filter(turn: Turn, flt: dict[str, Any]) -> str:
    t = turn.t
    parts: list[str] = []
    for code in flt.get("categories") or ():
        parts.append(turn.app.taxonomy.label(code, turn.lang))
    if flt.get("label"):
        parts.append(flt["label"])
    if flt.get("when"):
        parts.append(t(f"search.when.{flt['when']}"))
    return escape(", ".join(parts))


# -- routes ----------------------------------------------------------------------


@on_command("matches")
async def _matches_command(turn: Turn, args: str) -> None:
    await show(turn, kind="matches")


@on_intent("show_matches")
async def _matches_intent(turn: Turn, parse: ParseResult) -> None:
    turn.state.finish()
    await show(turn, kind="matches")


@on_payload("need", r"\d{1,12}")
async def _detail_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await detail(turn, int(match.group(0)))


@on_link(r"need_(\d{1,12})")
async def _need_link(turn: Turn, args: str) -> None:
    await detail(turn, int(args.partition("_")[2]))


@on_payload("widen", r"\d{1,3}")
async def _widen_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await widen(turn, int(match.group(0)))


@on_payload("more")
async def _more_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await more(turn, event.payload)

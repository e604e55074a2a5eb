"""Posting a need by message, for people linked to an organisation.

"Wir brauchen morgen 3 Leute für die Tafel, 10-14 Uhr" fills title, date,
time, count and category at once; the bot asks only for what is missing,
shows a preview and posts on confirmation (``needs.post_need``).

```mermaid
flowchart LR
  text[Nachricht] --> org --> title --> category --> day --> time --> count --> place --> preview
  preview -->|veröffentlichen| post([post_need: Prüfung oder veröffentlicht])
```
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import DomainError
from core.schedule import local_range
from core.services.needs import MAX_HELPERS, NeedInput, post_need
from core.services.org_links import organisations_of_person
from core.taxonomy import CATEGORY_CODES
from dialogue.flows import location as places
from dialogue.flows import onboarding
from dialogue.flows.form import (
    NOTHING,
    Form,
    Outcome,
    Slot,
    ask_next,
    choice,
    derived,
    entity,
    prompt_reply,
)
from dialogue.markup import escape
from dialogue.messages import Button
from dialogue.nlu.result import ParseResult
from dialogue.registry import on_command, on_intent, on_link, register_form
from dialogue.turn import Event, Turn
from dialogue.understanding import word_of

_FOR = re.compile(
    r"\b(?:für|fuer|for|bei|beim|at)\s+((?:die|den|das|dem|der|the|our|unsere[nmr]?)\s+)?"
    r"([\wäöüÄÖÜß\-]+(?:\s+[A-ZÄÖÜ][\wäöüß\-]+)?)"
)
_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*(?:-|–|bis|to)\s*(\d{1,2})(?::(\d{2}))?")


def guess_title(turn: Turn, text: str) -> str | None:
    match = _FOR.search(text)
    if not match:
        return None
    what = (match.group(1) or "") + match.group(2)
    return turn.t("post.title_for", what=what.strip())[:120]


async def ask_org(turn: Turn) -> None:
    orgs = turn.state.slots.get("_orgs") or []
    buttons = [Button(name, f"f:org:{oid}") for oid, name in orgs]
    prompt_reply(turn, SLOTS["org"], buttons=buttons)


async def accept_org(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button":
        value = event.payload.split(":")[-1]
        ids = {str(oid) for oid, _ in turn.state.slots.get("_orgs") or []}
        if value in ids:
            return Outcome({"org": int(value)})
    return NOTHING


async def ask_title(turn: Turn) -> None:
    prompt_reply(turn, SLOTS["title"])


async def accept_title(turn: Turn, event: Event) -> Outcome:
    if event.kind == "text" and 3 <= len(event.text.strip()) <= 120:
        return Outcome({"title": event.text.strip()})
    if event.kind == "text" and event.text.strip():
        turn.say(turn.t("post.title_invalid"))
        await ask_title(turn)
        return Outcome(replied=True)
    return NOTHING


async def ask_category(turn: Turn) -> None:
    tax = turn.app.taxonomy
    buttons = [
        Button(f"{tax.emoji(c)} {tax.label(c, turn.lang)}".strip(), f"f:category:{c}")
        for c in CATEGORY_CODES
    ]
    prompt_reply(turn, SLOTS["category"], buttons=buttons, per_row=2)


async def accept_category(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button":
        value = event.payload.split(":")[-1]
        if value in CATEGORY_CODES:
            return Outcome({"category": value})
    return NOTHING


async def ask_day(turn: Turn) -> None:
    prompt_reply(turn, SLOTS["day"])


async def accept_day(turn: Turn, event: Event) -> Outcome:
    return NOTHING  # dates come from the NLU's date entity ("morgen", "5.12.")


async def ask_time(turn: Turn) -> None:
    prompt_reply(turn, SLOTS["time"])


def _time_range(text: str) -> dict[str, str] | None:
    match = _TIME.match(text)
    if not match:
        return None
    h1, m1, h2, m2 = match.groups()
    try:
        start, end = time(int(h1), int(m1 or 0)), time(int(h2), int(m2 or 0))
    except ValueError:
        return None
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


async def accept_time(turn: Turn, event: Event) -> Outcome:
    if event.kind == "text":
        value = _time_range(event.text)
        if value:
            return Outcome({"time": value})
    return NOTHING


async def ask_count(turn: Turn) -> None:
    buttons = [Button(str(n), f"f:count:{n}") for n in (1, 2, 3, 5, 10)]
    prompt_reply(turn, SLOTS["count"], buttons=buttons, per_row=5)


async def accept_count(turn: Turn, event: Event) -> Outcome:
    raw = event.payload.split(":")[-1] if event.kind == "button" else event.text.strip()
    if raw.isdigit() and 1 <= int(raw) <= MAX_HELPERS:
        return Outcome({"count": int(raw)})
    return NOTHING


async def ask_place(turn: Turn) -> None:
    prompt_reply(
        turn,
        SLOTS["place"],
        buttons=(turn.button("post.remote", "f:place:remote"),),
        request_location=True,
    )


async def accept_place(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button":
        rest = event.payload.split(":", 2)[2]
        if rest == "remote":
            return Outcome({"place": {"remote": True, "label": turn.t("post.remote")}})
        value = places.pick(turn, rest, "place")
        return Outcome({"place": value}) if value else Outcome(replied=bool(turn.replies))
    if event.kind == "location" and event.location is not None:
        shared = places.from_shared(turn, event.location)
        if shared is None:
            turn.say(turn.t("error.location_nowhere"), turn.nav(), request_location=True)
            return Outcome(replied=True)
        return Outcome({"place": shared})
    if event.kind == "text" and event.text.strip():
        value = places.resolve(turn, event.text, "place")
        return Outcome({"place": value}) if value else Outcome(replied=True)
    return NOTHING


def preview(turn: Turn) -> str:
    s, t = turn.state.slots, turn.t
    start, end = _range(turn)
    org_name = dict((oid, name) for oid, name in s.get("_orgs") or []).get(s.get("org"), "")
    return "\n".join(
        [
            t("post.preview"),
            f"<b>{escape(s.get('title', ''))}</b>",
            escape(org_name),
            t("need.when", when=escape(t.when_range(start, end))),
            t("need.where", where=escape((s.get("place") or {}).get("label", ""))),
            t(
                "need.category",
                category=escape(turn.app.taxonomy.label(s.get("category", ""), turn.lang)),
            ),
            t("post.count", count=s.get("count", 1)),
        ]
    )


def _range(turn: Turn) -> tuple[Any, Any]:
    s = turn.state.slots
    tz = ZoneInfo(turn.tenant.timezone)
    day = date.fromisoformat(s["day"])
    times = s["time"]
    return local_range(
        day, time.fromisoformat(times["start"]), time.fromisoformat(times["end"]), tz
    )


async def ask_confirm(turn: Turn) -> None:
    turn.say(preview(turn), (turn.button("post.publish", "f:confirm:yes"), *turn.nav()))


async def accept_confirm(turn: Turn, event: Event) -> Outcome:
    if (event.kind == "button" and event.payload.endswith(":yes")) or (
        event.kind == "text" and word_of(event.text) == "yes"
    ):
        return Outcome({"confirm": True})
    return NOTHING


# How a free text fills each slot (the form's reading is derived from these).


def _future_day(turn: Turn, values: list[str]) -> str | None:
    try:
        if date.fromisoformat(values[0]) >= turn.now.astimezone(turn.t.tz).date():
            return values[0]
    except ValueError:
        pass
    return None


def _time_range(turn: Turn, values: list[str]) -> dict[str, str] | None:
    return {"start": values[0], "end": values[1]} if len(values) >= 2 else None


def _helper_count(turn: Turn, values: list[str]) -> int | None:
    counts = [c for c in values if c.isdigit() and 1 <= int(c) <= MAX_HELPERS]
    return int(counts[0]) if counts else None


def _known_place(turn: Turn, values: list[str]) -> dict[str, Any] | None:
    for name in values:
        found = places.candidates(turn, name)
        if found:
            return places.place_value(found[0].lat, found[0].lon, found[0].name)
    return None


def _guessed_title(turn: Turn, parse: ParseResult) -> str | None:
    if "title" in turn.state.slots or turn.state.slot == "title":
        return None
    return guess_title(turn, parse.text) or None


async def complete(turn: Turn) -> None:
    s, t = turn.state.slots, turn.t
    start, end = _range(turn)
    place = s.get("place") or {}
    data = NeedInput(
        title=s["title"],
        category=s["category"],
        remote=bool(place.get("remote")),
        lat=place.get("lat"),
        lon=place.get("lon"),
        place_label=place.get("label"),
        starts_at=start,
        ends_at=end,
        helpers_wanted=int(s.get("count", 1)),
    )
    try:
        ref = await post_need(
            turn.app.db,
            organisation_id=int(s["org"]),
            data=data,
            taxonomy=turn.app.taxonomy,
            places=turn.app.places,
            now=turn.now,
            tz=ZoneInfo(turn.tenant.timezone),
            actor=f"person:{turn.person.id if turn.person else 0}",
            created_by_person_id=turn.person.id if turn.person else None,
        )
    except DomainError as exc:
        turn.say(t(exc.key), turn.nav(back=True))
        turn.state.slots.pop("confirm", None)
        return
    turn.state.finish()
    key = "post.published" if ref.status.value == "published" else "post.pending"
    turn.say(t(key), turn.menu())


SLOTS = {
    "org": Slot("org", "post.ask_org", ("button",), ask_org, accept_org),
    "title": Slot(
        "title",
        "post.ask_title",
        ("text",),
        ask_title,
        accept_title,
        kind=derived(_guessed_title),
    ),
    "category": Slot(
        "category",
        "post.ask_category",
        ("entity:category", "button"),
        ask_category,
        accept_category,
        kind=choice("category", CATEGORY_CODES),
    ),
    "day": Slot(
        "day",
        "post.ask_day",
        ("entity:date",),
        ask_day,
        accept_day,
        kind=entity("date", _future_day),
    ),
    "time": Slot(
        "time",
        "post.ask_time",
        ("entity:time", "text"),
        ask_time,
        accept_time,
        kind=entity("time", _time_range),
    ),
    "count": Slot(
        "count",
        "post.ask_count",
        ("entity:count", "button", "text"),
        ask_count,
        accept_count,
        kind=entity("count", _helper_count),
    ),
    "place": Slot(
        "place",
        "post.ask_place",
        ("entity:place", "entity:postcode", "location", "button", "text"),
        ask_place,
        accept_place,
        kind=entity(("postcode", "place"), _known_place),
    ),
    "confirm": Slot("confirm", "post.preview", ("button", "text"), ask_confirm, accept_confirm),
}
FORM = register_form(Form("post_need", tuple(SLOTS.values()), None, complete))


async def may_post(turn: Turn) -> bool:
    if turn.person is None:
        return False
    return bool(await organisations_of_person(turn.app.db, turn.person.id))


async def start(turn: Turn, parse: ParseResult | None = None) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("post.not_linked"), turn.menu())
        return
    orgs = await organisations_of_person(turn.app.db, turn.person.id)
    if not orgs:
        turn.say(t("post.not_linked"), turn.menu())
        return
    turn.state.start("post_need", {"_orgs": [[o.id, o.name] for o in orgs]})
    if len(orgs) == 1:
        turn.state.slots["org"] = orgs[0].id
    if parse is not None:
        turn.state.slots.update(await FORM.fill(turn, parse))
    await ask_next(turn, FORM)


async def join_organisation(turn: Turn, start_arg: str) -> None:
    """``/start org_<code>`` from an invite link: this chat may now post needs
    for that organisation. Without consent there is no person to link yet."""
    from core.services.org_invites import redeem

    t = turn.t
    if turn.person is None:
        turn.state.pending = f"org:{start_arg}"
        turn.say(t("post.join_needs_consent"))
        await onboarding.start(turn)
        return
    try:
        joined = await redeem(turn.app.db, start_arg, turn.person.id, turn.now)
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    key = "post.join_again" if joined.already_member else "post.joined"
    turn.say(
        t(key, organisation=escape(joined.organisation)),
        (turn.button("menu.post", "menu:post"), turn.button("menu.main", "nav:menu")),
    )


async def link_editor(turn: Turn, start_arg: str) -> None:
    """``/start ed_<code>`` from the editorial area: the Redaktion's notices
    (needs waiting for review) reach this chat too."""
    from core.services.editor_links import redeem

    t = turn.t
    if turn.person is None:
        turn.say(t("post.editor_needs_consent"))
        await onboarding.start(turn)
        return
    try:
        await redeem(turn.app.db, start_arg, turn.person.id, turn.now)
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    turn.say(t("post.editor_linked"), turn.menu())


# -- routes ----------------------------------------------------------------------


@on_command("post")
async def _post_command(turn: Turn, args: str) -> None:
    await start(turn)


@on_intent("post_need")
async def _post_intent(turn: Turn, parse: ParseResult) -> None:
    await start(turn, parse)


@on_link(r"(?s)org_.*")
async def _organisation_link(turn: Turn, args: str) -> None:
    await join_organisation(turn, args)


@on_link(r"(?s)ed_.*")
async def _editor_link(turn: Turn, args: str) -> None:
    await link_editor(turn, args)

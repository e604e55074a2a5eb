"""Onboarding: consent, interests, location, radius, availability,
qualifications, alerts; the read-back comes with the first matches. Also the
profile edit (the same form, filled from the profile, with a read-back).

```mermaid
flowchart LR
  text[Text vor Zustimmung] -->|gehalten im Zustand| consent
  consent{Verstanden: … Darf ich mir das merken?} -->|ja| interests --> location --> radius --> availability --> qualifications --> alerts --> save
  consent -->|nein| stop([nichts gespeichert, Suche ohne Profil])
  save([Profil speichern]) --> list[Read-back + Treffer, Knopf „Ändern“]
  profile[/profil] --> confirm -->|ändern| pick[welcher Punkt?] --> interests & location & radius & availability & qualifications & alerts
```

A free text fills every slot it names ("samstags vormittags in Burtscheid
mit Kindern"); radius, qualifications and alerts then take their defaults and
the profile is saved at once. No Person row exists before consent: a text
typed before it is held as the values it gave, in the conversation state only
(``slots["_held"]``), read back with the consent question, used on "yes" and
dropped on "no".
"""

from __future__ import annotations

import re
from typing import Any

from core.availability import ALL_CELLS, DAYPARTS, DAYS
from core.services.org_links import organisations_of_person
from core.services.people import register_with_consent
from core.services.profiles import MAX_RADIUS_KM, ProfileData, get_profile, save_profile
from core.taxonomy import CATEGORY_CODES, Taxonomy
from dialogue import routing
from dialogue.flows import location as places
from dialogue.flows import matches, offers
from dialogue.flows.form import NOTHING, Form, Outcome, Slot, ask_next, prompt_reply, toggle
from dialogue.markup import escape
from dialogue.messages import Button
from dialogue.nlu.result import ParseResult
from dialogue.registry import on_command, register_form
from dialogue.render import week
from dialogue.turn import Event, Turn
from dialogue.understanding import word_of

RADII = (2, 5, 10, 25)
DEFAULT_RADIUS = 10
WEEKDAYS = DAYS[:5]
PRESETS: dict[str, tuple[str, ...]] = {
    "wd_vormittag": tuple(f"{d}:vormittag" for d in WEEKDAYS),
    "wd_nachmittag": tuple(f"{d}:nachmittag" for d in WEEKDAYS),
    "wd_abend": tuple(f"{d}:abend" for d in WEEKDAYS),
    "weekend": tuple(f"{d}:{p}" for d in ("sa", "so") for p in DAYPARTS),
    "any": ALL_CELLS,
}
EDITABLE = ("interests", "location", "radius", "availability", "qualifications", "alerts")


def _answer(event: Event) -> str | None:
    """yes/no from a button, a fixed word or the intent."""
    if event.kind == "button":
        return event.payload.rsplit(":", 1)[-1]
    if event.kind == "text":
        word = word_of(event.text)
        if word in ("yes", "no"):
            return word
        if event.parse is not None and event.parse.confidence >= 0.5:
            if event.parse.intent == "affirm":
                return "yes"
            if event.parse.intent == "deny":
                return "no"
    return None


# -- consent -------------------------------------------------------------------


def has_consent(turn: Turn) -> bool:
    return (
        turn.person is not None
        and turn.person.consent_version == turn.tenant.privacy.consent_version
    )


# Intents that mean "I want to help" even when the text names nothing we can use
# (an offer too: "Ich habe einen Transporter" before consent asks for consent,
# never says "type /start").
_WANTS_TO_HELP = frozenset(
    {"find_engagement", "inform", "post_offer", "search", "show_matches", "sign_up"}
)


async def before_consent(turn: Turn, event: Event, *, interrupt: bool) -> bool:
    """A text before consent: what it says is kept in the conversation state
    only (``slots["_held"]``) and the consent question shows what was
    understood. True when answered here; False leaves the text to the engine
    (a yes or no to the question, help, a language, ...)."""
    state = turn.state
    if state.flow not in (None, "onboarding") or (state.flow and state.slot != "consent"):
        return False
    if state.declined and state.flow is None:
        return False  # they said no: a text is a search now
    parse = event.parse
    if parse is None:
        return False
    values = await extract(turn, parse)
    values.pop("alerts", None)
    held = dict(state.slots.get("_held") or {})
    held.update(values)
    carries = bool(values or parse.entities or parse.availability)
    if not carries and state.flow == "onboarding" and _answer(event) in ("yes", "no"):
        return False  # accept_consent takes it
    # Consent is given only by a clear yes: a text that says something else
    # ("gerne mit Tieren") is held and read back, never taken for a yes.
    if interrupt and not values:
        return False  # help, privacy, language, delete: the engine answers
    if not carries and parse.intent not in _WANTS_TO_HELP | {"greet"}:
        return False
    welcome = state.flow is None
    if welcome:
        state.start("onboarding")
        turn.say(
            turn.t(
                "welcome",
                tenant=escape(turn.tenant.name),
                bot=escape(turn.tenant.branding.bot_name),
            )
        )
    if held:
        state.slots["_held"] = held
    state.slot = "consent"
    state.push_asked("consent")
    await ask_consent(turn)
    return True


def understood(turn: Turn, values: dict[str, Any]) -> str:
    """ "Tiere · Brand · Mi abends": what a text before consent said."""
    t, taxonomy = turn.t, turn.app.taxonomy
    parts = [taxonomy.label(c, turn.lang) for c in values.get("interests") or ()]
    if values.get("location"):
        parts.append(str(values["location"].get("label", "")))
    if "radius" in values:
        parts.append(t.radius(float(values["radius"])))
    avail = values.get("availability") or {}
    if avail.get("cells") or avail.get("spontaneous"):
        parts.append(week(t, avail.get("cells", []), bool(avail.get("spontaneous"))))
    parts += [
        qualification_label(taxonomy, q, turn.lang) for q in values.get("qualifications") or ()
    ]
    return " · ".join(p for p in parts if p)


async def ask_consent(turn: Turn) -> None:
    t = turn.t
    link = f'<a href="{escape(turn.tenant.privacy.policy_url)}">{t("consent.link")}</a>'
    held = turn.state.slots.get("_held") or {}
    said = understood(turn, held)  # empty when only an offer was said
    text = (
        t("consent.ask_understood", understood=escape(said), link=link)
        if said
        else t("consent.ask", link=link)
    )
    text += offers.holding_note(turn, held)
    turn.say(
        text,
        (
            turn.yes_button("consent.yes", "f:consent:yes"),
            turn.no_button("consent.no", "f:consent:no"),
        ),
    )


def t_button(turn: Turn, key: str, payload: str) -> Button:
    return Button(turn.t(key), payload)


async def accept_consent(turn: Turn, event: Event) -> Outcome:
    answer = _answer(event)
    if answer == "yes":
        version = turn.tenant.privacy.consent_version
        turn.person = await register_with_consent(
            turn.app.db,
            tenant_slug=turn.tenant.slug,
            identity=turn.identity,
            consent_version=version,
            language=turn.lang,
            now=turn.now,
        )
        turn.say(turn.t("consent.thanks"))
        turn.state.declined = False
        # What was said before goes on as if said now.
        held = turn.state.slots.pop("_held", None) or {}
        if turn.state.pending:
            return Outcome({"consent": version, **held}, replied=await _run_pending(turn))
        return Outcome({"consent": version, **held})
    if answer == "no":
        # Nothing of what was typed stays: the state's slots go (the row keeps
        # only the buttons below), channels that keep a transcript drop it.
        offered = offers.HELD_SLOT in (turn.state.slots.get("_held") or {})
        relayed = _relay_pending(turn.state.pending)
        turn.state.finish()
        turn.state.pending = None
        turn.state.view = {}
        turn.state.declined = True
        turn.meta["forget_transcript"] = "1"
        if offered:  # an offer said before the question: not kept either
            turn.say(turn.t("offers.held_not_stored"))
        if relayed:  # a question or contact detail they wanted to pass on
            turn.say(turn.t("talk.consent_declined"), turn.menu())
            turn.meta.pop("forget_transcript", None)
            return Outcome(replied=True)
        turn.say(
            turn.t("consent.declined"),
            (
                t_button(turn, "consent.yes_after_all", "menu:start"),
                t_button(turn, "menu.search", "menu:search"),
                t_button(turn, "menu.help", "nav:help"),
            ),
        )
        turn.meta.pop("forget_transcript", None)
        return Outcome(replied=True)
    return NOTHING


async def _run_pending(turn: Turn) -> bool:
    """A sign-up (or an organisation's link) opened before consent runs right after it."""
    payload, turn.state.pending = turn.state.pending, None
    if payload and payload.startswith("org:"):
        # Someone who came to speak for an organisation lands on its menu
        # (dialogue/flows/post_need.py, join_organisation); the volunteer
        # questions are a button there. A link that no longer works leaves
        # them with the questions, as anyone who consents.
        turn.state.org_member = False  # a new person: a member only by this link
        await routing.follow_link(turn, payload.removeprefix("org:"))
        if turn.state.org_member:
            turn.state.finish()
            return True
        return False
    if _relay_pending(payload) or (
        payload and payload.startswith("need:") and payload.endswith(":signup")
    ):
        turn.state.finish()
        await routing.press(turn, Event("button", payload=payload))
        return True
    return False


def _relay_pending(payload: str | None) -> bool:
    """A question to an organisation or ``/kontakt`` waiting for consent
    (``dialogue/flows/relay.py``, ``consent_first``)."""
    return bool(payload) and (str(payload).startswith("rel:") or payload == "menu:contact")


# -- interests -------------------------------------------------------------------


async def ask_interests(turn: Turn) -> None:
    chosen = set(turn.state.slots.get("_interests", []))
    taxonomy = turn.app.taxonomy
    buttons = []
    for code in CATEGORY_CODES:
        mark = "✅ " if code in chosen else f"{taxonomy.emoji(code)} "
        buttons.append(Button(mark + taxonomy.label(code, turn.lang), f"f:interests:{code}"))
    buttons.append(Button(turn.t("interests.done"), "f:interests:done"))
    text = turn.t("interests.ask")
    if chosen:
        labels = ", ".join(taxonomy.label(c, turn.lang) for c in CATEGORY_CODES if c in chosen)
        text += "\n" + turn.t("interests.chosen", labels=escape(labels))
    prompt_reply(turn, SLOTS["interests"], text, buttons=buttons, per_row=2)


async def accept_interests(turn: Turn, event: Event) -> Outcome:
    pressed = toggle(turn, event, "interests", CATEGORY_CODES)
    if pressed is not None:
        return pressed
    if event.kind == "text":
        if word_of(event.text) in ("done", "yes"):
            return Outcome({"interests": list(turn.state.slots.get("_interests", []))})
        if turn.t("interests.any_word") in event.text.casefold():
            return Outcome({"interests": []})
    return NOTHING


# -- location --------------------------------------------------------------------


async def ask_location(turn: Turn) -> None:
    prompt_reply(turn, SLOTS["location"], request_location=True)


async def accept_location(turn: Turn, event: Event) -> Outcome:
    if event.kind == "location" and event.location is not None:
        value = places.from_shared(turn, event.location)
        if value is None:
            turn.say(turn.t("error.location_nowhere"), turn.nav(), request_location=True)
            return Outcome(replied=True)
        return Outcome({"location": value})
    if event.kind == "button":
        value = places.pick(turn, event.payload.split(":", 2)[2], "location")
        if value is None:
            return Outcome(replied=bool(turn.replies))
        return Outcome({"location": value})
    if event.kind == "text" and event.text.strip():
        value = places.resolve(turn, event.text, "location")
        return Outcome({"location": value}) if value else Outcome(replied=True)
    return NOTHING


# -- radius ----------------------------------------------------------------------


async def ask_radius(turn: Turn) -> None:
    buttons = [Button(turn.t.radius(r), f"f:radius:{r}") for r in RADII]
    prompt_reply(turn, SLOTS["radius"], buttons=buttons, per_row=4)


def _radius(value: str) -> float | None:
    try:
        radius = float(value.replace(",", ".").lower().replace("km", "").strip())
    except ValueError:
        return None
    return radius if 0 < radius <= MAX_RADIUS_KM else None


async def accept_radius(turn: Turn, event: Event) -> Outcome:
    raw = event.payload.split(":", 2)[2] if event.kind == "button" else event.text
    radius = _radius(raw) if raw else None
    if radius is None:
        if event.kind == "text" and raw and any(c.isdigit() for c in raw):
            turn.say(turn.t("error.invalid_radius", max=int(MAX_RADIUS_KM)))
            await ask_radius(turn)
            return Outcome(replied=True)
        return NOTHING
    return Outcome({"radius": radius})


# -- availability ------------------------------------------------------------------


async def ask_availability(turn: Turn) -> None:
    pending = turn.state.slots.get("_availability") or {"cells": [], "spontaneous": False}
    cells = set(pending["cells"])
    buttons = []
    for name, preset in PRESETS.items():
        mark = "✅ " if cells >= set(preset) else ""
        buttons.append(Button(mark + turn.t(f"availability.{name}"), f"f:availability:{name}"))
    mark = "✅ " if pending.get("spontaneous") else ""
    buttons.append(Button(mark + turn.t("availability.spontaneous"), "f:availability:spontaneous"))
    buttons.append(Button(turn.t("availability.done"), "f:availability:done"))
    text = turn.t("availability.ask")
    if cells or pending.get("spontaneous"):
        text += "\n" + turn.t(
            "availability.chosen",
            week=escape(week(turn.t, cells, bool(pending.get("spontaneous")))),
        )
    prompt_reply(turn, SLOTS["availability"], text, buttons=buttons, per_row=2)


async def accept_availability(turn: Turn, event: Event) -> Outcome:
    pending = dict(turn.state.slots.get("_availability") or {"cells": [], "spontaneous": False})
    if event.kind == "button":
        value = event.payload.split(":", 2)[2]
        if value == "done":
            if not pending["cells"] and not pending["spontaneous"]:
                pending["cells"] = list(ALL_CELLS)  # "no preference": any time fits
            return Outcome({"availability": pending})
        if value == "spontaneous":
            pending["spontaneous"] = not pending["spontaneous"]
        elif value in PRESETS:
            cells = set(pending["cells"])
            preset = set(PRESETS[value])
            pending["cells"] = sorted(
                cells - preset if cells >= preset else cells | preset, key=ALL_CELLS.index
            )
        else:
            return NOTHING
        turn.state.slots["_availability"] = pending
        return Outcome(stay=True)
    if event.kind == "text" and word_of(event.text) in ("done", "yes"):
        return await accept_availability(turn, _button("f:availability:done"))
    if event.kind == "text":
        # An answer to this question is read as a time even when written as
        # one word ("Mittwochabend hätte ich Zeit"): split and read again.
        split = _COMPOUND.sub(r"\1 \2", event.text)
        if split != event.text:
            parse = await turn.understanding.parse(
                split, turn.lang, now=turn.now, tz=turn.tenant.timezone,
                districts=turn.tenant.districts,
            )  # fmt: skip
            if parse.availability or parse.spontaneous:
                return Outcome(
                    {"availability": {"cells": list(parse.availability),
                                      "spontaneous": parse.spontaneous}}
                )  # fmt: skip
    return NOTHING


_COMPOUND = re.compile(
    r"\b(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)"
    r"(vormittag|nachmittag|abend|morgen|mittag)",
    re.I,
)


def _button(payload: str) -> Event:
    return Event(kind="button", payload=payload)


# -- qualifications ------------------------------------------------------------------


def qualification_label(taxonomy: Taxonomy, code: str, lang: str) -> str:
    """A qualification's label ("handwerk" is also a category, with another label)."""
    return taxonomy.qualification_label(code, lang)


# Offered as buttons; languages ("sprache:<iso>") come from free text.
QUALIFICATION_BUTTONS = (
    "fuehrungszeugnis",
    "fuehrerschein",
    "erste_hilfe",
    "paedagogik",
    "pflege",
    "handwerk",
    "it",
)
_NEGATION = frozenset(
    "kein keine keinen keinem keiner nicht ohne nie no not without don't dont haven't "
    "havent never".split()
)
_CLAUSE = re.compile(r"[,;.!?]|\b(?:aber|und|sondern|but|and)\b", re.I)


def qualifications_of(turn: Turn, parse: ParseResult) -> tuple[list[str], list[str]]:
    """(has, lacks) from the ``qualification`` entities of a text: one said
    in the same clause as a negation ("habe ich nicht", "kein …") is lacked."""
    has: list[str] = []
    lacks: list[str] = []
    text = parse.text
    bounds = [0, *(m.start() for m in _CLAUSE.finditer(text)), len(text)]
    for entity in parse.entities:
        code = entity.value
        if entity.entity != "qualification" or not turn.app.taxonomy.is_qualification(code):
            continue
        start = max(b for b in bounds if b <= entity.start)
        end = min((b for b in bounds if b > entity.start), default=len(text))
        words = set(re.findall(r"[\w']+", text[start:end].casefold()))
        (lacks if words & _NEGATION else has).append(code)
    return list(dict.fromkeys(has)), list(dict.fromkeys(lacks))


async def ask_qualifications(turn: Turn) -> None:
    chosen = set(turn.state.slots.get("_qualifications", []))
    taxonomy = turn.app.taxonomy
    buttons = [
        Button(
            ("✅ " if code in chosen else "") + qualification_label(taxonomy, code, turn.lang),
            f"f:qualifications:{code}",
        )
        for code in QUALIFICATION_BUTTONS
    ]
    buttons.append(Button(turn.t("qualifications.done"), "f:qualifications:done"))
    text = turn.t("qualifications.ask")
    if chosen:
        labels = ", ".join(qualification_label(taxonomy, c, turn.lang) for c in chosen)
        text += "\n" + turn.t("interests.chosen", labels=escape(labels))
    prompt_reply(turn, SLOTS["qualifications"], text, buttons=buttons, per_row=2)


async def accept_qualifications(turn: Turn, event: Event) -> Outcome:
    pressed = toggle(turn, event, "qualifications", QUALIFICATION_BUTTONS)
    if pressed is not None:
        return pressed
    if event.kind == "text" and word_of(event.text) in ("done", "yes", "no"):
        return Outcome({"qualifications": list(turn.state.slots.get("_qualifications", []))})
    return NOTHING


# -- alerts ------------------------------------------------------------------------


async def ask_alerts(turn: Turn) -> None:
    prompt_reply(
        turn,
        SLOTS["alerts"],
        buttons=(
            turn.yes_button("alerts.yes", "f:alerts:yes"),
            turn.no_button("alerts.no", "f:alerts:no"),
        ),
    )


async def accept_alerts(turn: Turn, event: Event) -> Outcome:
    answer = _answer(event)
    if answer in ("yes", "no"):
        return Outcome({"alerts": answer == "yes"})
    return NOTHING


# -- read-back -----------------------------------------------------------------------


def summary(turn: Turn, slots: dict[str, Any]) -> str:
    t, taxonomy = turn.t, turn.app.taxonomy
    interests = slots.get("interests") or []
    labels = ", ".join(taxonomy.label(c, turn.lang) for c in interests) or t("summary.any")
    location = slots.get("location") or {}
    avail = slots.get("availability") or {}
    lines = [
        t("summary.interests", value=escape(labels)),
        t(
            "summary.location",
            value=escape(location.get("label", "–")),
            radius=t.radius(float(slots.get("radius", DEFAULT_RADIUS))),
        ),
        t(
            "summary.availability",
            value=escape(week(t, avail.get("cells", []), bool(avail.get("spontaneous")))),
        ),
        t("summary.alerts", value=t("summary.yes" if slots.get("alerts") else "summary.no")),
    ]
    quals = slots.get("qualifications") or []
    if quals:
        labels = ", ".join(qualification_label(taxonomy, q, turn.lang) for q in quals)
        lines.append(t("summary.qualifications", value=escape(labels)))
    if "_name" in slots:  # the profile: the name organisations see, changeable
        name = escape(slots["_name"]) if slots["_name"] else t("summary.no_name")
        lines.append(t("summary.display_name", value=name))
    return "\n".join(lines)


async def ask_confirm(turn: Turn) -> None:
    text = turn.t("confirm.ask") + "\n" + summary(turn, turn.state.slots)
    turn.say(
        text,
        (
            turn.yes_button("confirm.yes", "f:confirm:yes"),
            turn.no_button("confirm.change", "f:confirm:change"),
            *turn.nav(),
        ),
    )


async def accept_confirm(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button":
        rest = event.payload.split(":", 2)[2]
        if rest == "yes":
            return Outcome({"confirm": True})
        if rest == "change":
            buttons = [t_button(turn, f"change.{s}", f"f:confirm:edit:{s}") for s in EDITABLE]
            if "_name" in turn.state.slots:  # its own small form (flows/display_name.py)
                buttons.append(t_button(turn, "display_name.change", "name:change"))
            turn.say(turn.t("change.ask"), (*buttons, *turn.nav()), per_row=2)
            return Outcome(replied=True)
        if rest.startswith("edit:") and rest[5:] in EDITABLE:
            await edit(turn, rest[5:])
            return Outcome(replied=True)
        return NOTHING
    answer = _answer(event)
    if answer == "yes":
        return Outcome({"confirm": True})
    if answer == "no":
        return await accept_confirm(turn, _button("f:confirm:change"))
    return NOTHING


async def edit(turn: Turn, slot: str) -> None:
    """Ask one slot again; the read-back follows."""
    turn.state.slots.pop(slot, None)
    turn.state.slots.pop("_" + slot, None)
    turn.state.editing = True
    await ask_next(turn, FORM)


# -- mixed initiative, completion -----------------------------------------------------


async def extract(turn: Turn, parse: ParseResult) -> dict[str, Any]:
    values: dict[str, Any] = {}
    categories = [c for c in parse.values("category") if turn.app.taxonomy.is_category(c)]
    if categories:
        pending = list(turn.state.slots.get("_interests", []))
        values["interests"] = list(dict.fromkeys(pending + categories))
    names = parse.values("postcode") + parse.values("place")
    for name in names:
        found = places.candidates(turn, name)
        if found:
            values["location"] = places.place_value(found[0].lat, found[0].lon, found[0].name)
            break
    for raw in parse.values("radius_km"):
        radius = _radius(raw)
        if radius is not None:
            values["radius"] = radius
    if parse.availability or parse.spontaneous:
        values["availability"] = {
            "cells": [c for c in ALL_CELLS if c in set(parse.availability)],
            "spontaneous": parse.spontaneous,
        }
    if parse.values("urgency") and turn.state.slot == "alerts":
        values["alerts"] = True
    if turn.state.slot == "qualifications" and word_of(parse.text) == "none":
        values["qualifications"] = []  # "keine", "nichts", "none": none of these
    offer = offers.held_offer(parse)
    if offer is not None:  # taken up once the profile is saved (``complete``)
        values[offers.HELD_SLOT] = offer
    has, lacks = qualifications_of(turn, parse)
    if has or lacks:
        known = [q for q in turn.state.slots.get("qualifications") or () if q not in lacks]
        values["qualifications"] = list(dict.fromkeys(known + has))
        before = [q for q in turn.state.slots.get("lacks") or () if q not in has]
        values["lacks"] = list(dict.fromkeys(before + lacks))
    return values


async def complete(turn: Turn) -> None:
    slots = turn.state.slots
    person = turn.person
    if person is None:  # consent withdrawn meanwhile: start over
        turn.state.finish()
        await start(turn)
        return
    location = slots.get("location") or {}
    avail = slots.get("availability") or {}
    old = await get_profile(turn.app.db, person.id)
    data = ProfileData(
        person_id=person.id,
        tenant_id=person.tenant_id,
        interests=tuple(slots.get("interests") or ()),
        qualifications=tuple(slots.get("qualifications") or ()),
        lacks_qualifications=tuple(
            q for q in slots.get("lacks") or () if q not in (slots.get("qualifications") or ())
        ),
        home_lat=location.get("lat"),
        home_lon=location.get("lon"),
        home_label=location.get("label"),
        radius_km=float(slots.get("radius", DEFAULT_RADIUS)),
        availability=tuple(avail.get("cells") or ()),
        spontaneous=bool(avail.get("spontaneous")),
        urgent_alerts=bool(slots.get("alerts")),
        digest=old.digest if old else False,
        digest_weekday=old.digest_weekday if old else 0,
        digest_hour=old.digest_hour if old else 18,
        paused_until=old.paused_until if old else None,
        muted_kinds=old.muted_kinds if old else (),
    )
    await save_profile(turn.app.db, data, turn.app.taxonomy, turn.now)
    readback = turn.t("confirm.saved") + "\n" + summary(turn, slots)
    offer = slots.get(offers.HELD_SLOT)
    turn.state.finish()
    # The read-back comes with the first matches, and a button to change it:
    # no separate "did I get that right?" turn.
    await matches.show(
        turn,
        kind="matches",
        offset=0,
        profile=data.volunteer_view(),
        intro=readback,
        extra=(turn.button("confirm.change", "menu:profile"),),
    )
    if offer:
        offers.take_up(turn, str(offer))


SLOTS: dict[str, Slot] = {
    "consent": Slot(
        "consent", "consent.ask", ("button", "text"), ask_consent, accept_consent, skip=has_consent
    ),
    "interests": Slot(
        "interests",
        "interests.ask",
        ("entity:category", "button", "text"),
        ask_interests,
        accept_interests,
    ),
    "location": Slot(
        "location",
        "location.ask",
        ("location", "entity:place", "entity:postcode", "button", "text"),
        ask_location,
        accept_location,
    ),
    "radius": Slot(
        "radius",
        "radius.ask",
        ("entity:radius_km", "button", "text"),
        ask_radius,
        accept_radius,
        default=DEFAULT_RADIUS,
    ),
    "availability": Slot(
        "availability",
        "availability.ask",
        ("availability", "entity:weekday", "entity:daypart", "button", "text"),
        ask_availability,
        accept_availability,
    ),
    "qualifications": Slot(
        "qualifications",
        "qualifications.ask",
        ("entity:qualification", "button", "text"),
        ask_qualifications,
        accept_qualifications,
        default=[],
    ),
    "alerts": Slot(
        "alerts", "alerts.ask", ("button", "text"), ask_alerts, accept_alerts, default=False
    ),
    # The read-back is a question of its own only when editing the profile;
    # a new profile is read back together with its first matches.
    "confirm": Slot(
        "confirm",
        "confirm.ask",
        ("button", "text"),
        ask_confirm,
        accept_confirm,
        skip=lambda turn: not turn.state.slots.get("_review"),
    ),
}
FORM = register_form(
    Form(
        "onboarding",
        tuple(SLOTS.values()),
        extract,
        complete,
        setup_slots=frozenset({"consent"}),
    )
)


async def start(turn: Turn, *, welcome: bool = True) -> None:
    """Begin (or begin again): welcome, then the first open slot."""
    turn.state.start("onboarding")
    if welcome:
        turn.say(
            turn.t(
                "welcome",
                tenant=escape(turn.tenant.name),
                bot=escape(turn.tenant.branding.bot_name),
            )
        )
    await ask_next(turn, FORM)


async def edit_profile(turn: Turn) -> None:
    """The profile as a read-back, each item changeable."""
    if turn.person is None:
        await start(turn)
        return
    profile = await get_profile(turn.app.db, turn.person.id)
    if profile is None:
        await start(turn, welcome=False)
        return
    slots: dict[str, Any] = {
        "consent": turn.person.consent_version,
        "interests": list(profile.interests),
        "radius": profile.radius_km,
        "availability": {"cells": list(profile.availability), "spontaneous": profile.spontaneous},
        "alerts": profile.urgent_alerts,
        "qualifications": list(profile.qualifications),
        "lacks": list(profile.lacks_qualifications),
        "_review": True,
        "_name": turn.person.display_name or "",
    }
    if profile.home_lat is not None and profile.home_lon is not None:
        slots["location"] = places.place_value(
            profile.home_lat, profile.home_lon, profile.home_label or ""
        )
    turn.state.start("onboarding", slots)
    await ask_next(turn, FORM)


# -- routes ----------------------------------------------------------------------


@on_command("start")
async def _start_command(turn: Turn, args: str) -> None:
    """Begin, or welcome back someone with a profile or an organisation to
    speak for (deep links: ``on_link``)."""
    person = turn.person
    profile = await get_profile(turn.app.db, person.id) if person else None
    # A member of an organisation gets "Meine Bedarfe" in the menu; one who
    # consented is not sent through the volunteer questions ("Passt zu mir"
    # starts them).
    orgs = await organisations_of_person(turn.app.db, person.id) if person else []
    turn.state.org_member = bool(orgs)
    if profile is None and not (orgs and has_consent(turn)):
        await start(turn)
    else:
        turn.say(turn.t("welcome_back", tenant=turn.tenant.name), turn.menu())


@on_command("profile")
async def _profile_command(turn: Turn, args: str) -> None:
    await edit_profile(turn)

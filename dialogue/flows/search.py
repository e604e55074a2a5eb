"""Search with filters, by buttons or by sentence ("Umwelt in Aachen am Wochenende").

One slot, ``query``: a filter built from the entities of a text (category,
place or postcode, radius, date, weekday/day part, qualification) or from
a button (a category, a time frame). Completing it shows the cards.

```mermaid
flowchart LR
  ask[Was suchst du?] -->|Satz / Knopf| results[Karten] -->|Mehr| results
```
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from core.availability import DAYPARTS
from core.schedule import mask_of
from core.search_words import fold, stop_words, words_of_text
from core.taxonomy import CATEGORY_CODES
from dialogue.flows import location as places
from dialogue.flows import matches
from dialogue.flows.form import NOTHING, Form, Outcome, Slot, ask_next, derived, prompt_reply
from dialogue.messages import Button
from dialogue.nlu.result import ParseResult
from dialogue.registry import on_command, on_intent, register_form
from dialogue.turn import Event, Turn

QUICK_CATEGORIES = (
    "umwelt",
    "kinder_jugend",
    "senioren",
    "soziales",
    "tiere",
    "kultur",
    "sport",
    "integration",
)
WHEN = ("today", "weekend", "week")
_WORD = re.compile(r"\w+")


def _today(turn: Turn) -> date:
    return turn.now.astimezone(turn.t.tz).date()


def when_filter(turn: Turn, when: str) -> dict[str, Any]:
    today = _today(turn)
    if when == "today":
        return {"date_from": today.isoformat(), "date_to": today.isoformat(), "when": when}
    if when == "weekend":
        # "am Wochenende" means weekends in general, not only the next one.
        return {
            "cell_mask": mask_of(f"{d}:{p}" for d in ("sa", "so") for p in DAYPARTS),
            "when": when,
        }
    return {
        "date_from": today.isoformat(),
        "date_to": (today + timedelta(days=6)).isoformat(),
        "when": when,
    }


async def ask_query(turn: Turn) -> None:
    taxonomy = turn.app.taxonomy
    buttons = [
        Button(f"{taxonomy.emoji(c)} {taxonomy.label(c, turn.lang)}".strip(), f"f:query:cat:{c}")
        for c in QUICK_CATEGORIES
    ]
    buttons += [turn.button(f"search.when.{w}", f"f:query:when:{w}") for w in WHEN]
    prompt_reply(turn, SLOTS["query"], buttons=buttons, per_row=2)


async def accept_query(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button":
        _, _, rest = event.payload.partition(":query:")
        kind, _, value = rest.partition(":")
        if kind == "cat" and value in CATEGORY_CODES:
            return Outcome({"query": {"categories": [value]}})
        if kind == "when" and value in WHEN:
            return Outcome({"query": when_filter(turn, value)})
        if kind in ("pick", "suggest"):
            value_place = places.pick(turn, rest, "query")
            if value_place is None:
                return Outcome(replied=bool(turn.replies))
            return Outcome({"query": _near(value_place)})
        return NOTHING
    if event.kind == "location" and event.location is not None:
        shared = places.from_shared(turn, event.location)
        if shared is None:
            turn.say(turn.t("error.location_nowhere"), turn.nav())
            return Outcome(replied=True)
        return Outcome({"query": _near(shared)})
    return NOTHING


def _near(place: dict[str, Any]) -> dict[str, Any]:
    return {"center": [place["lat"], place["lon"]], "label": place["label"]}


def _query(turn: Turn, parse: ParseResult) -> dict[str, Any] | None:
    return filter_of(turn, parse) or None


def filter_of(turn: Turn, parse: ParseResult) -> dict[str, Any]:
    """A search filter from a parse; empty when the text names no filter."""
    flt: dict[str, Any] = {}
    categories = [c for c in parse.values("category") if turn.app.taxonomy.is_category(c)]
    if categories:
        flt["categories"] = categories
        # The words as written ("Fahrdienst"): needs holding them come first,
        # of any topic (``core.search_words``), then the rest of the topic.
        words = [
            parse.text[e.start : e.end].strip()
            for e in parse.entities
            if e.entity == "category" and e.value in categories
        ]
        words = list(dict.fromkeys(w for w in words if w))
        if words:
            flt["words"] = words
    quals = [q for q in parse.values("qualification") if turn.app.taxonomy.is_qualification(q)]
    if quals:
        flt["qualifications"] = quals
    for name in parse.values("postcode") + parse.values("place"):
        found = places.candidates(turn, name)
        if found:
            flt.update(_near(places.place_value(found[0].lat, found[0].lon, found[0].name)))
            break
    for raw in parse.values("radius_km"):
        try:
            radius = float(raw)
        except ValueError:
            continue
        if 0 < radius <= 100:
            flt["radius_km"] = radius
    dates = sorted(parse.values("date"))
    valid = []
    for raw in dates:
        try:
            valid.append(date.fromisoformat(raw))
        except ValueError:
            continue
    if valid:
        flt["date_from"], flt["date_to"] = valid[0].isoformat(), valid[-1].isoformat()
    if parse.availability:
        flt["cell_mask"] = mask_of(parse.availability)
    if not flt and words_of_text(parse.text):
        # No entity: the subject is the text itself ("reading", "Hunderte"),
        # looked for by its words (``core.search_words``).
        flt["text"] = " ".join(parse.text.split())[: matches.MAX_TEXT]
    return flt


# Intents a lone noun or short phrase is taken for ("Hund": inform,
# "reading": out_of_scope): a search, even one that finds nothing.
PLAIN_WORD_INTENTS = frozenset({"inform", "search", "out_of_scope"})
# Intents a plain word may also mean ("Lesen": post_offer, "anbieten":
# post_offer, "helfen": find_engagement): a search when it finds something,
# else the intent; unsure ("Fahrräder, vielleicht") asked back like any other.
FINDABLE_INTENTS = frozenset({"post_offer", "post_need", "find_engagement", "show_matches"})
# Intents that show or change a person's data or open a form of their own:
# a short text is taken for one only when one of its words says so
# (``Understanding.says``): the classifier also guesses from letters, and
# "Bücher sortieren" is no "exportieren", "Kleidung" no feedback.
SAID_INTENTS = frozenset(
    {
        "export_data",
        "delete_data",
        "feedback",
        "pause_notifications",
        "privacy_info",
        "change_language",
        "edit_profile",
        "my_engagements",
    }
)
MAX_PLAIN_WORDS = 3  # "was mit Tieren", "something with dogs"
MAX_PLAIN_CONTENT = 2  # of them, words that are not ``stop_words()``


async def is_plain_words(turn: Turn, text: str, parse: ParseResult) -> bool:
    """Whether a text outside any form is a plain-word search: a lone noun or
    a short phrase, no question, parsed as no other intent it could stand for."""
    words = _WORD.findall(fold(text))
    content = [w for w in words if w not in stop_words()]
    if not 0 < len(content) <= MAX_PLAIN_CONTENT or len(words) > MAX_PLAIN_WORDS or "?" in text:
        return False
    if parse.intent in PLAIN_WORD_INTENTS:
        return True
    if parse.intent in SAID_INTENTS and not turn.understanding.says(text, parse.intent, turn.lang):
        return True  # "Bücher sortieren": a guess from letters, not what it says
    # One word and small ones ("bei der Tafel"): whatever the intent's
    # confidence, the word is the subject (a search when it finds something).
    sure = parse.confidence >= turn.understanding.low_confidence or len(content) == 1
    return (
        parse.intent in FINDABLE_INTENTS
        and sure
        and await matches.finds_any(turn, filter_of(turn, parse))
    )


async def before_consent(turn: Turn, text: str, parse: ParseResult) -> bool:
    """Before consent a lone word ("Tafel", "Hund") is a search, shown at
    once, and nothing of it is kept: no person, nothing held for the
    consent question, not the search either (``matches.show(keep=False)``).
    A word with a place or a time ("Brand", "samstags") is held for the
    consent question instead (``onboarding.before_consent``)."""
    state = turn.state
    if state.flow not in (None, "onboarding") or (state.flow and state.slot != "consent"):
        return False
    content = [w for w in _WORD.findall(fold(text)) if w not in stop_words()]
    if len(content) != 1 or parse.availability or parse.spontaneous:
        return False
    if any(e.entity != "category" for e in parse.entities):
        return False
    if not await is_plain_words(turn, text, parse):
        return False
    flt = filter_of(turn, parse)
    if not flt:
        return False
    key = "consent.yes_after_all" if state.declined else "consent.ask_now"
    consent = turn.button(key, "menu:start")
    intro = turn.t("search.before_consent")
    await matches.show(turn, kind="search", flt=flt, keep=False, intro=intro, extra=(consent,))
    return True


async def complete(turn: Turn) -> None:
    flt = turn.state.slots.get("query") or {}
    turn.state.finish()
    await matches.show(turn, kind="search", offset=0, flt=flt)


SLOTS = {
    "query": Slot(
        "query",
        "search.ask",
        (
            "entity:category",
            "entity:place",
            "entity:postcode",
            "entity:date",
            "entity:weekday",
            "entity:daypart",
            "entity:qualification",
            "button",
            "location",
        ),
        ask_query,
        accept_query,
        kind=derived(_query),
    ),
}
FORM = register_form(Form("search", tuple(SLOTS.values()), None, complete))


async def start(turn: Turn, parse: ParseResult | None = None) -> None:
    turn.state.start("search")
    if parse is not None:
        flt = filter_of(turn, parse)
        if flt:
            turn.state.slots["query"] = flt
    await ask_next(turn, FORM)


# -- routes ----------------------------------------------------------------------


@on_command("search")
async def _search_command(turn: Turn, args: str) -> None:
    await start(turn)


@on_intent("search")
async def _search_intent(turn: Turn, parse: ParseResult) -> None:
    await start(turn, parse)

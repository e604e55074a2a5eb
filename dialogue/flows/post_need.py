"""Posting (and changing) a need by message, for people linked to an organisation.

"Wir brauchen morgen 3 Leute für die Tafel, 10-14 Uhr" fills title, date,
time, count and category at once; the bot asks only for what is missing,
shows a preview with every field and publishes on confirmation
(``needs.post_need``: moderation as on the web; an urgent need of a verified
organisation goes out at once and starts its alert waves). Started without
a sentence (``/bedarf``) it is a guided form that also asks for the
description, qualifications and urgency; a whole sentence typed at its
title question becomes the description, its values fill their slots, and a
short title (and the topic) is proposed to confirm. "Bis wann" takes a date,
"12 Wochen", "bis Ende März", "bis Jahresende" or "ohne Ende"; a bare "12" is
asked back. Any field can be changed by name, politely or not, at the
preview or on the way ("Ort ändern: Haaren", "Zeit: 18 Uhr" keeps the
length, "Beschreibung ändern", "change the place please"), or with the ✏️
button. An existing need ("Meine Bedarfe", ``org_needs``)
opens in the same form at its preview; publishing then saves the change.

```mermaid
flowchart LR
  text[Nachricht] --> org --> title --> category --> repeat
  title -->|ein ganzer Satz| proposal[Titel + Thema bestätigen] --> category
  repeat -->|einmalig| day --> time
  repeat -->|wöchentlich| days --> until --> time
  time --> count --> place --> description --> qualifications --> urgent --> preview
  preview -->|Feld ändern| field[das Feld erneut] --> preview
  preview -->|veröffentlichen| post([post_need / update_need])
```
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import DomainError
from core.schedule import Weekly, last_moment, local_range
from core.services.needs import MAX_HELPERS, NeedInput, OwnNeed, post_need, usual_place_of
from core.services.org_links import organisations_of_person
from core.services.organisations import update_need
from core.taxonomy import CATEGORY_CODES
from dialogue.choices import label_key, press
from dialogue.flows import location as places
from dialogue.flows import onboarding
from dialogue.flows.form import (
    NOTHING,
    Form,
    Outcome,
    Slot,
    ask_next,
    prompt_reply,
    run_form,
)
from dialogue.flows.onboarding import QUALIFICATION_BUTTONS, qualification_label
from dialogue.markup import escape
from dialogue.messages import Button, Reply
from dialogue.need_titles import title_parts
from dialogue.nlu.result import ParseResult
from dialogue.registry import on_command, on_intent, on_link, register_form
from dialogue.turn import Event, Turn
from dialogue.understanding import command_word, polite_stripped

_FOR = re.compile(
    r"\b(?:für|fuer|for|bei|beim|at)\s+((?:die|den|das|dem|der|the|our|unsere[nmr]?)\s+)?"
    r"([\wäöüÄÖÜß\-]+(?:\s+[A-ZÄÖÜ][\wäöüß\-]+)?)"
)
_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*(?:-|–|bis|to)\s*(\d{1,2})(?::(\d{2}))?")
_POSTCODE = re.compile(r"\b\d{5}\b")
# "Ort ändern: Haaren", "Beschreibung: …", "change place: Haaren", "Zeit ändern"
_EDIT = re.compile(
    r"^\s*(?P<name>[\wäöüÄÖÜß ]{2,30}?)\s*(?:(?P<verb>ändern|aendern|bearbeiten|change|edit)\s*)?"
    r"(?::\s*(?P<value>.*))?$",
    re.S | re.I,
)
_EDIT_VERB_FIRST = re.compile(
    r"^\s*(?P<verb>ändere|change|edit)\s+(?:the\s+|den\s+|die\s+|das\s+)?"
    r"(?P<name>[\wäöüÄÖÜß ]{2,30}?)\s*(?::\s*(?P<value>.*))?$",
    re.S | re.I,
)
_ARTICLE = re.compile(r"^(?:den|die|das|der|the|my|our|unser(?:e[nmr]?)?)\s+", re.I)
DAYS = ("mo", "di", "mi", "do", "fr", "sa", "so")
# A weekday said with one of these is a weekly need, otherwise one date.
_RECURRING = re.compile(
    r"\b(?:jede[nrms]?|wöchentlich|woechentlich|immer|regelmäßig|regelmaessig"
    r"|every|each|weekly|regularly)\b",
    re.I,
)
MAX_DESCRIPTION = 2000
UNTIL_CHOICES = (28, 91)  # "in 4 Wochen", "in 3 Monaten"
MAX_UNTIL = 731  # an end more than two years ahead is no end date but a typo
_BARE_NUMBER = re.compile(r"^\s*(?:bis\s+|until\s+)?(\d{1,2})\s*\.?\s*$", re.I)
_SPAN = re.compile(
    r"(?<![\d.])(\d{1,3})\s*(wochen|woche|weeks?|monaten|monate|monat|months?|tagen|tage|days?)\b"
)
_YEAR_END = re.compile(
    r"jahresende|ende\s+des\s+jahres|ende\s+dieses\s+jahres|silvester|end\s+of\s+(?:the\s+)?year"
)
_END_OF = re.compile(r"(?:ende|end\s+of)\s+([a-zäöü]+)")
# An end said in the sentence that posts a series: "bis Ende März", "bis zum
# Jahresende", "until the end of March" (a bare "bis 14 Uhr" is a time).
_SAID_END = re.compile(
    r"\b(?:bis|until|till)\s+(?:zum\s+|zur\s+|the\s+)?"
    r"(?:ende|jahresende|end|silvester)\b",
    re.I,
)
_OPEN_END = re.compile(
    r"^\s*(?:ohne\s+ende|offen|unbegrenzt|unbefristet|kein\s+ende|dauerhaft|no\s+end|open[- ]ended"
    r"|ongoing|indefinitely)\s*[.!]?\s*$",
    re.I,
)
MONTHS = {
    **dict.fromkeys(("januar", "jänner", "jan", "january"), 1),
    **dict.fromkeys(("februar", "feb", "february"), 2),
    **dict.fromkeys(("märz", "maerz", "mär", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("august", "aug"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("dezember", "dez", "dec", "december"), 12),
}
# Changing one of these asks again for the slots that depend on it.
DEPENDENT = {"repeat": ("day", "days", "until")}
EDITABLE = (
    "title",
    "description",
    "category",
    "repeat",
    "day",
    "days",
    "until",
    "time",
    "count",
    "place",
    "qualifications",
    "urgent",
)


def guess_title(turn: Turn, text: str) -> str | None:
    """ "Wir suchen 2 Fahrer für die Tafel am Samstag" -> "Fahrer für die
    Tafel" (``dialogue.need_titles``); else what it is "for" or "at"."""
    title = title_of(turn, text)
    if title is not None:
        return title[:120]
    match = _FOR.search(text)
    if not match:
        return None
    what = (match.group(1) or "") + match.group(2)
    return turn.t("post.title_for", what=what.strip())[:120]


def title_of(turn: Turn, text: str) -> str | None:
    """The title the sentence's role and purpose make, in the turn's language."""
    parts = title_parts(text)
    if parts.role and parts.purpose:
        return turn.t("post.title_role_for", role=parts.role, what=parts.purpose)
    if parts.purpose:
        return turn.t("post.title_for", what=parts.purpose)
    if parts.role:
        return turn.t("post.title_role", role=parts.role)
    return None


# A text at the title question longer than this is a sentence: it becomes
# the description, and a short title is proposed from it.
TITLE_WORDS = 6
TITLE_CHARS = 60


def is_sentence(text: str) -> bool:
    text = text.strip()
    return len(text.split()) > TITLE_WORDS or len(text) > TITLE_CHARS


def proposed_title(turn: Turn, text: str) -> str:
    """A short title for a sentence: "… 2 Fahrer für die Tafel" -> "Fahrer
    für die Tafel", "… drei Leute für den Kuchenstand" -> "Unterstützung für
    den Kuchenstand" (``dialogue.need_titles``), else its first words."""
    title = title_of(turn, text)
    if title is not None and len(title) <= TITLE_CHARS:
        return title
    words = text.strip().rstrip(".!?").split()
    title = " ".join(words[:TITLE_WORDS])
    while len(title) > TITLE_CHARS - 1 and " " in title:
        title = title.rsplit(" ", 1)[0]
    return title[: TITLE_CHARS - 1] + ("…" if len(words) > TITLE_WORDS else "")


def _weekly(turn: Turn) -> bool:
    return turn.state.slots.get("repeat") == "weekly"


# -- the slots ---------------------------------------------------------------


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
    turn.state.slots.pop("_proposed", None)  # asked (again): no proposal stands
    prompt_reply(turn, SLOTS["title"])


async def accept_title(turn: Turn, event: Event) -> Outcome:
    text = event.text.strip()
    if event.kind == "text" and 3 <= len(text) <= 120:
        return Outcome({"title": text})
    if event.kind == "text" and text:
        turn.say(turn.t("post.title_invalid"))
        await ask_title(turn)
        return Outcome(replied=True)
    return NOTHING


async def ask_proposal(turn: Turn) -> None:
    s, t = turn.state.slots, turn.t
    category = s.get("category")
    text = t("post.proposal", title=escape(s.get("title", "")))
    buttons = [
        turn.yes_button("post.proposal_ok", "f:proposal:yes"),
        turn.button("post.proposal_title", "f:proposal:title"),
    ]
    if category:
        label = turn.app.taxonomy.label(category, turn.lang)
        text += "\n" + t("need.category", category=escape(label))
        buttons.append(turn.button("post.proposal_category", "f:proposal:category"))
    prompt_reply(turn, SLOTS["proposal"], text + "\n" + t("post.proposal_ask"), buttons=buttons)


async def accept_proposal(turn: Turn, event: Event) -> Outcome:
    s = turn.state.slots
    choice = event.payload.rsplit(":", 1)[1] if event.kind == "button" else None
    if event.kind == "text":
        word = command_word(event.text)
        text = event.text.strip()
        if word in ("yes", "done"):
            choice = "yes"
        elif word == "no":
            choice = "title"
        elif 3 <= len(text) and not is_sentence(text):
            return Outcome({"proposal": True, "title": text})  # a title of its own
    if choice == "yes":
        return Outcome({"proposal": True})
    if choice in ("title", "category"):
        s.pop(choice, None)
        s["proposal"] = True
        return Outcome({"proposal": True})
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


async def ask_repeat(turn: Turn) -> None:
    prompt_reply(
        turn,
        SLOTS["repeat"],
        buttons=(
            turn.button("post.once", "f:repeat:once"),
            turn.button("post.weekly", "f:repeat:weekly"),
        ),
    )


async def accept_repeat(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button" and event.payload in ("f:repeat:once", "f:repeat:weekly"):
        return Outcome({"repeat": event.payload.rsplit(":", 1)[1]})
    return NOTHING


async def ask_day(turn: Turn) -> None:
    prompt_reply(turn, SLOTS["day"])


async def accept_day(turn: Turn, event: Event) -> Outcome:
    return NOTHING  # dates come from the NLU's date entity ("morgen", "5.12.")


async def ask_days(turn: Turn) -> None:
    chosen = set(turn.state.slots.get("_days") or [])
    buttons = [
        Button(("✅ " if d in chosen else "") + turn.t(f"day.{d}"), f"f:days:{d}") for d in DAYS
    ]
    buttons.append(turn.button("post.days_done", "f:days:done"))
    prompt_reply(turn, SLOTS["days"], buttons=buttons, per_row=4)


async def accept_days(turn: Turn, event: Event) -> Outcome:
    if event.kind != "button":
        return NOTHING
    value = event.payload.split(":", 2)[2]
    chosen: list[str] = list(turn.state.slots.get("_days") or [])
    if value == "done":
        if not chosen:
            turn.say(turn.t("post.days_none"))
            await ask_days(turn)
            return Outcome(replied=True)
        turn.state.slots.pop("_days", None)
        return Outcome({"days": [d for d in DAYS if d in chosen]})
    if value in DAYS:
        chosen = [d for d in chosen if d != value] if value in chosen else [*chosen, value]
        turn.state.slots["_days"] = chosen
        return Outcome(stay=True)
    return NOTHING


async def ask_until(turn: Turn) -> None:
    buttons = [turn.button(f"post.until_in.{days}", f"f:until:+{days}") for days in UNTIL_CHOICES]
    buttons.append(turn.button("post.until_open", "f:until:none"))
    prompt_reply(turn, SLOTS["until"], buttons=buttons)


def _today(turn: Turn) -> date:
    return turn.now.astimezone(turn.t.tz).date()


async def accept_until(turn: Turn, event: Event) -> Outcome:
    today = _today(turn)
    if event.kind == "button":
        value = event.payload.split(":", 2)[2]
        if value == "none":
            return Outcome({"until": ""})  # no end: runs until it is closed
        if value.startswith("+") and value[1:].isdigit() and 1 <= int(value[1:]) <= MAX_UNTIL:
            return Outcome({"until": (today + timedelta(days=int(value[1:]))).isoformat()})
        try:
            chosen = date.fromisoformat(value)
        except ValueError:
            return NOTHING
        if today <= chosen <= today + timedelta(days=MAX_UNTIL):
            return Outcome({"until": chosen.isoformat()})
        return NOTHING
    if event.kind != "text":
        return NOTHING
    bare = _BARE_NUMBER.match(event.text)
    if bare and 1 <= int(bare.group(1)) <= 31:
        # "12": twelve weeks or the 12th? Asked back, never guessed.
        number = int(bare.group(1))
        day = _next_day_of_month(today, number)
        buttons = [turn.button("post.until_weeks", f"f:until:+{number * 7}", weeks=number)]
        if day is not None:
            label = turn.t("post.until_date", date=_day_label(turn, day))
            buttons.append(Button(label, f"f:until:{day.isoformat()}"))
        text = turn.t("post.until_which", weeks=number, date=_day_label(turn, day or today))
        prompt_reply(turn, SLOTS["until"], text, buttons=buttons)
        return Outcome(replied=True)
    if _OPEN_END.search(event.text):
        return Outcome({"until": ""})
    end = until_of(turn, event.parse) if event.parse is not None else None
    if end is not None and end < today:
        turn.say(turn.t("post.until_past"))
        await ask_until(turn)
        return Outcome(replied=True)
    return NOTHING  # dates, "12 Wochen", "bis Ende März": ``until_of`` in ``extract``


def _day_label(turn: Turn, day: date) -> str:
    return turn.t.date(datetime.combine(day, time(12), turn.t.tz))


def _next_day_of_month(today: date, number: int) -> date | None:
    """The next date after ``today`` that is the ``number``-th of a month."""
    year, month = today.year, today.month
    for _ in range(3):
        try:
            day = date(year, month, number)
        except ValueError:
            day = None
        if day is not None and day > today:
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def until_of(turn: Turn, parse: ParseResult) -> date | None:
    """The last day of a weekly need from a typed end: a date ("bis 31.3."),
    a span ("12 Wochen", "3 Monate"), "bis Ende März", "bis Jahresende"."""
    today = _today(turn)
    text = parse.text.casefold()
    span = _SPAN.search(text)
    if span:
        number, unit = int(span.group(1)), span.group(2)
        if unit.startswith("m"):
            return today + timedelta(days=number * 30)
        return today + timedelta(days=number * (7 if unit.startswith("w") else 1))
    if _YEAR_END.search(text):
        return date(today.year, 12, 31)
    end_of = _END_OF.search(text)
    if end_of and end_of.group(1) in MONTHS:
        month = MONTHS[end_of.group(1)]
        year = today.year if month >= today.month else today.year + 1
        following = date(year + (month == 12), month % 12 + 1, 1)
        return following - timedelta(days=1)
    for value in parse.values("duration"):
        weeks = re.fullmatch(r"P(\d+)([WDM])", value)
        if weeks:
            unit = {"W": 7, "D": 1, "M": 30}[weeks.group(2)]
            return today + timedelta(days=int(weeks.group(1)) * unit)
    for value in parse.values("date"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            continue
    return None


async def ask_time(turn: Turn) -> None:
    prompt_reply(turn, SLOTS["time"])


OVERNIGHT_MOST = 12  # hours: a range ending before it starts runs overnight, at most this long


def _time_range(text: str) -> dict[str, str] | None:
    match = _TIME.match(text)
    if not match:
        return None
    h1, m1, h2, m2 = match.groups()
    try:
        start, end = time(int(h1), int(m1 or 0)), time(int(h2), int(m2 or 0))
    except ValueError:
        return None
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes == 0 or (minutes < 0 and minutes + 24 * 60 > OVERNIGHT_MOST * 60):
        # "15-9" is a slip, not an 18-hour night; a night shift "22-6" is fine
        return None
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


async def accept_time(turn: Turn, event: Event) -> Outcome:
    if event.kind == "text":
        value = _time_range(event.text) or _shifted(turn, event)
        if value:
            turn.state.slots.pop("_time_before", None)
            return Outcome({"time": value})
    return NOTHING


def _shifted(turn: Turn, event: Event) -> dict[str, str] | None:
    """One time where a range was ("Zeit: 18 Uhr"): the new start, the
    length as before."""
    before = turn.state.slots.get("_time_before") or {}
    times = event.parse.values("time") if event.parse is not None else []
    if len(times) != 1 or not before.get("start") or not before.get("end"):
        return None
    old_start = datetime.combine(date(2000, 1, 1), time.fromisoformat(before["start"]))
    length = datetime.combine(date(2000, 1, 1), time.fromisoformat(before["end"])) - old_start
    start = datetime.combine(date(2000, 1, 1), time.fromisoformat(times[0]))
    end = start + (length if length > timedelta(0) else timedelta(hours=2))
    if end.date() != start.date():
        return None  # would run past midnight: asked as a range
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


async def ask_count(turn: Turn) -> None:
    buttons = [Button(str(n), f"f:count:{n}") for n in (1, 2, 3, 5, 10)]
    prompt_reply(turn, SLOTS["count"], buttons=buttons, per_row=5)


_COUNT = re.compile(r"\s*(\d{1,6})(?!\d)")


async def accept_count(turn: Turn, event: Event) -> Outcome:
    raw = event.payload.split(":")[-1] if event.kind == "button" else event.text
    match = _COUNT.match(raw)
    if match is None:
        return NOTHING
    count = int(match.group(1))
    if 1 <= count <= MAX_HELPERS:
        return Outcome({"count": count})
    # "0" or "600": say what is possible rather than "not understood".
    turn.say(turn.t("post.count_range", max=MAX_HELPERS))
    await ask_count(turn)
    return Outcome(replied=True)


async def ask_place(turn: Turn) -> None:
    buttons = [turn.button("post.remote", "f:place:remote")]
    org = turn.state.slots.get("org")
    ours = await usual_place_of(turn.app.db, int(org)) if org else None
    if ours is not None:
        turn.state.slots["_ours"] = places.place_value(*ours)
        buttons.insert(0, turn.button("post.our_place", "f:place:ours", place=escape(ours[2])))
    prompt_reply(turn, SLOTS["place"], buttons=buttons, request_location=True)


def _address(turn: Turn, text: str) -> dict[str, Any] | None:
    """A street address ("Adalbertstr. 12, 52062 Aachen"): placed by its
    postcode or its town, labelled as typed. None when it is no address."""
    text = text.strip()[: places.MAX_NAME]
    postcode = _POSTCODE.search(text)
    where = postcode.group(0) if postcode else None
    if where is None and "," in text and any(c.isdigit() for c in text.split(",")[0]):
        where = text.rsplit(",", 1)[1].strip()
    if not where:
        return None
    found = places.candidates(turn, where)
    if not found:
        return None
    return places.place_value(found[0].lat, found[0].lon, text)


async def accept_place(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button":
        rest = event.payload.split(":", 2)[2]
        if rest == "remote":
            return Outcome({"place": {"remote": True, "label": turn.t("post.remote")}})
        if rest == "ours" and turn.state.slots.get("_ours"):
            return Outcome({"place": dict(turn.state.slots["_ours"])})
        value = places.pick(turn, rest, "place")
        return Outcome({"place": value}) if value else Outcome(replied=bool(turn.replies))
    if event.kind == "location" and event.location is not None:
        shared = places.from_shared(turn, event.location)
        if shared is None:
            turn.say(turn.t("error.location_nowhere"), turn.nav(), request_location=True)
            return Outcome(replied=True)
        return Outcome({"place": shared})
    if event.kind == "text" and event.text.strip():
        value = _address(turn, event.text) or places.resolve(turn, event.text, "place")
        return Outcome({"place": value}) if value else Outcome(replied=True)
    return NOTHING


async def ask_description(turn: Turn) -> None:
    prompt_reply(turn, SLOTS["description"], buttons=(turn.button("post.skip", "f:description:-"),))


async def accept_description(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button" and event.payload == "f:description:-":
        return Outcome({"description": ""})
    if event.kind == "text" and event.text.strip():
        return Outcome({"description": event.text.strip()[:MAX_DESCRIPTION]})
    return NOTHING


async def ask_qualifications(turn: Turn) -> None:
    chosen = set(turn.state.slots.get("_qualifications") or [])
    tax = turn.app.taxonomy
    buttons = [
        Button(
            ("✅ " if code in chosen else "") + qualification_label(tax, code, turn.lang),
            f"f:qualifications:{code}",
        )
        for code in QUALIFICATION_BUTTONS
    ]
    # Nothing chosen: "Keine" (the step is optional); else "Fertig".
    done = "post.qualifications_done" if chosen else "post.qualifications_none"
    buttons.append(turn.button(done, "f:qualifications:done"))
    prompt_reply(turn, SLOTS["qualifications"], buttons=buttons, per_row=2)


async def accept_qualifications(turn: Turn, event: Event) -> Outcome:
    if event.kind == "text" and command_word(event.text) in ("none", "no"):  # "keine", "nein"
        turn.state.slots.pop("_qualifications", None)
        return Outcome({"qualifications": []})
    if event.kind == "text" and command_word(event.text) == "done":
        return await accept_qualifications(turn, Event("button", payload="f:qualifications:done"))
    if event.kind != "button":
        return NOTHING
    value = event.payload.split(":", 2)[2]
    chosen: list[str] = list(turn.state.slots.get("_qualifications") or [])
    if value == "done":
        turn.state.slots.pop("_qualifications", None)
        return Outcome({"qualifications": chosen})
    if value in QUALIFICATION_BUTTONS:
        chosen = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
        turn.state.slots["_qualifications"] = chosen
        return Outcome(stay=True)
    return NOTHING


async def ask_urgent(turn: Turn) -> None:
    prompt_reply(
        turn,
        SLOTS["urgent"],
        buttons=(
            turn.yes_button("post.urgent_yes", "f:urgent:yes"),
            turn.no_button("post.urgent_no", "f:urgent:no"),
        ),
        per_row=2,
    )


async def accept_urgent(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button" and event.payload in ("f:urgent:yes", "f:urgent:no"):
        return Outcome({"urgent": event.payload.endswith(":yes")})
    if event.kind == "text" and command_word(event.text) in ("yes", "no"):
        return Outcome({"urgent": command_word(event.text) == "yes"})
    return NOTHING


# -- preview and publishing ------------------------------------------------------


def _when(turn: Turn) -> str:
    s, t = turn.state.slots, turn.t
    times = s.get("time") or {}
    if _weekly(turn):
        days = ", ".join(t(f"day.{d}") for d in s.get("days") or [])
        text = t("need.weekly", days=days, start=times.get("start", ""), end=times.get("end", ""))
        if s.get("until"):
            text += " · " + t("post.until", date=t.date(_until(turn) - timedelta(days=1)))
        return text
    start, end = _range(turn)
    return t.when_range(start, end)


def preview(turn: Turn) -> str:
    t = turn.t
    heading = t("post.preview_change") if turn.state.slots.get("_need") else t("post.preview")
    return "\n".join([heading, *preview_lines(turn), "", t("post.edit_hint")])


def preview_lines(turn: Turn) -> list[str]:
    """Every field of the need in the form, one line each."""
    s, t = turn.state.slots, turn.t
    org_name = dict((oid, name) for oid, name in s.get("_orgs") or []).get(s.get("org"), "")
    quals = ", ".join(
        qualification_label(turn.app.taxonomy, q, turn.lang) for q in s.get("qualifications") or []
    )
    return [
        f"<b>{escape(s.get('title', ''))}</b>",
        escape(org_name),
        t("post.description", text=escape(s.get("description") or t("post.none"))),
        t(
            "need.category",
            category=escape(turn.app.taxonomy.label(s.get("category", ""), turn.lang)),
        ),
        t("need.when", when=escape(_when(turn))),
        t("need.where", where=escape((s.get("place") or {}).get("label", ""))),
        t("post.count", count=s.get("count", 1)),
        t("post.qualifications", list=escape(quals or t("post.none"))),
        t("post.urgent_line", value=t("post.urgent_value_yes" if s.get("urgent") else "post.no")),
    ]


def _range(turn: Turn) -> tuple[Any, Any]:
    s = turn.state.slots
    tz = ZoneInfo(turn.tenant.timezone)
    day = date.fromisoformat(s["day"])
    times = s["time"]
    return local_range(
        day, time.fromisoformat(times["start"]), time.fromisoformat(times["end"]), tz
    )


def _until(turn: Turn) -> datetime:
    """The end date as the moment it is over: the next local midnight, in UTC."""
    day = date.fromisoformat(turn.state.slots["until"])
    tz = ZoneInfo(turn.tenant.timezone)
    return datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)


async def ask_confirm(turn: Turn) -> None:
    key = "post.save" if turn.state.slots.get("_need") else "post.publish"
    turn.say(
        preview(turn),
        (
            turn.yes_button(key, "f:confirm:yes"),
            turn.button("post.edit", "f:confirm:edit"),
            turn.button("nav.cancel", "nav:cancel"),
        ),
    )


def _field_buttons(turn: Turn) -> tuple[Button, ...]:
    fields = [f for f in EDITABLE if not _hidden(turn, f)]
    return tuple(turn.button(f"post.field.{f}", f"f:confirm:field:{f}") for f in fields)


def _hidden(turn: Turn, field: str) -> bool:
    weekly = _weekly(turn)
    return (field == "day" and weekly) or (field in ("days", "until") and not weekly)


def _named(turn: Turn, key: str, text: str) -> bool:
    """Whether ``text`` is one of the comma-separated names of text ``key``."""
    names = {label_key(n) for n in turn.t(key).split(",")}
    return label_key(text) in names


def _confirms(turn: Turn, text: str) -> bool:
    """ "ja", "Veröffentlichen", "ja, bitte veröffentlichen", "yes, publish"."""
    if command_word(text) == "yes" or _named(turn, "post.confirm_names", text):
        return True
    words = polite_stripped(text).split(None, 1)
    return (
        len(words) == 2
        and command_word(words[0]) == "yes"
        and _named(turn, "post.confirm_names", words[1])
    )


async def accept_confirm(turn: Turn, event: Event) -> Outcome:
    if (event.kind == "button" and event.payload == "f:confirm:yes") or (
        event.kind == "text" and _confirms(turn, event.text)
    ):
        return Outcome({"confirm": True})
    if event.kind == "text":
        # "Zeit", "Ort": a field named at the preview or the field picker
        # (the names the edit hint uses, not only the buttons' labels).
        field = _field_named(turn, label_key(event.text))
        if field is not None and not _hidden(turn, field):
            await _reopen(turn, field)
            return Outcome(replied=True, answered=True)
    if event.kind == "button" and event.payload == "f:confirm:edit":
        turn.say(
            turn.t("post.which_field"),
            (*_field_buttons(turn), turn.button("nav.back", "f:confirm:show")),
            per_row=2,
        )
        return Outcome(replied=True, answered=True)
    if event.kind == "button" and event.payload == "f:confirm:show":
        await ask_confirm(turn)
        return Outcome(replied=True, answered=True)
    if event.kind == "button" and event.payload.startswith("f:confirm:field:"):
        field = event.payload.rsplit(":", 1)[1]
        if field in EDITABLE:
            await _reopen(turn, field)
            return Outcome(replied=True, answered=True)
    if (
        event.kind == "text"
        and event.text.strip()
        and command_word(event.text) not in ("yes", "no")
    ):
        return await _sentence_at_preview(turn, event)
    return NOTHING


async def _sentence_at_preview(turn: Turn, event: Event) -> Outcome:
    """A sentence at the preview that names no field: the description when
    the draft has none and it reads like one, else how to change a field."""
    if event.parse is not None and await extract(turn, event.parse):
        return NOTHING  # it named a value (a date, a place…): taken as such
    text = event.text.strip()
    if not turn.state.slots.get("description") and len(text.split()) >= DESCRIPTION_WORDS:
        turn.say(turn.t("post.took_description"))
        return Outcome({"description": text[:MAX_DESCRIPTION]})
    turn.say(turn.t("post.preview_help"))
    await ask_confirm(turn)
    return Outcome(replied=True)


async def _reopen(turn: Turn, field: str) -> None:
    """Ask ``field`` again (and what depends on it); the answer leads back to
    the preview, as every other slot keeps its value."""
    s = turn.state.slots
    if field == "time" and s.get("time"):
        s["_time_before"] = s["time"]
    if field == "qualifications":
        s["_qualifications"] = list(s.get("qualifications") or [])
    if field == "days":
        s["_days"] = list(s.get("days") or [])
    for name in (field, *DEPENDENT.get(field, ())):
        s.pop(name, None)
    s.pop("confirm", None)
    turn.state.editing = True
    slot = SLOTS[field]
    if turn.state.slot not in (None, "confirm") and not (slot.skip and slot.skip(turn)):
        # Named on the way ("Ort ändern" at another question): that question now.
        turn.state.slot = field
        turn.state.push_asked(field)
        await slot.ask(turn)
        return
    await ask_next(turn, FORM)


async def edit_by_name(turn: Turn, event: Event) -> bool:
    """ "Ort ändern: Haaren", "Zeit ändern: 9-12", "Beschreibung: …" or just
    "Ort ändern" while the form is open: True when handled."""
    if event.kind != "text" or turn.state.flow != FORM.name:
        return False
    head, colon, tail = event.text.partition(":")  # "Ort ändern bitte", not the value's "bitte"
    text = polite_stripped(head) + colon + tail
    # "Ort ändern: …" or "change the place: …": the reading that names a field.
    readings = [m for m in (_EDIT.match(text), _EDIT_VERB_FIRST.match(text)) if m]
    readings = [m for m in readings if m["verb"] or m["value"] is not None]
    named = [m for m in readings if _field_named(turn, _name_of(m)) is not None]
    match = (named or readings or [None])[0]
    if match is None:
        return False
    name, verb, value = _name_of(match), match["verb"], match["value"]
    if not verb and value is None:
        return False
    field = _field_named(turn, name)
    if field is None or (not verb and turn.state.slot in ("title", "description")):
        return False  # "Ort: am Haupteingang" may well be a description
    if field in CHOSEN and value and value.strip():  # "Wiederholung ändern: einmalig"
        await _reopen_with(turn, field, value.strip())
        return True
    value = (value or "").strip()
    if not value or field in ("repeat", "days", "qualifications", "category"):
        await _reopen(turn, field)
        return True
    parse = await turn.understanding.parse(
        value, turn.lang, now=turn.now, tz=turn.tenant.timezone, districts=turn.tenant.districts
    )
    s = turn.state.slots
    if field == "time" and s.get("time"):
        s["_time_before"] = s["time"]
    for name_ in (field, *DEPENDENT.get(field, ())):
        s.pop(name_, None)
    s.pop("confirm", None)
    turn.state.slot = field
    keep = {field, "repeat"} if field in ("day", "days", "until") else {field}
    found: dict[str, Any] = {}
    if field in ("title", "description", "place", "time"):  # the words as typed first
        outcome = await SLOTS[field].accept(turn, Event("text", text=value, parse=parse))
        if outcome.replied:
            return True
        found.update({k: v for k, v in outcome.values.items() if k in keep})
    if field not in found:
        found.update({k: v for k, v in (await extract(turn, parse)).items() if k in keep})
    if field not in found and field not in ("title", "description", "place", "time"):
        outcome = await SLOTS[field].accept(turn, Event("text", text=value, parse=parse))
        if outcome.replied:
            return True
        found.update({k: v for k, v in outcome.values.items() if k in keep})
    if field not in found:
        turn.say(turn.t("error.not_understood"))
        await SLOTS[field].ask(turn)
        return True
    s.update(found)
    await ask_next(turn, FORM)
    return True


def _name_of(match: re.Match[str]) -> str:
    """The field name of an edit, without an article ("den Ort", "the time")."""
    return _ARTICLE.sub("", match.group("name").strip().casefold())


# Fields answered by choosing (buttons): a value given with the name is
# read as the answer to the field's own question (``_reopen_with``).
CHOSEN = ("repeat", "days", "qualifications", "urgent", "category")


async def _reopen_with(turn: Turn, field: str, value: str) -> None:
    """ "Wiederholung ändern: einmalig", "urgent: yes", "Nachweise ändern:
    keine": ask the field again and take the value as its answer, read as a
    text (its entities, "keine") or as one of its buttons (a label, a yes or
    no: ``dialogue.choices.press``). Not understood: the question stays."""
    start = len(turn.replies)
    await _reopen(turn, field)
    asked = len(turn.replies)
    if turn.state.slot != field:
        return
    parse = await turn.understanding.parse(
        value, turn.lang, now=turn.now, tz=turn.tenant.timezone, districts=turn.tenant.districts
    )
    event = Event("text", text=value, parse=parse)
    taken = await run_form(turn, FORM, event, interruptible=True)
    if not taken:
        pressed = press(value, turn.state.buttons)
        if pressed is not None:
            taken = await run_form(turn, FORM, Event("button", payload=pressed, text=value))
    if taken:
        del turn.replies[start:asked]  # the question is answered: not asked as well
    else:
        turn.replies.insert(start, Reply(turn.t("error.not_understood")))


def _field_named(turn: Turn, name: str) -> str | None:
    for field in EDITABLE:
        names = {n.strip().casefold() for n in turn.t(f"post.field_names.{field}").split(",")}
        if name in names:
            return field
    return None


async def extract(turn: Turn, parse: ParseResult) -> dict[str, Any]:
    values: dict[str, Any] = {}
    s = turn.state.slots
    if turn.state.slot == "until":
        # The end of a weekly need: its words fill nothing else ("12 Wochen"
        # is no count of helpers); a bare "12" is asked back (``accept_until``).
        end = until_of(turn, parse)
        if end is None or end < _today(turn) or end > _today(turn) + timedelta(days=MAX_UNTIL):
            return {}
        return {"until": end.isoformat()}
    categories = parse.values("category")
    if categories and categories[0] in CATEGORY_CODES:
        values["category"] = categories[0]
    weekdays = [d for d in DAYS if d in parse.values("weekday")]
    one_day = _one_weekday(turn, parse, weekdays)
    if one_day is not None:  # "am Samstag": the next Saturday, once
        values["day"] = one_day.isoformat()
        values["repeat"] = "once"
    elif weekdays:
        values["days"] = weekdays
        values["repeat"] = "weekly"
    weekly = values.get("repeat", s.get("repeat")) == "weekly"
    dates = parse.values("date")
    if dates:
        try:
            when = date.fromisoformat(dates[0])
        except ValueError:
            when = None
        if when is not None and when >= turn.now.astimezone(turn.t.tz).date():
            if weekly or turn.state.slot == "until":
                values["until"] = when.isoformat()
            else:
                values["day"] = when.isoformat()
                values.setdefault("repeat", "once")
    if weekly and "until" not in values and _SAID_END.search(parse.text):
        # "jeden Samstag …, bis Ende März": the series' end, said with it.
        end = until_of(turn, parse)
        today = _today(turn)
        if end is not None and today <= end <= today + timedelta(days=MAX_UNTIL):
            values["until"] = end.isoformat()
    times = parse.values("time")
    if len(times) >= 2:
        values["time"] = {"start": times[0], "end": times[1]}
    counts = [c for c in parse.values("count") if c.isdigit() and 1 <= int(c) <= MAX_HELPERS]
    if counts:
        values["count"] = int(counts[0])
    elif turn.state.slot != "description":
        counted = title_parts(parse.text).count  # "2 Fahrer": the NLU knows only "2 Leute"
        if counted is not None and 1 <= counted <= MAX_HELPERS:
            values["count"] = counted
    if parse.values("urgency"):
        values["urgent"] = True
    quals = [q for q in parse.values("qualification") if turn.app.taxonomy.is_qualification(q)]
    if quals and turn.state.slot != "description":
        values["qualifications"] = list(dict.fromkeys([*(s.get("qualifications") or []), *quals]))
    if turn.state.slot not in ("description", "place"):  # a typed place: accept_place
        for name in parse.values("postcode") + parse.values("place"):
            found = places.candidates(turn, name)
            if found:
                values["place"] = places.place_value(found[0].lat, found[0].lon, found[0].name)
                break
    if "title" not in s and turn.state.slot != "title":
        title = guess_title(turn, parse.text)
        if title:
            values["title"] = title
    if turn.state.slot == "title" and is_sentence(parse.text) and not turn.state.editing:
        # A whole sentence at the title question: the description, with a
        # short title (and what it names) proposed to confirm.
        values["description"] = parse.text.strip()[:MAX_DESCRIPTION]
        values["title"] = proposed_title(turn, parse.text)
        s["_proposed"] = True
        return {k: v for k, v in values.items() if k == "title" or s.get(k) != v}
    if turn.state.slot in ("title", "description"):
        return {}  # a title or description is taken as typed: its words fill nothing else
    # What the draft holds already is no jump ahead: a date at the day step
    # repeats "einmalig", which must not skip the optional steps after it.
    return {k: v for k, v in values.items() if k == turn.state.slot or s.get(k) != v}


def _one_weekday(turn: Turn, parse: ParseResult, weekdays: list[str]) -> date | None:
    """A single weekday said without "jeden", "mittwochs", "every" … while
    no weekly need is being asked about is the next such day ("am Samstag")."""
    s = turn.state.slots
    if len(weekdays) != 1 or parse.values("date") or s.get("repeat") == "weekly":
        return None
    if turn.state.slot in ("repeat", "days", "until"):
        return None
    if _RECURRING.search(parse.text):
        return None
    for e in parse.entities:
        if e.entity == "weekday" and re.search(r"s\W*$", parse.text[e.start : e.end], re.I):
            return None  # "mittwochs", "Mondays"
    today = turn.now.astimezone(turn.t.tz).date()
    return today + timedelta(days=(DAYS.index(weekdays[0]) - today.weekday()) % 7)


def _input(turn: Turn) -> NeedInput:
    s = turn.state.slots
    place = s.get("place") or {}
    common: dict[str, Any] = dict(
        title=s["title"],
        category=s["category"],
        description=s.get("description") or "",
        qualifications=tuple(s.get("qualifications") or ()),
        remote=bool(place.get("remote")),
        lat=place.get("lat"),
        lon=place.get("lon"),
        place_label=None if place.get("remote") else place.get("label"),
        helpers_wanted=int(s.get("count", 1)),
        urgent=bool(s.get("urgent")),
    )
    times = s["time"]
    if _weekly(turn):
        weekly = Weekly(
            tuple(s["days"]), time.fromisoformat(times["start"]), time.fromisoformat(times["end"])
        )
        until = _until(turn) if s.get("until") else None
        return NeedInput(**common, weekly=weekly, valid_until=until)
    start, end = _range(turn)
    return NeedInput(**common, starts_at=start, ends_at=end)


async def complete(turn: Turn) -> None:
    s, t = turn.state.slots, turn.t
    actor = f"person:{turn.person.id if turn.person else 0}"
    tz = ZoneInfo(turn.tenant.timezone)
    try:
        data = _input(turn)
        if s.get("_need"):
            edit = await update_need(
                turn.app.db,
                int(s["org"]),
                int(s["_need"]),
                data,
                taxonomy=turn.app.taxonomy,
                places=turn.app.places,
                now=turn.now,
                tz=tz,
                actor=actor,
            )
            pending, status = edit.awaits_review, edit.status
        else:
            ref = await post_need(
                turn.app.db,
                organisation_id=int(s["org"]),
                data=data,
                taxonomy=turn.app.taxonomy,
                places=turn.app.places,
                now=turn.now,
                tz=tz,
                actor=actor,
                created_by_person_id=turn.person.id if turn.person else None,
            )
            pending, status = ref.status.value == "pending_review", ref.status
    except DomainError as exc:
        turn.say(t(exc.key), turn.nav(back=True))
        s.pop("confirm", None)
        return
    changed = bool(s.get("_need"))
    urgent = bool(s.get("urgent"))
    was_urgent = bool(s.get("_was_urgent"))
    turn.state.finish()
    if pending:
        key = "post.changed_pending" if changed else "post.pending"
    elif changed:
        newly_urgent = urgent and not was_urgent and status.value == "published"
        key = "post.changed_urgent" if newly_urgent else "post.changed"
    else:
        key = "post.published_urgent" if urgent else "post.published"
    turn.say(
        t(key),
        (
            turn.button("menu.my_needs", "menu:my_needs"),
            turn.button("menu.main", "nav:menu"),
        ),
    )


SLOTS = {
    "org": Slot("org", "post.ask_org", ("button",), ask_org, accept_org),
    "title": Slot("title", "post.ask_title", ("text",), ask_title, accept_title),
    "proposal": Slot(
        "proposal",
        "post.proposal_ask",
        ("button", "text"),
        ask_proposal,
        accept_proposal,
        skip=lambda turn: not turn.state.slots.get("_proposed"),
    ),
    "category": Slot(
        "category",
        "post.ask_category",
        ("entity:category", "button"),
        ask_category,
        accept_category,
    ),
    "repeat": Slot(
        "repeat",
        "post.ask_repeat",
        ("entity:weekday", "entity:date", "button"),
        ask_repeat,
        accept_repeat,
    ),
    "day": Slot(
        "day",
        "post.ask_day",
        ("entity:date",),
        ask_day,
        accept_day,
        skip=lambda turn: _weekly(turn),
    ),
    "days": Slot(
        "days",
        "post.ask_days",
        ("entity:weekday", "button"),
        ask_days,
        accept_days,
        skip=lambda turn: not _weekly(turn),
    ),
    "until": Slot(
        "until",
        "post.ask_until",
        ("entity:date", "button"),
        ask_until,
        accept_until,
        skip=lambda turn: not _weekly(turn),
    ),
    "time": Slot("time", "post.ask_time", ("entity:time", "text"), ask_time, accept_time),
    "count": Slot(
        "count", "post.ask_count", ("entity:count", "button", "text"), ask_count, accept_count
    ),
    "place": Slot(
        "place",
        "post.ask_place",
        ("entity:place", "entity:postcode", "location", "button", "text"),
        ask_place,
        accept_place,
    ),
    "description": Slot(
        "description",
        "post.ask_description",
        ("text", "button"),
        ask_description,
        accept_description,
        default="",
    ),
    "qualifications": Slot(
        "qualifications",
        "post.ask_qualifications",
        ("entity:qualification", "button"),
        ask_qualifications,
        accept_qualifications,
        default=[],
    ),
    "urgent": Slot(
        "urgent",
        "post.ask_urgent",
        ("entity:urgency", "button", "text"),
        ask_urgent,
        accept_urgent,
        default=False,
    ),
    "confirm": Slot("confirm", "post.preview", ("button", "text"), ask_confirm, accept_confirm),
}
FORM = register_form(
    Form(
        "post_need",
        tuple(SLOTS.values()),
        extract,
        complete,
        setup_slots=frozenset({"_orgs", "org", "_ours"}),
    )
)
OPTIONAL = ("description", "qualifications", "urgent")
# A sentence of at least this many words at the preview is taken as the
# description when the draft has none (fewer: the hint how to change a field).
DESCRIPTION_WORDS = 3


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
    turn.state.org_member = True
    turn.state.start("post_need", {"_orgs": [[o.id, o.name] for o in orgs]})
    if len(orgs) == 1:
        turn.state.slots["org"] = orgs[0].id
    if parse is not None:
        found = await extract(turn, parse)
        turn.state.slots.update(found)
        if found:
            # One sentence said what matters: the optional fields take their
            # defaults and show in the preview, where any can be changed.
            for name in OPTIONAL:
                turn.state.slots.setdefault(name, SLOTS[name].default)
    await ask_next(turn, FORM)


async def edit_existing(turn: Turn, orgs: list[tuple[int, str]], need: OwnNeed) -> None:
    """Open one of the organisation's needs in the form, at its preview."""
    turn.state.start("post_need", slots_of(turn, [list(o) for o in orgs], need))
    await ask_next(turn, FORM)


def slots_of(turn: Turn, orgs: list[list[Any]], need: OwnNeed) -> dict[str, Any]:
    """The form's slots for an existing need."""
    tz = ZoneInfo(turn.tenant.timezone)
    slots: dict[str, Any] = {
        "_orgs": orgs,
        "_need": need.id,
        "org": need.organisation_id,
        "title": need.title,
        "description": need.description,
        "category": need.category,
        "count": need.helpers_wanted,
        "qualifications": list(need.qualifications),
        "urgent": need.urgent,
        "_was_urgent": need.urgent,
    }
    if need.remote:
        slots["place"] = {"remote": True, "label": turn.t("post.remote")}
    elif need.lat is not None and need.lon is not None:
        slots["place"] = places.place_value(need.lat, need.lon, need.place_label or "")
    if need.weekly is not None:
        slots["repeat"] = "weekly"
        slots["days"] = list(need.weekly.days)
        slots["time"] = {
            "start": need.weekly.start.strftime("%H:%M"),
            "end": need.weekly.end.strftime("%H:%M"),
        }
        slots["until"] = ""  # no end: the preview, not a question
        if need.valid_until is not None:
            slots["until"] = last_moment(need.valid_until).astimezone(tz).date().isoformat()
    elif need.starts_at is not None and need.ends_at is not None:
        start, end = need.starts_at.astimezone(tz), need.ends_at.astimezone(tz)
        slots["repeat"] = "once"
        slots["day"] = start.date().isoformat()
        slots["time"] = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    return slots


async def join_organisation(turn: Turn, start_arg: str) -> None:
    """``/start org_<code>`` from an invite link: this chat may now post needs
    for that organisation, and lands on its menu (needs, posting, the offers
    that fit); volunteering is one button away, not asked for. Without
    consent there is no person to link yet: consent is asked first and the
    link followed after it (``onboarding.accept_consent``)."""
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
    turn.state.org_member = True
    key = "post.join_again" if joined.already_member else "post.joined"
    turn.say(t(key, organisation=escape(joined.organisation)), organisation_menu(turn))


def organisation_menu(turn: Turn) -> tuple[Button, ...]:
    """What a member came for, then helping oneself and the whole menu."""
    return (
        turn.button("menu.post", "menu:post"),
        turn.button("menu.my_needs", "menu:my_needs"),
        turn.button("menu.fitting_offers", "menu:fitting_offers"),
        turn.button("menu.volunteer", "menu:matches"),
        turn.button("menu.main", "nav:menu"),
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

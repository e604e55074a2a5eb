"""Offers from everyone (issue 14, part 3): a volunteer says what they can
("Ich kann samstags Fahrräder reparieren, in Eilendorf"), sees it read back,
publishes it and gets the needs it fits; an organisation's member sees the
offers that fit its open needs ("Passende Angebote") and answers one through
the relay.

```mermaid
flowchart LR
  cmd[/angebot Text/] --> describe{place known?}
  said[free text, intent post_offer] --> describe
  describe -->|no| place[offer_place: where?] --> preview
  describe -->|yes| preview[read-back: off:post / off:kind:K] -->|off:post| posted[published + fitting needs]
  list[/angebote/] --> mine[my offers: off:wd:O] & fitting[Passende Angebote: off:ans:O:G]
  typed[Passende Angebote typed or pressed] -->|member| fitting
  typed -->|volunteer| matches[their matches]
  early[offer before consent / amid onboarding] -->|slots _offer| held[offer_held: publish it?] -->|yes| describe
  either[offer_or_search: off:as:offer / off:as:search] --> describe & matches
  preview -->|"Ort ändern: Haaren" field_edit| preview
  my[/meine_angebote/] --> withdraw[offer_withdraw: off:wd:O:yes/no]
  fitting -->|off:ans| answer[offer_answer: type] --> relay[(volunteer's chat)]
```

Nothing is said about the volunteer to the organisation: it sees the offer
and writes through the relay; the volunteer chooses whether to pass on a
phone number or e-mail address (dialogue/flows/relay.py).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import DomainError
from core.resources import Resources
from core.schedule import cells_of, mask_of
from core.search_words import fold, stop_words
from core.services import offers, relay
from core.services.offers import OfferDraft
from core.services.profiles import get_profile
from dialogue import field_edit, routing
from dialogue.flows import display_name
from dialogue.flows.location import candidates
from dialogue.markup import escape
from dialogue.messages import Button
from dialogue.nlu.result import ParseResult
from dialogue.offer_words import OfferWords
from dialogue.registry import on_command, on_intent, on_payload
from dialogue.render import card, reasons_line, week
from dialogue.turn import Event, Turn
from dialogue.understanding import word_of

DESCRIBE = "offer"  # waiting for what the person offers
PLACE = "offer_place"  # waiting for where
PREVIEW = "offer_preview"  # read back, waiting for "publish"
ANSWER = "offer_answer"  # an organisation's member writes to the person who offered
HELD = "offer_held"  # an offer said before the profile was done: "Soll ich das einstellen?"
EITHER = "offer_or_search"  # a sentence that could be an offer or a search: which one?
WITHDRAW = "offer_withdraw"  # "Angebot zurückziehen?", waiting for yes or no
# A member of an organisation publishes: for the organisation or privately?
FOR = "offer_for"
FLOWS = frozenset({DESCRIBE, PLACE, PREVIEW, ANSWER, HELD, EITHER, WITHDRAW, FOR})
# Said while signing up (``slots["_offer"]`` of the onboarding form, or of
# its ``_held`` values before consent): taken up once the profile is saved.
HELD_SLOT = "_offer"
OFFER_SURE = 0.6  # post_offer this sure: the sentence is an offer
# "Ich würde gern mit Kindern basteln": a search and an offer rank first and
# second, each at least this likely, and neither is near certain.
EITHER_LEAST = 0.08
EITHER_MOST = 0.9
_SEARCHES = frozenset({"find_engagement", "search"})
_WORD = re.compile(r"\w+")
VALID_DAYS = 90  # an offer without an end date is shown this long
MAX_NAME = 80
MAX_TITLE = 120


@on_command("offer")
async def start(turn: Turn, args: str = "") -> None:
    """``/angebot [text]`` (and the menu's "Ich biete an" when there is nothing to list)."""
    if turn.person is None:
        need_consent(turn)
        return
    turn.state.finish()
    if args.strip():
        await describe(turn, args.strip())
        return
    turn.state.start(DESCRIBE)
    turn.say(turn.t("offers.ask"), turn.nav(back=False))


@on_intent("post_offer")
async def _offer_intent(turn: Turn, parse: ParseResult) -> None:
    """ "Ich kann samstags Fahrräder reparieren, in Eilendorf" typed freely:
    the same read-back as ``/angebot <text>``, from the parse already made."""
    if turn.person is None:
        need_consent(turn)
        return
    turn.state.finish()
    await describe(turn, parse.text.strip(), parse)


def held_offer(parse: ParseResult) -> str | None:
    """The sentence, when it is an offer to keep while someone signs up
    (``HELD_SLOT``; taken up by ``take_up`` once the profile is saved)."""
    if parse.intent == "post_offer" and parse.confidence >= OFFER_SURE:
        return " ".join(parse.text.split())[:MAX_TITLE]
    return None


def holding_note(turn: Turn, held: dict[str, object]) -> str:
    """ "Dein Angebot … stelle ich danach ein": a line for the consent question."""
    offer = held.get(HELD_SLOT)
    return "\n\n" + turn.t("offers.held_note", offer=escape(str(offer))) if offer else ""


def take_up(turn: Turn, offer: str) -> None:
    """After the profile is saved: "Du wolltest anbieten: … Soll ich das als
    Angebot einstellen?"."""
    turn.state.start(HELD, {"text": offer})
    turn.say(
        turn.t("offers.held_ask", offer=escape(offer)),
        (
            turn.yes_button("offers.held_yes", "off:held:yes"),
            turn.no_button("offers.held_no", "off:held:no"),
        ),
    )


def is_either(parse: ParseResult) -> bool:
    """A sentence that reads as a search and as an offer ("Ich würde gern mit
    Kindern basteln"): the two rank first and second, neither near certain."""
    if len(parse.ranking) < 2:
        return False
    (first, top), (second, runner_up) = parse.ranking[0], parse.ranking[1]
    names = {first, second}
    return (
        "post_offer" in names
        and bool(names & _SEARCHES)
        and runner_up >= EITHER_LEAST
        and top < EITHER_MOST
    )


def is_bare(typed: str) -> bool:
    """A wish to offer that names nothing offered: "anbieten", "Ich möchte
    etwas anbieten" (asked what, instead of taking it for the offer); the
    words are ``data/offer_words.yml``'s, beside the search's stop words."""
    words = set(_WORD.findall(fold(typed)))
    return not words - stop_words() - OfferWords.load().bare


def ask_what(turn: Turn) -> None:
    turn.state.finish()
    turn.state.start(DESCRIBE)
    turn.say(turn.t("offers.ask"), turn.nav(back=False))


def ask_either(turn: Turn, parse: ParseResult) -> None:
    """Two buttons: "Als Angebot einstellen" / "Passende Einsätze suchen"."""
    if is_bare(parse.text):  # "I want to offer something": an offer, of what?
        ask_what(turn)
        return
    turn.state.finish()
    turn.state.start(EITHER, {"text": " ".join(parse.text.split())[:MAX_TITLE]})
    turn.say(
        turn.t("offers.either_ask"),
        (
            turn.button("offers.as_offer", "off:as:offer"),
            turn.button("offers.as_search", "off:as:search"),
            turn.button("nav.cancel", "nav:cancel"),
        ),
    )


async def _as_search(turn: Turn, typed: str) -> None:
    parse = await _parse(turn, typed)
    await routing.run_intent(turn, replace(parse, intent="find_engagement", confidence=1.0))


async def describe(turn: Turn, typed: str, parse: ParseResult | None = None) -> None:
    """Read category, place, time and an end date from one sentence (``parse``
    when the sentence was parsed already)."""
    if parse is None:
        parse = await turn.understanding.parse(
            typed,
            turn.lang,
            now=turn.now,
            tz=turn.tenant.timezone,
            districts=turn.tenant.districts,
            tenant=turn.tenant,
        )
    if not parse.entities and is_bare(typed):
        ask_what(turn)
        return
    categories = [c for c in parse.values("category") if turn.app.taxonomy.is_category(c)]
    dates = sorted(parse.values("date"))
    title = " ".join(typed.split())[:MAX_TITLE]
    draft: dict[str, object] = {
        "title": title,
        "kind": _kind(turn, typed),
        "category": categories[0] if categories else None,
        "cells": [c for c in parse.availability],
        "until": dates[-1] if dates else None,
    }
    names = parse.values("postcode") + parse.values("place")
    place = _place(turn, names[0]) if names else None
    if place is not None:  # as written, to leave the title when the place changes
        place["said"] = names[0].strip()[:MAX_NAME]
    if place is None and turn.person is not None:
        profile = await get_profile(turn.app.db, turn.person.id)
        if profile is not None and profile.home_lat is not None:
            place = {"lat": profile.home_lat, "lon": profile.home_lon, "label": profile.home_label}
    if place is None:
        turn.state.start(PLACE, {"draft": draft})
        turn.say(turn.t("offers.ask_place"), turn.nav(back=False))
        return
    draft["place"] = place
    preview(turn, draft)


def _kind(turn: Turn, typed: str) -> str:
    """A thing or room offered ("Transporter", "Raum") is a resource; the
    words are ``data/resources.yml``'s (``core.resources``). So is a thing
    lent that no kind names ("unsere Hüpfburg verleihen";
    ``data/offer_words.yml``, ``lend``)."""
    if Resources.load().kind_of(typed) or OfferWords.load().lends(typed):
        return "resource"
    return "skill"


def _place(turn: Turn, name: str) -> dict[str, object] | None:
    found = candidates(turn, name.strip()[:MAX_NAME])
    if not found:
        return None
    p = found[0]
    label = f"{p.postcode} {p.name}" if p.kind == "postcode" and p.postcode else p.name
    return {"lat": round(p.lat, 5), "lon": round(p.lon, 5), "label": label}


def preview(turn: Turn, draft: dict[str, object]) -> None:
    t = turn.t
    turn.state.start(PREVIEW, {"draft": draft})
    category = draft.get("category")
    until = _until(turn, draft)
    text = t(
        "offers.preview",
        title=escape(str(draft["title"])),
        kind=_kind_label(turn, draft),
        category=escape(turn.app.taxonomy.label(str(category), turn.lang))
        if category
        else t("offers.any_category"),
        place=escape(str((draft.get("place") or {}).get("label") or "")),  # type: ignore[union-attr]
        when=week(t, draft.get("cells") or []) or t("offers.any_time"),  # type: ignore[arg-type]
        until=t.date(until),
    )
    other = [k for k in offers.OFFER_KINDS if k != draft["kind"]]
    buttons = [turn.yes_button("offers.publish", "off:post")]
    buttons += [turn.button(f"offers.make_{k}", f"off:kind:{k}") for k in other]
    buttons.append(turn.button("nav.cancel", "nav:cancel"))
    turn.say(text, buttons)


def _kind_label(turn: Turn, draft: dict[str, object]) -> str:
    """ "Zeit", "Fähigkeit", or the resource a resource offer lends
    ("Transporter", from its words); "Sachmittel oder Raum" when none is named."""
    if draft["kind"] == "resource":
        code = Resources.load().kind_of(str(draft.get("title") or ""))
        if code is not None:
            return escape(Resources.load().label(code, turn.lang))
    return turn.t(f"offers.kind_{draft['kind']}")


def _until(turn: Turn, draft: dict[str, object]) -> datetime:
    raw = draft.get("until")
    if raw:
        day = datetime.fromisoformat(str(raw)).date()
        return datetime.combine(day, time(23, 59), ZoneInfo(turn.tenant.timezone))
    return turn.now + timedelta(days=VALID_DAYS)


async def text(turn: Turn, typed: str) -> bool:
    """A text typed in one of the offer flows; False when it is no answer to
    the open question (held offer, offer or search, withdraw): the question
    is dropped and the text goes its usual way."""
    flow, slots = turn.state.flow, dict(turn.state.slots)
    if flow == DESCRIBE:
        turn.state.finish()
        await describe(turn, typed)
    elif flow == PLACE:
        place = _place(turn, typed)
        if place is None:
            turn.say(turn.t("offers.unknown_place", name=escape(typed[:MAX_NAME])), turn.nav(False))
            return True
        draft = dict(slots.get("draft") or {})
        draft["place"] = place
        preview(turn, draft)
    elif flow == PREVIEW:
        draft = dict(slots.get("draft") or {})
        if edited := await field_edit.apply(turn, typed, draft, _FIELDS):
            preview(turn, _moved(draft, edited))
            return True
        turn.say(turn.t("offers.press_publish"))
        preview(turn, draft)
    elif flow == ANSWER:
        turn.state.finish()
        await _send_answer(turn, slots, typed)
    elif flow in (HELD, WITHDRAW):
        answer = word_of(typed)
        if answer not in ("yes", "no"):
            turn.state.finish()
            return False
        await button(turn, f"held:{answer}" if flow == HELD else f"wd:{slots['offer']}:{answer}")
    elif flow == EITHER:
        turn.state.finish()
        return False
    elif flow == FOR:
        await _ask_for(turn, dict(slots.get("draft") or {}))
    return True


@on_payload(
    "off",
    r"post|kind:(?:time|skill|resource)|list|mine|(?:wd|needs):\d{1,12}|wd:\d{1,12}:(?:yes|no)"
    r"|ans:\d{1,12}:\d{1,12}|held:(?:yes|no)|as:(?:offer|search)|for:\d{1,12}",
)
async def _button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    if not await button(turn, match.group(0)):
        await routing.stale(turn)  # "publish" of a read-back no longer open


async def button(turn: Turn, rest: str) -> bool:
    """``off:post``, ``off:kind:<k>``, ``off:list``, ``off:wd:<offer>``,
    ``off:ans:<offer>:<organisation>``, ``off:needs:<offer>``; False when
    the button belongs to a read-back that is no longer open."""
    t = turn.t
    if rest == "post" and turn.state.flow == PREVIEW:
        draft = dict(turn.state.slots.get("draft") or {})
        if turn.person is not None and await relay.organisations_of_member(
            turn.app.db, turn.person.id
        ):
            await _ask_for(turn, draft)
        else:
            await _publish(turn, draft)
        return True
    if (m := re.fullmatch(r"for:(\d{1,12})", rest)) and turn.state.flow == FOR:
        org = int(m.group(1))
        await _publish(turn, dict(turn.state.slots.get("draft") or {}), org or None)
        return True
    if (m := re.fullmatch(r"kind:(time|skill|resource)", rest)) and turn.state.flow == PREVIEW:
        draft = dict(turn.state.slots.get("draft") or {})
        draft["kind"] = m.group(1)
        preview(turn, draft)
        return True
    if rest == "list":
        await show(turn)
        return True
    if rest == "mine":
        await show_mine(turn)
        return True
    if (m := re.fullmatch(r"held:(yes|no)", rest)) and turn.state.flow == HELD:
        offer = str(turn.state.slots.get("text") or "")
        turn.state.finish()
        if m.group(1) == "yes" and offer:
            await describe(turn, offer)
        else:
            turn.say(t("offers.held_dropped"), turn.menu())
        return True
    if (m := re.fullmatch(r"as:(offer|search)", rest)) and turn.state.flow == EITHER:
        said = str(turn.state.slots.get("text") or "")
        turn.state.finish()
        if m.group(1) == "offer":
            if turn.person is None:
                turn.say(t("offers.need_consent"), _consent_buttons(turn))
            else:
                await describe(turn, said)
        else:
            await _as_search(turn, said)
        return True
    if m := re.fullmatch(r"wd:(\d{1,12})", rest):
        await _ask_withdraw(turn, int(m.group(1)))
        return True
    if m := re.fullmatch(r"wd:(\d{1,12}):(yes|no)", rest):
        if turn.person is None:
            return False
        turn.state.finish()
        if m.group(2) == "no":
            turn.say(t("offers.withdraw_kept"))
            await show_mine(turn)
            return True
        try:
            await offers.withdraw_person_offer(
                turn.app.db, turn.person.id, int(m.group(1)), now=turn.now
            )
        except DomainError as exc:
            turn.say(t(exc.key), (turn.button("offers.my", "off:mine"), *turn.menu()))
            return True
        turn.say(t("offers.withdrawn"))
        await show_mine(turn)
        return True
    if m := re.fullmatch(r"needs:(\d{1,12})", rest):
        await _fitting_needs(turn, int(m.group(1)))
        return True
    if m := re.fullmatch(r"ans:(\d{1,12}):(\d{1,12})", rest):
        org = int(m.group(2))
        if turn.person is None or org not in await relay.organisations_of_member(
            turn.app.db, turn.person.id
        ):
            turn.say(t("error.not_allowed"), turn.menu())
            return True
        turn.state.finish()
        offered = await offers.offer_summary(turn.app.db, int(m.group(1)))
        if offered is None or not offered.active or offered.organisation_id == org:
            turn.say(t("error.not_allowed"), turn.menu())
            return True
        turn.state.start(ANSWER, {"offer": offered.id, "org": org})
        if offered.person_id is None and offered.organisation_id is not None:
            name = await offers.organisation_name(turn.app.db, offered.organisation_id)
            turn.say(t("offers.ask_answer_org", organisation=escape(name)), turn.nav(back=False))
        else:
            turn.say(t("offers.ask_answer"), turn.nav(back=False))
        return True
    return False


async def _ask_for(turn: Turn, draft: dict[str, object]) -> None:
    """A member of an organisation: "Bietest du das für <Organisation> an
    oder privat?" (one button per organisation, one for privately)."""
    assert turn.person is not None
    turn.state.start(FOR, {"draft": draft})
    buttons: list[Button] = []
    for org in await relay.organisations_of_member(turn.app.db, turn.person.id):
        name = await offers.organisation_name(turn.app.db, org)
        buttons.append(Button(turn.t("offers.for_org", name=name[:40]), f"off:for:{org}"))
    buttons.append(turn.button("offers.for_private", "off:for:0"))
    buttons.append(turn.button("nav.cancel", "nav:cancel"))
    turn.say(turn.t("offers.for_ask"), buttons)


async def _publish(
    turn: Turn, draft: dict[str, object], organisation_id: int | None = None
) -> None:
    """Publish the read-back: the person's own offer, or (``organisation_id``)
    the organisation's they chose to offer it for."""
    t = turn.t
    assert turn.person is not None
    place = draft.get("place") or {}
    cells = [str(c) for c in draft.get("cells") or []]  # type: ignore[attr-defined]
    try:
        offer_id = await offers.post_person_offer(
            turn.app.db,
            turn.person.id,
            OfferDraft(
                title=str(draft.get("title") or ""),
                kind=str(draft.get("kind") or "skill"),
                category=str(draft["category"]) if draft.get("category") else None,
                lat=place.get("lat"),  # type: ignore[union-attr]
                lon=place.get("lon"),  # type: ignore[union-attr]
                place_label=place.get("label"),  # type: ignore[union-attr]
                cell_mask=mask_of(cells),
                available_until=_until(turn, draft),
            ),
            now=turn.now,
            organisation_id=organisation_id,
        )
    except DomainError as exc:
        turn.state.finish()
        turn.say(t(exc.key), turn.menu())
        return
    turn.state.finish()
    if organisation_id is None:
        turn.say(t("offers.published"))
    else:
        name = await offers.organisation_name(turn.app.db, organisation_id)
        turn.say(t("offers.published_org", name=escape(name)))
    await _fitting_needs(turn, offer_id)
    if organisation_id is None:  # organisations that write see this name (asked once)
        await display_name.maybe_ask(turn)


async def _fitting_needs(turn: Turn, offer_id: int) -> None:
    t = turn.t
    summary = await offers.offer_summary(turn.app.db, offer_id)
    if summary is None or turn.person is None or not await _may_see(turn, summary):
        turn.say(t("error.not_allowed"), turn.menu())
        return
    page = await offers.needs_for_offer(
        turn.app.db, offer_id, turn.now, tz=ZoneInfo(turn.tenant.timezone), limit=5
    )
    if not page.cards:
        turn.say(t("offers.no_needs"), turn.menu())
        return
    lines = [t("offers.needs_intro")]
    lines += [card(t, turn.app.taxonomy, i + 1, c) for i, c in enumerate(page.cards)]
    buttons = [
        Button(f"{i + 1}. {c.need.title[:40]}", f"need:{c.need.id}")
        for i, c in enumerate(page.cards)
    ]
    buttons.append(turn.button("menu.main", "nav:menu"))
    turn.say("\n\n".join(lines), buttons)


async def _may_see(turn: Turn, summary: offers.OfferSummary) -> bool:
    """The person's own offer, or one of an organisation they are a member of."""
    assert turn.person is not None
    if summary.person_id == turn.person.id:
        return True
    return summary.organisation_id is not None and summary.organisation_id in (
        await relay.organisations_of_member(turn.app.db, turn.person.id)
    )


async def _parse(turn: Turn, typed: str) -> ParseResult:
    return await turn.understanding.parse(
        typed,
        turn.lang,
        now=turn.now,
        tz=turn.tenant.timezone,
        districts=turn.tenant.districts,
        tenant=turn.tenant,
    )


def _moved(draft: dict[str, object], edited: dict[str, object]) -> dict[str, object]:
    """After "Ort ändern: Haaren": the title without the old place it named
    ("Ich kann samstags Fahrräder reparieren, in Eilendorf" → "… reparieren")."""
    old, new = draft.get("place") or {}, edited.get("place") or {}
    said = str(old.get("said") or "") if isinstance(old, dict) else ""  # type: ignore[union-attr]
    if not said or old == new or edited.get("title") != draft.get("title"):
        return edited
    return {**edited, "title": without_place(str(edited.get("title") or ""), said)}


def without_place(title: str, place: str) -> str:
    """``title`` without its last mention of ``place`` and the words that
    lead it in ("bei mir in", ``data/offer_words.yml``); unchanged when
    the place is not in it, or is all of it."""
    found = list(re.finditer(rf"(?<!\w){re.escape(place)}(?!\w)", title, re.IGNORECASE))
    if not found:
        return title
    start, end = found[-1].span()
    lead = OfferWords.load().place_lead
    while m := re.search(r"(\w+)\W*$", title[:start]):
        if fold(m.group(1)) not in lead:
            break
        start = m.start()
    before, after = title[:start].rstrip(" ,;:–-"), title[end:].lstrip(" ,;:–-")
    if any(c.isalnum() for c in after):
        rest = f"{before} {after}".strip()
    else:  # "…, abends in Burtscheid." keeps its full stop
        rest = before + after.strip()
    return rest or title


async def _read_title(turn: Turn, value: str) -> str | None:
    return " ".join(value.split())[:MAX_TITLE] or None


async def _read_place(turn: Turn, value: str) -> dict[str, object] | None:
    return _place(turn, value)


async def _read_cells(turn: Turn, value: str) -> list[str] | None:
    parse = await _parse(turn, value)
    return list(parse.availability) or None


async def _read_category(turn: Turn, value: str) -> str | None:
    parse = await _parse(turn, value)
    found = [c for c in parse.values("category") if turn.app.taxonomy.is_category(c)]
    return found[0] if found else None


async def _read_until(turn: Turn, value: str) -> str | None:
    parse = await _parse(turn, value)
    dates = sorted(parse.values("date"))
    return dates[-1] if dates else None


# The read-back's fields by name ("Ort ändern: Haaren", "days: saturdays").
_FIELDS = (
    field_edit.Field("place", "offers.field_place", _read_place),
    field_edit.Field("cells", "offers.field_days", _read_cells),
    field_edit.Field("title", "offers.field_title", _read_title),
    field_edit.Field("category", "offers.field_category", _read_category),
    field_edit.Field("until", "offers.field_until", _read_until),
)


def _consent_buttons(turn: Turn) -> tuple[Button, ...]:
    key = "consent.yes_after_all" if turn.state.declined else "consent.ask_now"
    return (
        turn.button(key, "menu:start"),
        turn.button("menu.search", "menu:search"),
        turn.button("menu.help", "nav:help"),
    )


def need_consent(turn: Turn) -> None:
    """No person (no consent): nothing is stored, and they are told so."""
    if turn.state.declined:
        turn.say(turn.t("offers.not_stored"), _consent_buttons(turn))
    else:
        turn.say(turn.t("offers.need_consent"), _consent_buttons(turn))


async def _ask_withdraw(turn: Turn, offer_id: int) -> None:
    t = turn.t
    summary = await offers.offer_summary(turn.app.db, offer_id)
    if (
        summary is None
        or turn.person is None
        or not await offers.may_manage(turn.app.db, turn.person.id, offer_id)
    ):
        turn.say(t("error.not_allowed"), turn.menu())
        return
    if not summary.active:
        turn.say(
            t("offers.already_withdrawn"), (turn.button("offers.my", "off:mine"), *turn.menu())
        )
        return
    turn.state.finish()
    turn.state.start(WITHDRAW, {"offer": offer_id})
    key = "offers.withdraw_ask" if summary.person_id else "offers.withdraw_ask_org"
    name = await offers.organisation_name(turn.app.db, summary.organisation_id or 0)
    turn.say(
        t(key, title=escape(summary.title), organisation=escape(name)),
        (
            turn.yes_button("offers.withdraw_yes", f"off:wd:{offer_id}:yes"),
            turn.no_button("offers.withdraw_no", f"off:wd:{offer_id}:no"),
        ),
    )


def _status(turn: Turn, offer: offers.OfferSummary) -> str:
    if not offer.active:
        return turn.t("offers.status_withdrawn")
    if offer.available_until is not None and offer.available_until < turn.now:
        return turn.t("offers.status_expired")
    return turn.t("offers.status_active", until=turn.t.date(offer.available_until or turn.now))


@on_command("my_offers")
async def _my_offers_command(turn: Turn, args: str) -> None:
    await show_mine(turn)


async def show_mine(turn: Turn) -> None:
    """ "Meine Angebote": every offer the person made, and those of the
    organisations they are a member of (posted on the web or by chat), with
    its status, and a button to withdraw each one still out."""
    t = turn.t
    if turn.person is None:
        need_consent(turn)
        return
    turn.state.finish()
    mine = await offers.offers_of_person(
        turn.app.db, turn.person.id, withdrawn=True, organisations=True
    )
    if not mine:
        turn.say(t("offers.none"), (turn.button("offers.new", "cmd:angebot"), *turn.menu()))
        return
    parts = [t("offers.mine")]
    buttons: list[Button] = []
    for o in mine:
        when = week(t, cells_of(o.cell_mask)) if o.cell_mask else t("offers.any_time")
        parts.append(
            f"• <b>{escape(o.title)}</b>{_of_org(turn, o)} – {escape(_status(turn, o))}\n"
            f"  {escape(o.place_label or '')} · {escape(when)}"
        )
        if o.active:
            buttons.append(Button(t("offers.withdraw", title=o.title[:30]), f"off:wd:{o.id}"))
    buttons.append(turn.button("offers.new", "cmd:angebot"))
    buttons.append(turn.button("menu.main", "nav:menu"))
    turn.say("\n\n".join(parts), buttons)


def _of_org(turn: Turn, offer: offers.OfferSummary) -> str:
    """ " (für Repair-Café)" after an organisation's offer in a list."""
    if not offer.organisation:
        return ""
    return " " + turn.t("offers.of_org", name=escape(offer.organisation))


@on_command("offers")
async def _offers_command(turn: Turn, args: str) -> None:
    await show(turn)


@on_command("fitting_offers")
async def _fitting_offers_command(turn: Turn, args: str) -> None:
    """ "Passende Angebote" (a member's menu button, or its label typed): for a
    member of an organisation the offers that fit its open needs; for anyone
    else what fits them, as "passende ..." has always meant to volunteers."""
    if turn.person is not None and await relay.organisations_of_member(turn.app.db, turn.person.id):
        turn.state.org_member = True
        await show(turn)
        return
    await routing.run_action(turn, "matches")


async def show(turn: Turn) -> None:
    """``/angebote``: the person's own offers and, for members of an
    organisation, the offers that fit its open needs."""
    t = turn.t
    if turn.person is None:
        need_consent(turn)
        return
    turn.state.finish()
    mine = await offers.offers_of_person(turn.app.db, turn.person.id, organisations=True)
    parts: list[str] = []
    buttons: list[Button] = []
    if mine:
        parts.append(t("offers.mine"))
        for o in mine:
            when = week(t, cells_of(o.cell_mask)) if o.cell_mask else t("offers.any_time")
            parts.append(
                f"• <b>{escape(o.title)}</b>{_of_org(turn, o)}\n"
                f"  {escape(o.place_label or '')} · {escape(when)}"
            )
            buttons.append(Button(t("offers.needs_of", title=o.title[:30]), f"off:needs:{o.id}"))
            buttons.append(Button(t("offers.withdraw", title=o.title[:30]), f"off:wd:{o.id}"))
    for org in await relay.organisations_of_member(turn.app.db, turn.person.id):
        fitting = await offers.offers_for_organisation(turn.app.db, org, turn.now, limit=5)
        parts.append(t("offers.fitting"))
        if not fitting:
            parts.append(t("offers.fitting_none"))
        for f in fitting:
            by = escape(f.offered_by) if f.offered_by else t("offers.someone")
            parts.append(
                t(
                    "offers.fitting_line",
                    title=escape(f.offer_title),
                    by=by,
                    need=escape(f.need_title),
                    reasons=reasons_line(t, turn.app.taxonomy, f.reasons),
                )
            )
            buttons.append(  # a volunteer's offer or another organisation's
                Button(t("offers.answer", title=f.offer_title[:30]), f"off:ans:{f.offer_id}:{org}")
            )
    if not parts:
        turn.say(t("offers.none"), (turn.button("offers.new", "cmd:angebot"), *turn.menu()))
        return
    buttons.append(turn.button("offers.new", "cmd:angebot"))
    buttons.append(turn.button("menu.main", "nav:menu"))
    turn.say("\n\n".join(parts), buttons)


async def _send_answer(turn: Turn, slots: dict[str, object], typed: str) -> None:
    t = turn.t
    assert turn.person is not None
    try:
        sent = await relay.answer_offer(
            turn.app.db,
            int(slots["org"]),  # type: ignore[call-overload]
            int(slots["offer"]),  # type: ignore[call-overload]
            typed,
            now=turn.now,
            member_person_id=turn.person.id,
        )
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    if sent.person_id:
        turn.say(t("offers.answer_sent"), turn.menu())
    else:  # another organisation's offer
        turn.say(
            t("offers.answer_sent_org", organisation=escape(sent.to_organisation)), turn.menu()
        )


__all__ = [
    "FLOWS",
    "HELD_SLOT",
    "ask_either",
    "button",
    "describe",
    "held_offer",
    "holding_note",
    "is_either",
    "need_consent",
    "show",
    "show_mine",
    "start",
    "take_up",
    "text",
    "without_place",
]

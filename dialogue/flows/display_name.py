"""The name organisations may see, asked once at the first sign-up, the
first question to an organisation or the first published offer (issue 14.2),
never in the middle of a form.

After "Du bist dabei!" (or "Deine Frage ist angekommen", or "Dein Angebot ist
veröffentlicht") the bot asks which name the organisation sees: the
first name the channel knows as a button, or any name typed, or none
(organisations then see "Eine freiwillige Person"). It is never asked again
unprompted; "Name ändern" (the button in the profile, ``/name``, or typed)
asks it again with the current name shown. Lead-ins such as "Ich heiße" or
"my name is" are dropped (``display_names.clean_name``).

```mermaid
flowchart LR
  signup([Anmeldung, Frage, Angebot]) --> asked{schon gefragt?} -->|nein| name[Welcher Name?]
  name -->|Vorname / getippt| saved([gespeichert]) ; name -->|überspringen| none([ohne Namen])
```
"""

from __future__ import annotations

from core.errors import InvalidValue
from core.services.display_names import (
    clean_name,
    clear_display_name,
    mark_asked,
    name_status,
    set_display_name,
)
from dialogue.flows.form import NOTHING, Form, Outcome, Slot, ask_next
from dialogue.markup import escape
from dialogue.nlu.result import ParseResult
from dialogue.registry import on_command, on_payload, register_form
from dialogue.turn import Event, Turn

SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "help", "cancel"})
SURE = 0.75


async def maybe_ask(turn: Turn) -> None:
    """Ask for the name unless the person has one or was asked before, or
    is in the middle of a form (a sign-up pressed at the search question):
    then it is asked at the next sign-up or question, not now."""
    if turn.person is None or turn.person.display_name:
        return
    if turn.state.flow is not None:
        return
    status = await name_status(turn.app.db, turn.person.id)
    if status.display_name or status.asked:
        return
    if not await mark_asked(turn.app.db, turn.person.id, turn.now):
        return
    first = _first_name(turn)
    turn.state.start(FORM.name, {"_first": first} if first else {})
    await ask_next(turn, FORM)


def _first_name(turn: Turn) -> str | None:
    if not turn.first_name:
        return None
    try:
        return clean_name(turn.first_name.split()[0])
    except InvalidValue:
        return None


async def change(turn: Turn) -> None:
    """Ask for the name again, whatever was answered before."""
    if turn.person is None:
        turn.say(turn.t("display_name.no_person"), turn.menu())
        return
    status = await name_status(turn.app.db, turn.person.id)
    slots: dict[str, object] = {"_change": True, "_current": status.display_name or ""}
    first = _first_name(turn)
    if first and first != status.display_name:
        slots["_first"] = first
    turn.state.start(FORM.name, slots)
    await ask_next(turn, FORM)


@on_command("name")
async def _name_command(turn: Turn, args: str) -> None:
    if args.strip() and turn.person is not None:
        try:
            saved = await set_display_name(turn.app.db, turn.person.id, args, turn.now)
        except InvalidValue:
            turn.say(turn.t("display_name.invalid"))
        else:
            turn.say(turn.t("display_name.saved", name=escape(saved)), turn.menu())
            return
    await change(turn)


@on_payload("name", "change", ends_form=True)
async def _change_button(turn: Turn, event: Event, match: object) -> None:
    await change(turn)


async def ask_name(turn: Turn) -> None:
    s = turn.state.slots
    first = s.get("_first")
    buttons = []
    if first:
        buttons.append(turn.button("display_name.use", "f:name:first", name=escape(first)))
    if s.get("_change"):
        if s.get("_current"):
            buttons.append(turn.button("display_name.skip", "f:name:skip"))
        buttons.extend(turn.nav(back=False))
        current = str(s.get("_current") or "")
        key = "display_name.ask_change" if current else "display_name.ask_change_none"
        turn.say(turn.t(key, name=escape(current)), buttons)
        return
    buttons.append(turn.button("display_name.skip", "f:name:skip"))
    text = turn.t(
        "display_name.ask_first" if first else "display_name.ask", name=escape(first or "")
    )
    turn.say(text, buttons)


async def accept_name(turn: Turn, event: Event) -> Outcome:
    if event.kind == "button" and event.payload == "f:name:first":
        first = turn.state.slots.get("_first")
        return Outcome({"name": first}) if first else NOTHING
    if event.kind == "button" and event.payload == "f:name:skip":
        return Outcome({"name": ""})
    if event.kind == "text":
        parse = event.parse
        if parse is not None and parse.intent in SMALL_TALK and parse.confidence >= SURE:
            turn.say(turn.t("display_name.invalid"))  # "Hallo", "danke", "ja": no names
            await ask_name(turn)
            return Outcome(replied=True)
        try:
            return Outcome({"name": clean_name(event.text)})
        except InvalidValue:
            turn.say(turn.t("display_name.invalid"))
            await ask_name(turn)
            return Outcome(replied=True)
    return NOTHING


async def extract(turn: Turn, parse: ParseResult) -> dict[str, object]:
    return {}  # a name is taken as typed, never from entities


async def complete(turn: Turn) -> None:
    name = str(turn.state.slots.get("name") or "")
    turn.state.finish()
    if turn.person is None:
        return
    if not name:
        await clear_display_name(turn.app.db, turn.person.id, turn.now)
        turn.say(turn.t("display_name.skipped"), turn.menu())
        return
    saved = await set_display_name(turn.app.db, turn.person.id, name, turn.now)
    turn.say(turn.t("display_name.saved", name=escape(saved)), turn.menu())


SLOTS = {"name": Slot("name", "display_name.ask", ("button", "text"), ask_name, accept_name)}
FORM = register_form(Form("display_name", tuple(SLOTS.values()), extract, complete))

"""Finding one's way: back, cancel, the menu, the buttons of the menu and a
form's own buttons, and the small talk that needs no flow of its own."""

from __future__ import annotations

import re

from core.services.profiles import get_profile
from dialogue.flows import matches, onboarding, search, settings
from dialogue.flows.form import run_form
from dialogue.nlu.result import ParseResult
from dialogue.registry import ROUTES, on_command, on_intent, on_payload
from dialogue.routing import reask, run_action, run_intent, stale
from dialogue.turn import Event, Turn


async def cancel(turn: Turn) -> None:
    had_flow = turn.state.flow is not None
    turn.state.finish()
    turn.state.pending = None
    turn.say(turn.t("cancel.done" if had_flow else "cancel.nothing"), turn.menu())


async def back(turn: Turn) -> None:
    state = turn.state
    form = ROUTES.forms.get(state.flow or "")
    if form is None:
        if state.view.get("kind"):
            await matches.back_to_list(turn)
        else:
            turn.say(turn.t("back.nothing"), turn.menu())
        return
    asked = list(state.asked)
    if asked and asked[-1] == state.slot:
        asked.pop()
    previous = asked[-1] if asked else None
    slot = form.slot(previous)
    if slot is None or previous == "consent":
        turn.say(turn.t("back.at_start"))
        await reask(turn)
        return
    state.asked = asked
    state.slots.pop(previous, None)
    state.slot = previous
    turn.say(turn.t("back.done"))
    await slot.ask(turn)


def show_menu(turn: Turn) -> None:
    turn.say(turn.t("menu.ask"), turn.menu())


# -- actions (commands and menu buttons) -------------------------------------


@on_command("cancel", keeps_form=True)
async def _cancel_command(turn: Turn, args: str) -> None:
    await cancel(turn)


@on_command("back", keeps_form=True)
async def _back_command(turn: Turn, args: str) -> None:
    await back(turn)


@on_command("menu")
async def _menu_command(turn: Turn, args: str) -> None:
    show_menu(turn)


# -- buttons -------------------------------------------------------------------


@on_payload("nav", "cancel")
async def _nav_cancel(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await cancel(turn)


@on_payload("nav", "back")
async def _nav_back(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await back(turn)


@on_payload("nav", "help")
async def _nav_help(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await settings.help_text(turn)  # the form stays open


@on_payload("nav", "menu")
async def _nav_menu(turn: Turn, event: Event, match: re.Match[str]) -> None:
    turn.state.finish()
    show_menu(turn)


@on_payload("nav", "list")
async def _nav_list(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await matches.back_to_list(turn)


@on_payload("menu")
async def _menu_button(turn: Turn, event: Event, match: re.Match[str]) -> bool:
    return await run_action(turn, match.group(0))


@on_payload("form", "resume")
async def _resume(turn: Turn, event: Event, match: re.Match[str]) -> None:
    """Back to the form set aside (``routing.aside``), at its open question."""
    form = ROUTES.forms.get((turn.state.held or {}).get("flow") or "")
    if form is None or not turn.state.resume():
        await stale(turn)
        return
    turn.say(turn.t("form.resumed"))
    await run_form(turn, form, None)


@on_payload("intent")
async def _intent_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await run_intent(turn, ParseResult(text="", intent=match.group(0), confidence=1.0))


@on_payload("f", r"[^:]*(:.*)?")
async def _form_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    """A button of the form's open question; from an older question it is stale."""
    form = ROUTES.forms.get(turn.state.flow or "")
    slot_name = match.group(0).partition(":")[0]
    if form is not None and slot_name == turn.state.slot:
        await run_form(turn, form, event)
    else:
        await stale(turn)


# -- intents -------------------------------------------------------------------


@on_intent("greet")
async def _greet(turn: Turn, parse: ParseResult) -> bool:
    return await run_action(turn, "start")


@on_intent("goodbye", "thank")
async def _smalltalk(turn: Turn, parse: ParseResult) -> None:
    turn.say(turn.t(f"smalltalk.{parse.intent}"), turn.menu())


@on_intent("affirm", "deny")
async def _yes_no_outside_a_question(turn: Turn, parse: ParseResult) -> None:
    show_menu(turn)


@on_intent("cancel")
async def _cancel_intent(turn: Turn, parse: ParseResult) -> None:
    await cancel(turn)


@on_intent("*")
async def _not_understood(turn: Turn, parse: ParseResult) -> None:
    turn.say(turn.t("error.not_understood"), turn.menu())


# Intents that name a menu action.
_ACTIONS = {
    "my_engagements": "engagements",
    "edit_profile": "profile",
    "pause_notifications": "pause",
    "delete_data": "delete",
    "export_data": "export",
}


# "Name ändern", "change my name": the name organisations see, not the profile.
_NAME_WORDS = re.compile(r"\b(?:name|namen)\b", re.IGNORECASE)


@on_intent(*_ACTIONS)
async def _action_intent(turn: Turn, parse: ParseResult) -> bool:
    if parse.intent == "edit_profile" and _NAME_WORDS.search(parse.text):
        return await run_action(turn, "name")
    return await run_action(turn, _ACTIONS[parse.intent])


@on_intent("find_engagement", "inform")
async def find(turn: Turn, parse: ParseResult) -> None:
    """ "Ich möchte … helfen": onboarding for newcomers, a search for the rest."""
    if turn.person is None:
        if turn.state.declined:  # no profile wanted: what they said is a search
            await search.start(turn, parse)
        else:
            await onboarding.start(turn)
        return
    profile = await get_profile(turn.app.db, turn.person.id)
    if profile is None:
        turn.state.start("onboarding")
        turn.state.slots.update(await onboarding.FORM.fill(turn, parse))
        await run_form(turn, onboarding.FORM, None)
        return
    if search.filter_of(turn, parse):
        await search.start(turn, parse)
    else:
        await matches.show(turn, kind="matches")

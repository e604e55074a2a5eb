"""Running what the flows registered (``dialogue/registry.py``): an action,
a button payload, an intent; and the two answers every route falls back on
(ask the open question again, "that button is old")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from dialogue.commands import COMMANDS
from dialogue.flows.form import run_form
from dialogue.nlu.result import ParseResult
from dialogue.registry import ROUTES
from dialogue.turn import Event, Turn

__all__ = [
    "aside",
    "command",
    "follow_link",
    "location",
    "press",
    "reask",
    "run_action",
    "run_intent",
    "stale",
]


async def command(turn: Turn, name: str, args: str) -> bool:
    action = COMMANDS.get(name)
    if action is None:
        turn.say(turn.t("error.unknown_command"), turn.menu())
        return False
    if action == "start" and args:
        followed = await follow_link(turn, args)
        if followed is not None:
            return followed
    return await run_action(turn, action, args)


async def follow_link(turn: Turn, args: str) -> bool | None:
    """A ``/start <argument>`` deep link; None when no flow knows it."""
    for pattern, handler in ROUTES.links:
        if pattern.fullmatch(args):
            return bool(await handler(turn, args))
    return None


async def run_action(turn: Turn, name: str, args: str = "") -> bool:
    """A command or ``menu:`` button; an unknown one is an old button."""
    action = ROUTES.actions.get(name)
    if action is None or not action.keeps_form:
        turn.state.finish()
        turn.state.pending = None
    if action is None:
        turn.say(turn.t("error.stale_button"), turn.menu())
        return False
    return bool(await action.handler(turn, args))


async def press(turn: Turn, event: Event) -> bool:
    """A button payload: the flow that registered it, or "that one is old"."""
    head = event.payload.partition(":")[0]
    if head in ROUTES.form_ending:
        turn.state.finish()  # an answer to a reminder arrives out of the blue
    found = ROUTES.route_payload(event.payload)
    if found is None:
        await stale(turn)
        return False
    handler, match = found
    return bool(await handler(turn, event, match))


async def run_intent(turn: Turn, parse: ParseResult) -> bool:
    handler = ROUTES.intents.get(parse.intent) or ROUTES.intents["*"]
    return bool(await handler(turn, parse))


async def aside(turn: Turn, answer: Callable[[], Awaitable[bool]]) -> bool:
    """Answer something else while a form is open ("keine Benachrichtigungen
    mehr", a typed menu label) without losing what the form has: when the
    answer ends the form, it is set aside (``DialogueState.hold``) and the
    answer's last reply offers the way back to it (``form:resume``)."""
    state = turn.state
    flow, slot = state.flow, state.slot
    form = ROUTES.forms.get(flow or "")
    if form is None or slot == "consent" or not form.has_answers(state.slots):
        return await answer()  # no form, or nothing in it to keep
    state.hold()
    drop = await answer()
    if drop or (state.flow == flow and state.slot == slot):
        state.held = None  # the form is still open (help, language) or gone (deleted)
        return drop
    if turn.replies:
        last = turn.replies[-1]
        back = turn.button("form.resume", "form:resume")
        turn.replies[-1] = replace(last, buttons=(*last.buttons, back))
        state.offer(turn.replies[-1].buttons)
    return drop


async def location(turn: Turn, event: Event) -> None:
    form = ROUTES.forms.get(turn.state.flow or "")
    slot = form.slot(turn.state.slot) if form else None
    if form is not None and slot is not None and "location" in slot.sources:
        await run_form(turn, form, event)
        return
    # Outside a form a shared location means "what is near here?".
    search = ROUTES.forms["search"]
    turn.state.start("search")
    turn.state.slot = "query"
    await run_form(turn, search, event)


async def reask(turn: Turn) -> None:
    """Ask the open question again, or offer the menu."""
    form = ROUTES.forms.get(turn.state.flow or "")
    slot = form.slot(turn.state.slot) if form else None
    if slot is not None:
        await slot.ask(turn)
    elif not turn.replies or not turn.replies[-1].buttons:
        turn.say(turn.t("menu.ask"), turn.menu())


async def stale(turn: Turn) -> None:
    turn.say(turn.t("error.stale_button"))
    await reask(turn)

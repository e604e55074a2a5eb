"""What each flow handles, declared beside the handler (one table, no ladder).

A flow module says which actions (commands and ``menu:`` buttons), button
payloads, deep links and intents it answers::

    @on_command("engagements")
    async def engagements(turn: Turn, args: str) -> None: ...

    @on_payload("eng", r"\\d{1,12}:withdraw(:yes)?")
    async def withdraw(turn: Turn, event: Event, match: re.Match[str]) -> None: ...

    @on_intent("my_engagements")
    async def my_engagements(turn: Turn, parse: ParseResult) -> None: ...

The names a person types for an action live in ``dialogue/commands.py``;
``dialogue/routing.py`` reads this table for each event. Patterns are
compiled once, when the module is imported. A handler returns True when
the conversation's state is to be dropped (the person deleted their data).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from dialogue.flows.form import Form
    from dialogue.nlu.result import ParseResult
    from dialogue.turn import Event, Turn

__all__ = [
    "ROUTES",
    "Routes",
    "on_command",
    "on_intent",
    "on_link",
    "on_payload",
    "register_form",
]

CommandHandler = Callable[["Turn", str], Awaitable[bool | None]]
PayloadHandler = Callable[["Turn", "Event", "re.Match[str]"], Awaitable[bool | None]]
IntentHandler = Callable[["Turn", "ParseResult"], Awaitable[bool | None]]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Action:
    handler: CommandHandler
    keeps_form: bool  # back, cancel, language: the open form stays open


@dataclass(frozen=True, slots=True)
class PayloadRoute:
    pattern: re.Pattern[str]  # matched in full against the payload after "head:"
    handler: PayloadHandler


@dataclass(slots=True)
class Routes:
    actions: dict[str, Action] = field(default_factory=dict)
    payloads: dict[str, list[PayloadRoute]] = field(default_factory=dict)
    # Heads whose buttons arrive out of the blue (reminders, alerts): they end
    # whatever form was open, matched or not.
    form_ending: set[str] = field(default_factory=set)
    links: list[tuple[re.Pattern[str], CommandHandler]] = field(default_factory=list)
    intents: dict[str, IntentHandler] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)

    def command(self, action: str, *, keeps_form: bool = False) -> Callable[[F], F]:
        def register(handler: F) -> F:
            _unique(self.actions, action, "action")
            self.actions[action] = Action(handler, keeps_form)
            return handler

        return register

    def payload(
        self, head: str, pattern: str = r".*", *, ends_form: bool = False
    ) -> Callable[[F], F]:
        compiled = re.compile(pattern, re.DOTALL)

        def register(handler: F) -> F:
            self.payloads.setdefault(head, []).append(PayloadRoute(compiled, handler))
            if ends_form:
                self.form_ending.add(head)
            return handler

        return register

    def link(self, pattern: str) -> Callable[[F], F]:
        """A ``/start <argument>`` deep link (case-insensitive)."""
        compiled = re.compile(pattern, re.IGNORECASE)

        def register(handler: F) -> F:
            self.links.append((compiled, handler))
            return handler

        return register

    def intent(self, *names: str) -> Callable[[F], F]:
        def register(handler: F) -> F:
            for name in names:
                _unique(self.intents, name, "intent")
                self.intents[name] = handler
            return handler

        return register

    def form(self, form: Form) -> Form:
        _unique(self.forms, form.name, "form")
        self.forms[form.name] = form
        return form

    def route_payload(self, payload: str) -> tuple[PayloadHandler, re.Match[str]] | None:
        head, _, rest = payload.partition(":")
        for route in self.payloads.get(head, ()):
            match = route.pattern.fullmatch(rest)
            if match is not None:
                return route.handler, match
        return None


def _unique(table: dict[str, Any], name: str, what: str) -> None:
    if name in table:
        raise ValueError(f"{what} {name!r} is registered twice")


# The one table the engine routes through; the flows fill it on import.
ROUTES = Routes()
on_command = ROUTES.command
on_payload = ROUTES.payload
on_link = ROUTES.link
on_intent = ROUTES.intent
register_form = ROUTES.form

"""Forms with slots (Rasa's idea, our code): a flow is data.

A ``Form`` lists its slots in the order they are asked. Each ``Slot`` says
where its value may come from (``sources``, for the reader and the docs),
which text asks for it (``prompt``), how to build that question (``ask``)
and how to take a direct answer (``accept``, the validator). A slot's
``kind`` (``choice``, ``yes_no``, ``entity`` with a validator, ``derived``)
says how its value is read from a free text; the form's ``fill`` reads
*every* slot that way (mixed initiative), so a form built from kinds needs
no ``extract`` of its own. ``complete`` runs once every slot has a value.

``run_form`` is the one loop: take what the event gives, ask for the next
missing slot, or complete.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from dialogue.messages import Reply
from dialogue.nlu.result import ParseResult
from dialogue.turn import Event, Turn

NO_DEFAULT = object()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a direct answer did to the slot asked for.

    ``values``: slots filled. ``stay``: the answer was taken but the slot
    is still open (a multi-choice toggled, a place to pick) and ``ask``
    again. ``replied``: the accept function already answered (an error
    with suggestions); nothing else is said. ``answered``: what it said
    is the answer to the text (a field picked to change), no complaint: the
    text was this slot's, and nothing else may answer it instead."""

    values: dict[str, Any] = field(default_factory=dict)
    stay: bool = False
    replied: bool = False
    answered: bool = False

    @property
    def empty(self) -> bool:
        return not self.values and not self.stay and not self.replied


NOTHING = Outcome()

AskFn = Callable[[Turn], Awaitable[None]]
AcceptFn = Callable[[Turn, Event], Awaitable[Outcome]]
ExtractFn = Callable[[Turn, ParseResult], Awaitable[dict[str, Any]]]
CompleteFn = Callable[[Turn], Awaitable[None]]
SkipFn = Callable[[Turn], bool]


FromParseFn = Callable[[Turn, ParseResult], Any]  # the value, or None
EntityValidator = Callable[[Turn, list[str]], Any]  # an entity's values -> the value, or None


@dataclass(frozen=True, slots=True)
class SlotKind:
    """How a slot's value is read from a free text's parse."""

    name: str  # "choice" | "yes_no" | "entity" | "derived": for the reader and the docs
    from_parse: FromParseFn


def choice(entity: str, options: Collection[str]) -> SlotKind:
    """The first value of ``entity`` that is one of ``options``."""

    def from_parse(turn: Turn, parse: ParseResult) -> Any:
        return next((v for v in parse.values(entity) if v in options), None)

    return SlotKind("choice", from_parse)


def yes_no(entity: str, *, only_when_asked: str | None = None) -> SlotKind:
    """True when ``entity`` is present (while ``only_when_asked`` is the open slot)."""

    def from_parse(turn: Turn, parse: ParseResult) -> Any:
        if only_when_asked is not None and turn.state.slot != only_when_asked:
            return None
        return True if parse.values(entity) else None

    return SlotKind("yes_no", from_parse)


def entity(names: str | tuple[str, ...], validator: EntityValidator) -> SlotKind:
    """The values of one or more entities, checked and converted by ``validator``."""
    wanted = (names,) if isinstance(names, str) else names

    def from_parse(turn: Turn, parse: ParseResult) -> Any:
        values = [v for name in wanted for v in parse.values(name)]
        return validator(turn, values) if values else None

    return SlotKind("entity", from_parse)


def derived(fn: FromParseFn) -> SlotKind:
    """A value computed from the whole parse (a title guessed from the text)."""
    return SlotKind("derived", fn)


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    prompt: str  # text key of the question
    sources: tuple[str, ...]  # "entity:<name>", "button", "text", "location"
    ask: AskFn
    accept: AcceptFn
    # A slot with a default is asked when the person goes step by step; when
    # one answer jumps ahead (mixed initiative) it takes the default.
    default: Any = NO_DEFAULT
    skip: SkipFn | None = None  # not asked at all in this situation
    kind: SlotKind | None = None  # how a free text fills it; None: only a direct answer


@dataclass(frozen=True, slots=True)
class Form:
    name: str
    slots: tuple[Slot, ...]
    # A hand-written reading of a free text, for forms whose slots depend on
    # each other; None: read from the slots' kinds.
    extract: ExtractFn | None
    complete: CompleteFn
    # Slots that are stepping stones (consent) do not count as "jumping ahead".
    first_slot_after_jump: str | None = None
    # Slots the form fills on its own (consent given, the organisations
    # offered): a form holding nothing else has nothing to keep when
    # something interrupts it (``routing.aside``).
    setup_slots: frozenset[str] = frozenset()

    def has_answers(self, slots: dict[str, Any]) -> bool:
        """Whether ``slots`` hold anything the person gave (not only setup)."""
        return any(name not in self.setup_slots for name in slots)

    def slot(self, name: str | None) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)

    async def fill(self, turn: Turn, parse: ParseResult) -> dict[str, Any]:
        """The slots a free text fills, wherever they are in the form."""
        if self.extract is not None:
            return await self.extract(turn, parse)
        values: dict[str, Any] = {}
        for slot in self.slots:
            if slot.kind is not None:
                value = slot.kind.from_parse(turn, parse)
                if value is not None:
                    values[slot.name] = value
        return values


async def run_form(
    turn: Turn, form: Form, event: Event | None, *, interruptible: bool = False
) -> bool:
    """Handle one event inside ``form`` (``None``: just ask the next slot).

    ``interruptible``: something else could answer this text (a sure intent,
    a typed menu label). The form still reads it first, and an answer the
    open slot can take ("keine" for the qualifications) is that slot's
    answer; one it cannot take changes nothing here and returns False."""
    state = turn.state
    current = form.slot(state.slot)
    filled: dict[str, Any] = {}
    if event is not None:
        saved = (state.to_dict(), len(turn.replies)) if interruptible else None
        outcome = await _take(turn, form, current, event, filled)
        if saved is not None and not (filled or outcome.stay or outcome.answered):
            state.restore(saved[0])
            del turn.replies[saved[1] :]
            return False
        if outcome.replied:
            return True
        if outcome.stay and current is not None:
            await current.ask(turn)
            return True
        if not filled:
            await _not_understood(turn, form, current, event)
            return True
    state.slots.update(filled)
    jumped = any(name != state.slot for name in filled)
    if jumped:
        for slot in form.slots:
            if slot.name not in state.slots and slot.default is not NO_DEFAULT:
                state.slots[slot.name] = slot.default
    await ask_next(turn, form)
    return True


async def ask_next(turn: Turn, form: Form) -> None:
    state = turn.state
    for slot in form.slots:
        if slot.name in state.slots:
            continue
        if slot.skip is not None and slot.skip(turn):
            continue
        state.slot = slot.name
        state.push_asked(slot.name)
        await slot.ask(turn)
        return
    state.slot = None
    await form.complete(turn)


async def _take(
    turn: Turn, form: Form, current: Slot | None, event: Event, filled: dict[str, Any]
) -> Outcome:
    outcome = NOTHING
    if event.kind == "text" and event.parse is not None and current is not None:
        # Entities fill their slots wherever they are, but not past a slot
        # that must be answered first (consent).
        if current.name != "consent":
            filled.update(await form.fill(turn, event.parse))
    if current is not None and current.name not in filled:
        outcome = await current.accept(turn, event)
        filled.update(outcome.values)
    elif event.kind == "button" and current is None:
        outcome = NOTHING
    return outcome


async def _not_understood(turn: Turn, form: Form, current: Slot | None, event: Event) -> None:
    key = "error.not_understood_button" if event.kind == "button" else "error.not_understood"
    turn.say(turn.t(key))
    if current is not None:
        await current.ask(turn)
    else:
        await ask_next(turn, form)


def toggle(turn: Turn, event: Event, slot: str, options: Collection[str]) -> Outcome | None:
    """A press on a many-choice slot's buttons (``f:<slot>:<option>``, ``…:done``):
    an option is switched on or off in the chosen ones kept as ``_<slot>``
    (the slot stays open), "done" fills the slot with them. None when the
    event is no button; NOTHING for a button of no option."""
    if event.kind != "button":
        return None
    value = event.payload.split(":", 2)[-1]
    chosen: list[str] = list(turn.state.slots.get(f"_{slot}") or [])
    if value == "done":
        return Outcome({slot: chosen})
    if value not in options:
        return NOTHING
    chosen = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
    turn.state.slots[f"_{slot}"] = chosen
    return Outcome(stay=True)


def prompt_reply(turn: Turn, slot: Slot, text: str | None = None, **kwargs: Any) -> Reply:
    """The standard question of a slot with back/cancel added to its buttons."""
    buttons = tuple(kwargs.pop("buttons", ())) + turn.nav(back=len(turn.state.asked) > 1)
    return turn.say(text or turn.t(slot.prompt), buttons, **kwargs)

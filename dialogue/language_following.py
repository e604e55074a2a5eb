"""Answering in the language a person writes in: the channel's hint only
chose the first one; a text in the tenant's other language switches, unless
the person chose a language themselves. The turn that switched says so and
offers the way back."""

from __future__ import annotations

from dataclasses import replace

from core.services.people import set_language
from dialogue.flows.settings import LANGUAGE_NAMES
from dialogue.messages import Button
from dialogue.nlu.result import ParseResult
from dialogue.texts import LANGUAGES
from dialogue.turn import Turn
from dialogue.understanding import detect_language

__all__ = ["carries", "follow_language", "language_note", "other_language"]


def carries(parse: ParseResult) -> bool:
    """Whether a parse carries anything beyond its intent."""
    return bool(parse.entities or parse.availability or parse.spontaneous)


async def follow_language(turn: Turn, text: str) -> None:
    if turn.state.lang_chosen:
        return
    detected = detect_language(text)
    if detected is None or detected == turn.lang or detected not in turn.tenant.languages:
        return
    if detected not in LANGUAGES:
        return
    await _switch_to(turn, detected)


async def other_language(turn: Turn, text: str) -> ParseResult | None:
    """The parse in the tenant's other language when it carries what this
    language's did not (and the person did not choose a language)."""
    if turn.state.lang_chosen:
        return None
    for other in turn.tenant.languages:
        if other == turn.lang or other not in LANGUAGES:
            continue
        parse = await turn.understanding.parse(
            text, other, now=turn.now, tz=turn.tenant.timezone,
            districts=turn.tenant.districts,
        )  # fmt: skip
        if carries(parse):
            await _switch_to(turn, other)
            return parse
    return None


async def _switch_to(turn: Turn, detected: str) -> None:
    turn.switched_from = turn.switched_from or turn.lang
    turn.lang = detected
    turn.language_changed = True
    if turn.person is not None:
        await set_language(turn.app.db, turn.person.id, detected)


def language_note(turn: Turn) -> None:
    """One line saying the language changed, first; the button back last,
    where every channel offers it (plain channels number only the last
    buttons, the web chat shows only those)."""
    before = turn.switched_from
    if before is None or before == turn.lang or not turn.replies:
        return
    first = turn.replies[0]
    turn.replies[0] = replace(first, text=turn.t("language.detected") + "\n\n" + first.text)
    back = Button(turn.t("language.back", name=LANGUAGE_NAMES[before]), f"lang:{before}")
    last = turn.replies[-1]
    if any(b.payload == back.payload for b in last.buttons):
        return  # the language question itself offers it already
    turn.replies[-1] = replace(last, buttons=(*last.buttons, back))
    turn.state.offer(turn.replies[-1].buttons)

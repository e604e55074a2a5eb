"""Slot kinds are data: a form built from them reads a free text without an
``extract`` of its own (dialogue/flows/form.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from dialogue.flows import post_need, search
from dialogue.flows.form import Form, Slot, choice, derived, entity, yes_no
from dialogue.nlu.result import Entity, ParseResult


def _parse(text: str = "", **values: list[str]) -> ParseResult:
    entities = tuple(Entity(k, v, 0, 0) for k, vs in values.items() for v in vs)
    return ParseResult(text=text, intent="inform", confidence=1.0, entities=entities)


async def _nothing(*args: Any) -> Any:
    return None


def _slot(name: str, kind: Any) -> Slot:
    return Slot(name, f"{name}.ask", ("entity",), _nothing, _nothing, kind=kind)


def _turn(slot: str | None = None) -> Any:
    return SimpleNamespace(state=SimpleNamespace(slot=slot, slots={}))


FORM = Form(
    "cake",
    (
        _slot("flavour", choice("flavour", ("apfel", "kirsch"))),
        _slot("pieces", entity("count", lambda turn, vs: int(vs[0]) if vs[0].isdigit() else None)),
        _slot("cream", yes_no("urgency", only_when_asked="cream")),
        _slot("note", derived(lambda turn, parse: parse.text.upper() or None)),
    ),
    None,
    _nothing,
)


async def test_each_kind_fills_its_slot_from_a_free_text() -> None:
    parse = _parse("mit sahne", flavour=["banane", "kirsch"], count=["3"], urgency=["sofort"])
    assert await FORM.fill(_turn(), parse) == {
        "flavour": "kirsch",  # the first offered choice, not the first value
        "pieces": 3,
        "note": "MIT SAHNE",
    }
    assert (await FORM.fill(_turn("cream"), parse))["cream"] is True  # only while asked


async def test_a_validator_that_refuses_leaves_the_slot_open() -> None:
    assert await FORM.fill(_turn(), _parse(flavour=["banane"], count=["viele"])) == {}


def test_the_search_form_is_read_from_its_slots() -> None:
    # post_need reads a sentence with its own extract again since issue 14's
    # whole form (weekly days, until, urgency, qualifications, edit by name):
    # like onboarding, its slots depend on each other. Left for issue 12.
    assert search.FORM.extract is None
    assert any(slot.kind is not None for slot in search.FORM.slots)
    assert post_need.FORM.extract is not None

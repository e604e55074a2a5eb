"""Changing a read-back by naming a field: "Ort ändern: Haaren", "Tage:
samstags und sonntags", "Beschreibung: Ich repariere auch E-Bikes",
"change place to Haaren", "days: saturdays".

A flow lists its ``Field``s: the key of its draft, the text key that names
the field (comma-separated words, in every language of the tenant: an
English name is understood in a German chat) and how a value is read
(``read``: the typed value to the draft's value, None when it is none).
``apply`` finds the field a text names and returns the changed draft.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dialogue.markup import escape
from dialogue.texts import LANGUAGES, Texts
from dialogue.turn import Turn

__all__ = ["Field", "apply", "named"]

ReadFn = Callable[[Turn, str], Awaitable[Any]]

# Words around a field's name that say "change it": "Ort ändern: …",
# "change place to …", "neuer Ort: …"; and what stands between name and value.
_VERBS = (
    r"(?:ändern|aendern|ändere|aendere|änderen|neu|neuer|neue|neues|change|set|edit|new|update)"
)
_ARTICLES = r"(?:der|die|das|den|dem|mein|meine|meinen|the|my)"
_BETWEEN = r"(?:[:=–-]|\bauf\b|\bzu\b|\bin\b|\bto\b|\bis\b|\bist\b)"
MAX_VALUE = 500


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # the draft's key
    names_key: str  # text key: the field's names, comma-separated
    read: ReadFn  # typed value -> the draft's value, or None


def _names(turn: Turn, field: Field) -> list[str]:
    languages = dict.fromkeys((turn.lang, *(x for x in turn.tenant.languages if x in LANGUAGES)))
    names: list[str] = []
    for lang in languages:
        t = Texts(turn.tenant, lang, turn.edited)
        if t.has(field.names_key):
            names += [n.strip() for n in t.raw(field.names_key).split(",") if n.strip()]
    return list(dict.fromkeys(names))


def named(turn: Turn, typed: str, fields: Sequence[Field]) -> tuple[Field, str] | None:
    """The field a text names and the value it gives ("Ort ändern: Haaren"
    -> place, "Haaren"); None when it names none."""
    text = " ".join(typed.split())
    for field in fields:
        names = sorted(_names(turn, field), key=len, reverse=True)
        if not names:
            continue
        alternatives = "|".join(re.escape(n) for n in names)
        pattern = (
            rf"^(?:{_VERBS}\s+)?(?:{_ARTICLES}\s+)?(?:{alternatives})\s*(?:{_VERBS}\s*)?"
            rf"{_BETWEEN}\s*(?P<value>\S.*)$"
        )
        m = re.match(pattern, text, re.IGNORECASE)
        if m:
            return field, m.group("value").strip()[:MAX_VALUE]
    return None


async def apply(
    turn: Turn, typed: str, draft: dict[str, Any], fields: Sequence[Field]
) -> dict[str, Any] | None:
    """The draft with the field a text names changed; None when the text
    names no field. A value that cannot be read is said, and the draft comes
    back unchanged (the read-back is shown again)."""
    found = named(turn, typed, fields)
    if found is None:
        return None
    field, raw = found
    value = await field.read(turn, raw)
    if value is None:
        turn.say(turn.t("field_edit.not_read", value=escape(raw[:80])))
        return dict(draft)
    return {**draft, field.name: value}

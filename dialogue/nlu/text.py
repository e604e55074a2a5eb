"""Tokens and normalisation shared by the classifier and the extractors.

Matching is case- and umlaut-insensitive: "Flüchtlinge", "fluechtlinge" and
"FLÜCHTLINGE" all fold to the same key. Offsets always refer to the original
text, so entities can point back at what the person wrote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
# Control characters would only confuse the models; they are replaced by
# spaces (same length) so offsets stay valid.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def fold(word: str) -> str:
    """Lower case, umlauts spelled out, other accents dropped."""
    lowered = word.lower().translate(_UMLAUTS)
    if lowered.isascii():  # nothing to decompose: most words, once umlauts are spelled out
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean(text: str) -> str:
    return _CONTROL.sub(" ", text)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int
    norm: str


def tokenize(text: str) -> list[Token]:
    """Words with their offsets; hyphenated words stay one token ("Erste-Hilfe")."""
    return [Token(m.group(), m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]


def split_hyphens(tokens: list[Token]) -> list[Token]:
    """Hyphenated words also as their parts, for phrase lookups ("Repair-Café")."""
    out: list[Token] = []
    for tok in tokens:
        if "-" not in tok.text:
            out.append(tok)
            continue
        pos = tok.start
        for part in tok.text.split("-"):
            if part:
                out.append(Token(part, pos, pos + len(part), fold(part)))
            pos += len(part) + 1
    return out

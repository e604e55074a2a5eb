"""How place names are compared: one key per spelling people use for a place.

"Würselen", "Wuerselen" and "WÜRSELEN" share the key ``wuerselen``;
"Aachen-Brand" and "Aachen Brand" share ``aachen brand``; "St. Augustin"
and "Sankt Augustin" share ``sankt augustin``. Stdlib only, because the
gazetteer build script (run outside the project's venv) uses it too.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["is_latin", "name_key"]

# German transliteration first, so "ü" and "ue" meet; other accents
# (é, è, ç) are stripped afterwards by Unicode decomposition.
_FOLD = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe"}
)
# Anything that is not a letter or digit separates words: hyphens, slashes,
# brackets, dots and apostrophes ("Halle (Saale)", "Frankfurt/Main").
_SEPARATORS = re.compile(r"[^0-9a-z]+")
# "St. Augustin" is how many people write "Sankt Augustin".
_SAINT = re.compile(r"\bst\b")


def name_key(text: str) -> str:
    """The comparison key of a name: case-, umlaut-, ß-, accent- and hyphen-insensitive."""
    folded = text.casefold()
    if not folded.isascii():
        # Composed first, so a decomposed "u" + diaeresis (macOS input) is "ü" too.
        folded = unicodedata.normalize("NFC", folded)
    folded = folded.translate(_FOLD)
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = _SEPARATORS.sub(" ", folded).strip()
    if "st" in key:
        key = _SAINT.sub("sankt", key)
    return key


def is_latin(text: str) -> bool:
    """True when every letter is Latin script; other scripts are of no use to our users."""
    for ch in text:
        if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True

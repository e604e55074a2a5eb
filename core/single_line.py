"""Single-line fields (titles, names, places, e-mail addresses): they end up
in e-mail headers, chat buttons and calendar lines, so no line breaks and no
control characters. Services check them at their boundary."""

from __future__ import annotations

import unicodedata

# Cc: control characters (newline, carriage return, tab, escape, NUL, …);
# Zl/Zp: the Unicode line and paragraph separators.
_FORBIDDEN = frozenset({"Cc", "Zl", "Zp"})


def is_single_line(text: str | None) -> bool:
    """Whether ``text`` holds no line break or control character."""
    return not text or not any(unicodedata.category(c) in _FORBIDDEN for c in text)

"""Light markup: the small HTML subset every reply text is written in."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<a\s+href=\"([^\"]*)\">(.*?)</a>|</?(?:b|i|code)>", re.S)


def escape(value: object) -> str:
    """Escape a user- or organisation-written value for a reply text."""
    return html.escape(str(value), quote=True)


def to_plain(text: str) -> str:
    """Render markup as plain text: tags dropped, links as "label (url)"."""

    def plain(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return ""
        url, label = html.unescape(match.group(1)), match.group(2)
        return label if label == url else f"{label} ({url})"

    return html.unescape(_TAG.sub(plain, text))


def clip(text: str, most: int) -> str:
    """At most ``most`` characters, an ellipsis where it was cut (button labels)."""
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"

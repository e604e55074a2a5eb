"""Placeholders in the texts people see (``{title}``): which a text uses, and
whether a text an editor wrote is safe to format."""

from __future__ import annotations

import string


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def plain_placeholders(text: str) -> bool:
    """Whether every placeholder is a bare name: no format spec
    (``{title:>999999999}`` builds a gigabyte), no conversion, no attribute
    or index, and the braces balance. Edited texts must be plain."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return False
    return all(
        name is None or (name.isidentifier() and not spec and conversion is None)
        for _, name, spec, conversion in fields
    )


__all__ = ["placeholders", "plain_placeholders"]

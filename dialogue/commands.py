"""The chat commands every channel offers: German names are canonical (the
engine's), English ones are aliases. Channels map an alias before they build
an ``Incoming(command=...)``."""

from __future__ import annotations

from typing import Final

# English alias -> canonical German command.
COMMAND_ALIASES: Final[dict[str, str]] = {
    "matches": "passt",
    "search": "suche",
    "dates": "termine",
    "profile": "profil",
    "data": "daten",
    "delete": "loeschen",
    "language": "sprache",
    "help": "hilfe",
    "offer": "angebot",  # issue 14: offers and contact details
    "offers": "angebote",
    "contact": "kontakt",
}

# The commands a channel lists in its menu, in order.
CANONICAL_COMMANDS: Final[tuple[str, ...]] = (
    "start",
    "passt",
    "suche",
    "termine",
    "profil",
    "pause",
    "daten",
    "loeschen",
    "sprache",
    "hilfe",
    "angebot",
    "angebote",
    "kontakt",
)

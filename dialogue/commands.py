"""The one command table: which typed names reach which action.

The engine routes by it (``/passt`` and ``/matches`` both run the action
``matches``), the help text lists the menu commands from it, and every
channel builds its command menu from it (:func:`command_menu`; each
command's description is the text ``command.<action>`` in
``data/texts/<lang>.yml``). German names are canonical, English ones are
aliases a channel maps before it builds an ``Incoming(command=...)``.
The actions themselves are registered by the flows (``dialogue/registry.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Command:
    action: str  # the action a flow registered with ``@on_command``
    name: str  # canonical (German) name
    english: str | None = None  # the English alias, shown in English menus
    others: tuple[str, ...] = ()  # further spellings the engine accepts
    in_menu: bool = False  # listed in the channels' command menus
    in_help: bool = False  # listed in the help text

    def shown(self, lang: str) -> str:
        """The name a menu or the help text in ``lang`` shows."""
        return (self.english or self.name) if lang == "en" else self.name


COMMAND_TABLE: Final[tuple[Command, ...]] = (
    Command("start", "start", in_menu=True),
    Command("matches", "passt", "matches", in_menu=True, in_help=True),
    Command("search", "suche", "search", in_menu=True, in_help=True),
    Command("engagements", "termine", "dates", ("engagements",), in_menu=True, in_help=True),
    Command("certificate", "nachweis", "certificate", in_menu=True, in_help=True),
    Command("profile", "profil", "profile", in_menu=True, in_help=True),
    # The name organisations see ("/name Klaus", or asked again).
    Command("name", "name", "name"),
    # issue 14: offers by message, "Passende Angebote", contact per engagement
    Command("offer", "angebot", "offer", in_menu=True, in_help=True),
    Command("offers", "angebote", "offers", in_menu=True, in_help=True),
    # "Passende Angebote" (its menu label, typed or pressed): for a member of
    # an organisation the offers that fit its open needs; for everyone else
    # what fits them, as "passende ..." always meant (dialogue/flows/offers.py).
    Command("fitting_offers", "passende_angebote", "matching_offers"),
    # "Meine Angebote": the person's own offers with their status, to withdraw one.
    Command("my_offers", "meine_angebote", "my_offers", in_menu=True, in_help=True),
    Command(
        "contact",
        "kontakt",
        "contact",
        (
            "kontakt teilen",
            "kontaktdaten",
            "kontaktdaten teilen",
            "kontaktdaten weitergeben",
            "telefonnummer teilen",
            "nummer teilen",
            "share contact",
            "share my contact",
            "contact details",
        ),
        in_menu=True,
        in_help=True,
    ),
    Command("pause", "pause", in_menu=True, in_help=True),
    Command("data", "daten", "data", in_menu=True, in_help=True),
    Command("delete", "loeschen", "delete", ("löschen",), in_menu=True),
    Command("language", "sprache", "language", in_menu=True, in_help=True),
    Command("help", "hilfe", "help", in_menu=True),
    Command("cancel", "abbrechen", "cancel"),
    Command("back", "zurueck", "back", ("zurück",)),
    Command("menu", "menu", None, ("menue", "menü")),
    Command("post", "bedarf", "post"),
    Command("my_needs", "bedarfe", "needs"),
    Command("export", "export"),
    # "Kalender abonnieren": a private link to all of one's engagements (issue 14.6).
    Command("calendar", "kalender", "calendar"),
)

# Every accepted name -> action (what the engine routes by).
COMMANDS: Final[dict[str, str]] = {
    name: c.action
    for c in COMMAND_TABLE
    for name in (c.name, *((c.english,) if c.english else ()), *c.others)
}

# The text keys of the menu labels that name an action of the table
# ("📅 Meine Termine", "📅 My dates"): a typed label runs it (``typed_action``).
MENU_LABELS: Final[dict[str, str]] = {
    "menu.main": "menu",
    **{f"menu.{c.action}": c.action for c in COMMAND_TABLE},
}


def typed_action(key: str, labels: list[tuple[str, str]]) -> str | None:
    """The action a typed text names without a slash, wherever it is typed:
    a command's name from the table (German, English or another spelling:
    "termine", "dates") or the label of its menu button ("📅 Meine Termine",
    "My dates"). ``key`` is the text as button labels are compared
    (``dialogue.choices.label_key``); ``labels`` are (label key, action) of
    the menu labels in the tenant's languages."""
    action = COMMANDS.get(key)
    if action is not None:
        return action
    return next((a for label, a in labels if label == key), None)


# English alias -> canonical German command (mapped by channels).
COMMAND_ALIASES: Final[dict[str, str]] = {
    c.english: c.name for c in COMMAND_TABLE if c.english and c.english != c.name
}


def menu_names(lang: str) -> tuple[str, ...]:
    """The command names a menu in ``lang`` shows (English ones in English)."""
    return tuple(c.shown(lang) for c in COMMAND_TABLE if c.in_menu)


def help_commands(lang: str) -> str:
    """The command list inside the help text."""
    return ", ".join(f"/{c.shown(lang)}" for c in COMMAND_TABLE if c.in_help)


def command_menu(lang: str, describe: Callable[[str], str]) -> dict[str, str]:
    """A channel's command menu in ``lang``: the table's menu names in its
    order, each with ``describe(key)`` for its text key ``command.<action>``
    (a ``dialogue.texts.Texts`` of that language, tenant overrides and all)."""
    return {c.shown(lang): describe(f"command.{c.action}") for c in COMMAND_TABLE if c.in_menu}

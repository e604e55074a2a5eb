"""The channel-neutral message model (DESIGN.md, "Message model").

Channels turn platform events into an `Incoming` and render each `Reply`.
Button payloads are ids (e.g. ``need:42:signup``), never labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Incoming:
    """One event from one person: exactly one of text, button, location, command.

    ``identity`` is ``<channel>:<id>`` (``telegram:12345``, ``matrix:@a:b``,
    ``web:<session>``, ``console:<user>``). ``command`` is the bare command
    name without slash (``start``); ``args`` carries its argument
    (``/start need_42`` -> command="start", args="need_42").
    ``language_hint`` is the platform's language for people not yet known.
    """

    identity: str
    tenant: str
    text: str | None = None
    button: str | None = None
    location: Location | None = None
    command: str | None = None
    args: str = ""
    language_hint: str | None = None
    now: datetime | None = None

    def __post_init__(self) -> None:
        given = sum(x is not None for x in (self.text, self.button, self.location, self.command))
        if given != 1:
            raise ValueError("Incoming needs exactly one of text, button, location, command")


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str


# A typed answer longer than this is no button label (labels are short).
MAX_LABEL_TEXT = 200


def label_key(text: str) -> str:
    """What a typed answer and a button label are compared by: case and
    spacing folded, emoji and punctuation cut at the edges. Linear in the
    text (no backtracking regex on what people type)."""
    folded = " ".join(text.casefold().split())
    start, end = 0, len(folded)
    while start < end and not folded[start].isalnum():
        start += 1
    while end > start and not folded[end - 1].isalnum():
        end -= 1
    return folded[start:end]


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    mime_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says.

    ``text`` is light markup in the HTML subset Telegram accepts: ``<b>``,
    ``<i>``, ``<a href="...">``, ``<code>``; every user- or organisation-written
    value in it is already escaped (``dialogue.markup.escape``). Telegram,
    Matrix (``formatted_body``) and the web use it as it is; plain channels use
    ``dialogue.markup.to_plain``. ``edit`` marks a reply that may replace the
    bot's previous message (paging) where the channel can edit."""

    text: str
    buttons: tuple[Button, ...] = ()
    request_location: bool = False
    attachments: tuple[Attachment, ...] = ()
    edit: bool = False
    buttons_per_row: int = 1
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

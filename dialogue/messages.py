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
    ``event_id`` names the platform event (a Telegram update, a Matrix event,
    a web form) so that the same event delivered again is answered with the
    same replies instead of being handled twice.
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
    event_id: str | None = None
    # The first name the platform knows (Telegram), the default for the name
    # organisations see (issue 14); never stored unless the person accepts it.
    first_name: str | None = None

    def __post_init__(self) -> None:
        given = sum(x is not None for x in (self.text, self.button, self.location, self.command))
        if given != 1:
            raise ValueError("Incoming needs exactly one of text, button, location, command")


YES = "yes"
NO = "no"


@dataclass(frozen=True, slots=True)
class Button:
    """One offered choice. ``answer`` marks the yes or the no of a yes/no
    question (``YES``/``NO``): a typed "ja", "nein", "Ja, habe ich" presses
    it (``dialogue.choices``), so no flow reads yes/no words of its own."""

    label: str
    payload: str
    answer: str | None = None


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


def offer_of(button: Button) -> list[str]:
    """A button as kept in JSON: [label, payload] or [label, payload, answer]."""
    kept = [button.label, button.payload]
    if button.answer:
        kept.append(button.answer)
    return kept


def button_of(kept: list[str] | tuple[str, ...]) -> Button:
    """The button ``offer_of`` kept (older rows have no answer)."""
    return Button(str(kept[0]), str(kept[1]), str(kept[2]) if len(kept) > 2 and kept[2] else None)


def reply_to_dict(reply: Reply) -> dict[str, object]:
    """A reply as plain JSON (kept with the conversation state so that an
    event delivered twice gets the same answer); files as base64."""
    import base64

    return {
        "text": reply.text,
        "buttons": [offer_of(b) for b in reply.buttons],
        "request_location": reply.request_location,
        "attachments": [
            [a.filename, a.mime_type, base64.b64encode(a.content).decode("ascii")]
            for a in reply.attachments
        ],
        "edit": reply.edit,
        "buttons_per_row": reply.buttons_per_row,
    }


def reply_from_dict(raw: dict[str, object]) -> Reply:
    import base64

    buttons = raw.get("buttons") or []
    attachments = raw.get("attachments") or []
    assert isinstance(buttons, list) and isinstance(attachments, list)
    return Reply(
        text=str(raw.get("text", "")),
        buttons=tuple(button_of(b) for b in buttons),
        request_location=bool(raw.get("request_location")),
        attachments=tuple(
            Attachment(str(name), str(mime), base64.b64decode(str(content)))
            for name, mime, content in attachments
        ),
        edit=bool(raw.get("edit")),
        buttons_per_row=int(str(raw.get("buttons_per_row", 1))),
    )

"""Between reply values and Matrix message contents, both ways.

Outbound: a ``Reply`` becomes an ``m.room.message`` content with an HTML
``formatted_body`` (the reply's light markup) and a plain ``body``; buttons are
appended as a list, numbered or bulleted by the one choice rule
(``dialogue.choices``). Inbound: a typed number or label presses one of the
buttons offered last (``dialogue.choices.press``), ``geo:`` URIs become locations, ``!cmd args`` is a
command, and reply fallbacks and mentions are cut from the text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from dialogue.choices import Offer, listed, offered, press
from dialogue.commands import COMMAND_ALIASES
from dialogue.markup import escape, to_plain
from dialogue.messages import Attachment, Incoming, Location, Reply, offer_of

HTML_FORMAT = "org.matrix.custom.html"

__all__ = [
    "HTML_FORMAT",
    "Offer",
    "file_content",
    "mentions",
    "message_content",
    "notice_content",
    "offer",
    "parse_command",
    "parse_geo_uri",
    "strip_mention",
    "strip_reply_fallback",
    "typed",
]

_GEO = re.compile(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)(?:[,;].*)?$")
_COMMAND = re.compile(r"^!([A-Za-zÄÖÜäöüß_]+)(?:\s+(.*))?$", re.S)


def message_content(
    reply: Reply, *, location_hint: str = "", msgtype: str = "m.text", pressable: bool = True
) -> dict[str, object]:
    """The content of one ``m.room.message`` for a reply (attachments apart).

    ``pressable=False`` for an earlier reply of a turn whose buttons a typed
    number no longer picks (``dialogue.choices.offered``): they are bulleted."""
    formatted = reply.text.replace("\n", "<br>")
    plain = [to_plain(reply.text)]
    if reply.buttons:
        labels = [b.label for b in reply.buttons]
        shown = listed(labels) if pressable else [("", label) for label in labels]
        items = "".join(f"<li>{escape(label)}</li>" for _, label in shown)
        numbered = bool(shown[0][0])  # by position, or the labels carry their own numbers
        formatted += f"<ol>{items}</ol>" if numbered else f"<ul>{items}</ul>"
        plain.append("\n".join(f"{n}. {label}" if n else f"• {label}" for n, label in shown))
    if reply.request_location and location_hint:
        formatted += ("" if reply.buttons else "<br><br>") + location_hint.replace("\n", "<br>")
        plain.append(to_plain(location_hint))
    return {
        "msgtype": msgtype,
        "body": "\n\n".join(p for p in plain if p),
        "format": HTML_FORMAT,
        "formatted_body": formatted,
    }


def offer(replies: Sequence[Reply]) -> list[Offer]:
    """The buttons a typed answer may press after these replies, as kept per
    room (``dialogue.choices.offered``: the last reply's that has buttons)."""
    return [tuple(offer_of(b)) for b in offered(replies)]


def notice_content(text: str) -> dict[str, object]:
    """An ``m.notice`` for the channel's own notices (light markup)."""
    return {
        "msgtype": "m.notice",
        "body": to_plain(text),
        "format": HTML_FORMAT,
        "formatted_body": text.replace("\n", "<br>"),
    }


def file_content(
    attachment: Attachment, content_uri: str, encryption: dict[str, object] | None
) -> dict[str, object]:
    """An ``m.file`` for an uploaded attachment; ``file`` instead of ``url`` when encrypted."""
    content: dict[str, object] = {
        "msgtype": "m.file",
        "body": attachment.filename,
        "filename": attachment.filename,
        "info": {"mimetype": attachment.mime_type, "size": attachment.size},
    }
    if encryption is None:
        content["url"] = content_uri
    else:
        content["file"] = {"url": content_uri, **encryption}
    return content


def parse_geo_uri(uri: str) -> Location | None:
    """``geo:50.77,6.08`` (optionally ``;u=35``) as a location, else None."""
    match = _GEO.match(uri.strip())
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Location(lat=lat, lon=lon)


def parse_command(text: str) -> tuple[str, str] | None:
    """``!start need_42`` -> ("start", "need_42"); ``!help`` -> ("hilfe", "").

    Matrix clients keep ``/`` for their own commands, so bots use ``!``."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    name = match.group(1).lower()
    return COMMAND_ALIASES.get(name, name), (match.group(2) or "").strip()


def typed(text: str, offer: Sequence[Offer], *, identity: str, tenant: str) -> Incoming | None:
    """What a typed message means: a ``!command``, a press of one of the
    buttons offered last (the one rule, ``dialogue.choices.press``), or text;
    None when nothing is left. ``offer`` is empty where nothing can be pressed
    (group rooms, where the bot answers in the direct room)."""
    command = parse_command(text)
    if command is not None:
        return Incoming(identity=identity, tenant=tenant, command=command[0], args=command[1])
    payload = press(text, offer)
    if payload is not None:
        return Incoming(identity=identity, tenant=tenant, button=payload)
    if not text.strip():
        return None
    return Incoming(identity=identity, tenant=tenant, text=text)


def strip_reply_fallback(body: str) -> str:
    """Cut the quoted ``> <@user> …`` lines a client puts before a reply."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith(">"):
        return body
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).strip()


def strip_mention(body: str, names: Iterable[str]) -> str:
    """Remove the bot's names from a group-room message, with ``:`` or ``,`` after them."""
    text = body
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(re.escape(name) + r"\s*[:,]?", " ", text, flags=re.I)
    return " ".join(text.split())


def mentions(
    body: str, formatted_body: str, content_mentions: object, user_id: str, names: Iterable[str]
) -> bool:
    """Whether a message addresses the bot: ``m.mentions``, a pill, its id or a name."""
    if isinstance(content_mentions, dict):
        ids = content_mentions.get("user_ids")
        if isinstance(ids, list) and user_id in ids:
            return True
    if user_id in body or f"matrix.to/#/{user_id}" in html.unescape(formatted_body):
        return True
    folded = body.casefold()
    return any(name and name.casefold() in folded for name in names)


def display_name(room: Any, user_id: str) -> str | None:
    """The display name ``user_id`` set for themselves in ``room`` (none when
    unset or only the Matrix id): what the name question offers."""
    user = getattr(room, "users", {}).get(user_id)
    name = getattr(user, "display_name", None)
    if not isinstance(name, str) or not name.strip() or name.strip().startswith("@"):
        return None
    return name.strip()

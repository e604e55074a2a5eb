"""What the console shows: its own texts, and replies as terminal text or as
the scripted contract's JSON objects.

Buttons are listed as the one choice rule shows them (``dialogue.choices``):
numbered ("  1) Umwelt") where a number picks by position, bulleted
("  • 5 km") where the labels carry their own numbers. Only the buttons a
typed answer can press are numbered: those of the turn's last reply with
buttons, the same the engine keeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.settings import DATA_DIR
from core.tenants import TenantConfig
from dialogue.choices import listed, offered, offering
from dialogue.markup import to_plain
from dialogue.messages import Attachment, Button, Reply
from dialogue.texts import channel_languages, channel_texts

__all__ = [
    "TEXTS_FILE",
    "ConsoleTexts",
    "Rendered",
    "load_texts",
    "render_replies",
    "reply_json",
]

TEXTS_FILE = DATA_DIR / "texts" / "channels" / "console.yml"
FALLBACK_LANGUAGE = "de"
BULLET = "•"


@dataclass(frozen=True, slots=True)
class ConsoleTexts:
    """The console's own texts in one language, with the tenant's overrides."""

    language: str
    texts: Mapping[str, str]

    def get(self, key: str, **values: object) -> str:
        text = self.texts[key]
        return text.format(**values) if values else text


def load_texts(tenant: TenantConfig, language: str | None = None) -> ConsoleTexts:
    """Texts for ``language`` (else the tenant's first); missing keys fall back
    to German, a tenant overrides a key as ``console.<key>``."""
    known = channel_languages("console")
    lang = language if language in known else tenant.default_language
    lang = lang if lang in known else FALLBACK_LANGUAGE
    return ConsoleTexts(language=lang, texts=channel_texts("console", tenant, lang))


@dataclass(frozen=True, slots=True)
class Rendered:
    """A turn's replies as terminal text, and the buttons a typed answer may press."""

    text: str
    offered: tuple[Button, ...]
    attachments: tuple[Attachment, ...]


def _button_lines(reply: Reply, pressable: bool) -> list[str]:
    labels = [to_plain(b.label) for b in reply.buttons]
    if not pressable:  # an earlier reply's buttons: shown, but a number means the last offer
        return [f"  {BULLET} {label}" for label in labels]
    return [
        f"  {marker}) {label}" if marker else f"  {BULLET} {label}"
        for marker, label in listed(labels)
    ]


def render_replies(replies: Sequence[Reply], texts: ConsoleTexts) -> Rendered:
    """Plain text, the pressable buttons listed by the one choice rule."""
    offer = offered(replies)
    last = offering(replies)
    blocks: list[str] = []
    attachments: list[Attachment] = []
    for i, reply in enumerate(replies):
        lines = [to_plain(reply.text).strip()]
        lines += _button_lines(reply, i == last)
        if reply.request_location:
            lines.append(texts.get("location_request"))
        attachments.extend(reply.attachments)
        blocks.append("\n".join(line for line in lines if line))
    return Rendered("\n\n".join(b for b in blocks if b), offer, tuple(attachments))


def reply_json(reply: Reply) -> dict[str, Any]:
    """One reply as the scripted contract's JSON object (text in plain form)."""
    return {
        "text": to_plain(reply.text),
        "buttons": [{"label": b.label, "payload": b.payload} for b in reply.buttons],
        "request_location": reply.request_location,
        "attachments": [
            {"filename": a.filename, "mime_type": a.mime_type, "size": a.size}
            for a in reply.attachments
        ],
    }

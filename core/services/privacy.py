"""Personal data outside the database (DSGVO Art. 17): the Matrix bots'
``state.json`` (direct room per user, messages waiting for their room key,
buttons offered in a room) and mails in the outbox folder (a volunteer's
reply with their first name). Erasure removes them together with the rows.

A running Matrix bot holds its state in memory and writes it back, so it
registers a hook here (``PersonalFiles.hooks``) that forgets the user in
memory first; then the files are scrubbed. The file work runs in a thread.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# (tenant slug, identity keys of the erased person) -> forget them in memory
ForgetHook = Callable[[str, Sequence[str]], Awaitable[None]]


@dataclass(slots=True)
class PersonalFiles:
    """Where personal data lives outside the database."""

    data_dir: Path  # EHRENAMT_DATA_DIR: Matrix stores under matrix/<slug>/
    outbox_dir: Path  # EHRENAMT_OUTBOX_DIR: mails written when no SMTP is set
    hooks: list[ForgetHook] = field(default_factory=list)

    @classmethod
    def of(cls, data_dir: Path, outbox_dir: Path | None = None) -> PersonalFiles:
        return cls(data_dir, outbox_dir if outbox_dir is not None else data_dir / "outbox")


@dataclass(frozen=True, slots=True)
class Traces:
    """What identifies a person's things in files."""

    tenant_slug: str
    identities: tuple[str, ...]
    # (text they wrote, their display name or None): a mail holding both is theirs
    writings: tuple[tuple[str, str | None], ...] = ()
    contacts: tuple[str, ...] = ()  # their e-mail address and phone: a mail naming one is theirs


async def erase_files(files: PersonalFiles, traces: Traces) -> int:
    """Forget the person in running channels and scrub the files; returns how
    many files changed or went."""
    for hook in list(files.hooks):
        try:
            await hook(traces.tenant_slug, traces.identities)
        except Exception:  # a channel that cannot forget must not stop the erasure
            log.warning("a channel could not forget an erased person", exc_info=True)
    return await asyncio.to_thread(_scrub, files, traces)


def _scrub(files: PersonalFiles, traces: Traces) -> int:
    users = {key.split(":", 1)[1] for key in traces.identities if key.startswith("matrix:")}
    changed = 0
    if users:
        store = files.data_dir / "matrix" / traces.tenant_slug / "state.json"
        changed += scrub_matrix_state(store, users)
    changed += scrub_outbox(files.outbox_dir, traces)
    return changed


def scrub_matrix_state(path: Path, users: set[str]) -> int:
    """Remove the users' direct rooms, the buttons offered there and events
    waiting for a room key that they sent or that came in those rooms."""
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return 0
    direct: dict[str, str] = raw.get("direct") or {}
    rooms = {room for user, room in direct.items() if user in users}
    pending: dict[str, Any] = raw.get("pending") or {}
    buttons: dict[str, Any] = raw.get("buttons") or {}
    keep_pending = {
        event_id: p
        for event_id, p in pending.items()
        if p.get("room_id") not in rooms and (p.get("source") or {}).get("sender") not in users
    }
    new = {
        **raw,
        "direct": {u: r for u, r in direct.items() if u not in users},
        "pending": keep_pending,
        "buttons": {r: b for r, b in buttons.items() if r not in rooms},
    }
    if new == raw:
        return 0
    tmp = path.with_name(path.name + ".erase")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(new, fh, ensure_ascii=False, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return 1


def mail_text(raw: bytes) -> str:
    """A mail's headers and text parts, decoded (bodies may be quoted-printable
    or base64)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [f"{k}: {v}" for k, v in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(str(part.get_content()))  # type: ignore[attr-defined]
            except (LookupError, ValueError):
                parts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(parts)


def _is_theirs(text: str, traces: Traces) -> bool:
    folded = text.casefold()
    if any(c.casefold() in folded for c in traces.contacts if c):
        return True
    return any(
        body.strip().casefold() in folded and (name is None or name.casefold() in folded)
        for body, name in traces.writings
        if body.strip()
    )


def scrub_outbox(outbox: Path, traces: Traces) -> int:
    """Delete the outbox mails that carry the person's writing or contact."""
    removed = 0
    for path in _mails(outbox):
        try:
            text = mail_text(path.read_bytes())
        except OSError:
            continue
        if _is_theirs(text, traces):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _mails(outbox: Path) -> Iterable[Path]:
    return sorted(outbox.glob("*.eml")) if outbox.is_dir() else ()

"""Telegram update -> ``Incoming``. Translation only: no business rule.

``to_incoming`` returns None for updates the dialogue never sees (edits,
messages of other bots, commands for another bot, group chatter).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Chat, Message, Update

from bots.telegram.commands import parse_command
from dialogue.messages import Incoming, Location

PRIVATE = Chat.PRIVATE


def identity_of(chat_id: int) -> str:
    return f"telegram:{chat_id}"


def chat_id_of(identity: str) -> int:
    """``telegram:12345`` -> 12345; ValueError for anything else."""
    channel, _, rest = identity.partition(":")
    if channel != "telegram" or not rest.lstrip("-").isdigit():
        raise ValueError("not a Telegram identity")
    return int(rest)


def language_hint(update: Update) -> str | None:
    user = update.effective_user
    code = user.language_code if user else None
    return code.split("-")[0].lower() if code else None


@dataclass(frozen=True, slots=True)
class Addressed:
    """A group message or button press that is meant for this bot."""

    chat_id: int
    language_hint: str | None


def _mentions(message: Message, bot_username: str | None) -> bool:
    if not bot_username:
        return False
    text = message.text or message.caption or ""
    if f"@{bot_username}".lower() in text.lower():
        return True
    reply_to = message.reply_to_message
    return bool(reply_to and reply_to.from_user and reply_to.from_user.username == bot_username)


def group_address(update: Update, bot_username: str | None) -> Addressed | None:
    """In a group: the chat to point to a private chat, when the bot was addressed."""
    chat = update.effective_chat
    if chat is None or chat.type == PRIVATE or chat.type == Chat.CHANNEL:
        return None
    message = update.message
    if message is not None:
        if message.from_user is None or message.from_user.is_bot:
            return None
        if (message.text and parse_command(message.text, bot_username)) or _mentions(
            message, bot_username
        ):
            return Addressed(chat.id, language_hint(update))
        return None
    if update.callback_query is not None:
        return Addressed(chat.id, language_hint(update))
    return None


def to_incoming(update: Update, tenant: str, bot_username: str | None) -> Incoming | None:
    """A private chat's message or button press as the dialogue's event."""
    chat = update.effective_chat
    if chat is None or chat.type != PRIVATE:
        return None
    identity = identity_of(chat.id)
    hint = language_hint(update)

    query = update.callback_query
    if query is not None:
        if query.data is None:  # game or inline-mode buttons: not ours
            return None
        return Incoming(
            identity=identity,
            tenant=tenant,
            button=query.data,
            language_hint=hint,
            first_name=query.from_user.first_name if query.from_user else None,
        )

    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    incoming = _from_message(message, identity, tenant, hint, bot_username)
    if incoming is None:
        return None
    # Typed as well as pressed: the first name offered for organisations to see.
    return replace(incoming, first_name=message.from_user.first_name or None)


def _from_message(
    message: Message, identity: str, tenant: str, hint: str | None, bot_username: str | None
) -> Incoming | None:
    location = message.venue.location if message.venue else message.location
    if location is not None:
        return Incoming(
            identity=identity,
            tenant=tenant,
            location=Location(lat=location.latitude, lon=location.longitude),
            language_hint=hint,
        )
    text = message.text if message.text is not None else message.caption
    if text is not None and text.startswith("/"):
        parsed = parse_command(text, bot_username)
        if parsed is None:
            return (
                None
                if "@" in text.split(" ", 1)[0]
                else Incoming(identity=identity, tenant=tenant, text=text, language_hint=hint)
            )
        name, args = parsed
        return Incoming(
            identity=identity, tenant=tenant, command=name, args=args, language_hint=hint
        )
    # stickers, photos without caption, voice: an empty text the engine answers
    # like anything it does not understand
    return Incoming(identity=identity, tenant=tenant, text=text or "", language_hint=hint)

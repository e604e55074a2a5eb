"""What a channel reports after trying to reach a person (used by core's
delivery rules; channels return it through ``dialogue.ports.Notifier``), and
what kind of traffic a send is, so a channel's rate limit can put answers to
people chatting now before the service's own bulk (``bulk_sending``)."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from contextvars import ContextVar


class Delivery(enum.Enum):
    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"  # blocked the bot, left, deleted account: do not retry
    FAILED = "failed"  # transient: may be retried later
    NO_CHANNEL = (
        "no_channel"  # this identity's channel cannot push here (console, web): try another
    )


class Traffic(enum.Enum):
    """Who waits for a message: a person in a conversation, or nobody in particular."""

    REPLY = "reply"  # an answer to someone chatting with the bot now
    BULK = "bulk"  # what the outbox sends on its own: alerts, digests, reminders


_TRAFFIC: ContextVar[Traffic] = ContextVar("traffic", default=Traffic.REPLY)


def current_traffic() -> Traffic:
    """The kind of the sends made here: ``REPLY`` unless inside ``bulk_sending``."""
    return _TRAFFIC.get()


@contextlib.contextmanager
def bulk_sending() -> Iterator[None]:
    """Sends made inside (in this task and the tasks it starts) are bulk: a
    channel's rate limit lets replies go first and keeps room for them."""
    token = _TRAFFIC.set(Traffic.BULK)
    try:
        yield
    finally:
        _TRAFFIC.reset(token)


__all__ = ["Delivery", "Traffic", "bulk_sending", "current_traffic"]

"""What a channel reports after trying to reach a person (used by core's
delivery rules; channels return it through ``dialogue.ports.Notifier``)."""

from __future__ import annotations

import enum


class Delivery(enum.Enum):
    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"  # blocked the bot, left, deleted account: do not retry
    FAILED = "failed"  # transient: may be retried later
    NO_CHANNEL = (
        "no_channel"  # this identity's channel cannot push here (console, web): try another
    )

"""Prometheus metrics (``/metrics``), all named ``ehrenamt_…``.

Counted where things happen: the dialogue engine (messages in and out, reply
latency), reminder delivery (sent, dropped, failed …; alerts), the mailer
and a logging handler for errors. Labels are channels, tenant slugs, kinds
and outcomes only: never an identity, address or message content.

The metrics live in one registry per process (``REGISTRY``); the hooks below
are the only way other modules touch them.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES_IN = Counter(
    "ehrenamt_messages_in",
    "Messages people sent to a bot, per channel and tenant",
    ("channel", "tenant"),
    registry=REGISTRY,
)
MESSAGES_OUT = Counter(
    "ehrenamt_messages_out",
    "Messages the bots sent (replies and notifications), per channel and tenant",
    ("channel", "tenant"),
    registry=REGISTRY,
)
REPLY_SECONDS = Histogram(
    "ehrenamt_reply_seconds",
    "Time from a message's arrival in the engine to its replies, per channel",
    ("channel",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
REMINDERS = Counter(
    "ehrenamt_reminders",
    "Reminder rows handled, per kind and outcome (sent, dropped, failed, skipped, …)",
    ("kind", "outcome"),
    registry=REGISTRY,
)
ALERTS = Counter(
    "ehrenamt_alerts",
    "Urgent alerts and freed-place offers delivered to volunteers, per kind",
    ("kind",),
    registry=REGISTRY,
)
MAILS = Counter(
    "ehrenamt_mails",
    "E-mails of the queue by outcome: sent, retrying (a failure that is tried again), parked, dropped",
    ("outcome",),
    registry=REGISTRY,
)
ERRORS = Counter(
    "ehrenamt_errors",
    "Log records at ERROR or above, per logger",
    ("logger",),
    registry=REGISTRY,
)

ALERT_KINDS = frozenset({"urgent_alert", "place_offer"})


def channel_of(identity: str) -> str:
    """``telegram:123`` -> ``telegram`` (the only part of an identity used)."""
    channel = identity.split(":", 1)[0]
    return channel if channel.isalnum() and len(channel) <= 16 else "other"


def message_in(identity: str, tenant: str) -> None:
    MESSAGES_IN.labels(channel_of(identity), tenant).inc()


def messages_out(identity: str, tenant: str, count: int = 1) -> None:
    if count:
        MESSAGES_OUT.labels(channel_of(identity), tenant).inc(count)


def reply_latency(identity: str, seconds: float) -> None:
    REPLY_SECONDS.labels(channel_of(identity)).observe(seconds)


def reminder_outcome(kind: str, outcome: str) -> None:
    REMINDERS.labels(kind, outcome).inc()
    if outcome == "sent" and kind in ALERT_KINDS:
        ALERTS.labels(kind).inc()


def mail_outcome(outcome: str) -> None:
    MAILS.labels(outcome).inc()


class ErrorCounter(logging.Handler):
    """Counts ERROR records per logger (installed by the runner's logging set-up)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ERRORS.labels(record.name.split(".")[0] or "root").inc()


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


__all__ = [
    "REGISTRY",
    "ErrorCounter",
    "channel_of",
    "exposition",
    "mail_outcome",
    "message_in",
    "messages_out",
    "reminder_outcome",
    "reply_latency",
]

"""Reminder kinds and how late each is still worth sending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    # How late the message is still useful; later it is dropped and audited.
    grace: timedelta
    # Unsolicited kinds wait for the end of quiet hours and pauses; reminders
    # about a person's own commitment do neither (they asked for the date).
    unsolicited: bool
    # The person can switch this kind off ("my reminders").
    mutable: bool = True
    # News about the person's own sign-up (cancelled, moved up, the
    # organisation's answer) waits for the end of quiet hours like unsolicited
    # kinds, unless the date itself falls before they end; it counts against
    # no budget and no pause (the person asked to take part).
    quiet: bool = False
    # Counts against the weekly budget and is skipped beyond it: only what
    # nobody asked for (alerts, digests). Messages about the person's own
    # sign-ups (the follow-up too) never are, however many alerts came.
    budget: bool = False


BEFORE_24H = Kind("before_24h", timedelta(hours=6), unsolicited=False)
BEFORE_2H = Kind("before_2h", timedelta(minutes=30), unsolicited=False)
FOLLOW_UP = Kind("follow_up", timedelta(days=2), unsolicited=True)
URGENT_ALERT = Kind("urgent_alert", timedelta(hours=2), unsolicited=True, budget=True)
PLACE_OFFER = Kind("place_offer", timedelta(hours=2), unsolicited=True, budget=True)
DIGEST = Kind("digest", timedelta(hours=12), unsolicited=True, budget=True)
ORG_EXPIRY = Kind("org_expiry", timedelta(hours=12), unsolicited=False, mutable=False)
ALERT_WAVE = Kind("alert_wave", timedelta(hours=6), unsolicited=False, mutable=False)
MOVED_UP = Kind("moved_up", timedelta(days=1), unsolicited=False, mutable=False, quiet=True)
NEED_CANCELLED = Kind(
    "need_cancelled", timedelta(days=2), unsolicited=False, mutable=False, quiet=True
)
# The date or place of a need someone signed up for changed (issue 14.6): the
# news and the calendar entry they imported, updated.
NEED_CHANGED = Kind("need_changed", timedelta(days=1), unsolicited=False, mutable=False, quiet=True)
# The organisation's answer to a sign-up, written by ``core.services.signup.decide``.
SIGNUP_ACCEPTED = Kind(
    "signup_accepted", timedelta(days=2), unsolicited=False, mutable=False, quiet=True
)
SIGNUP_DECLINED = Kind(
    "signup_declined", timedelta(days=2), unsolicited=False, mutable=False, quiet=True
)
# An organisation's message to a signed-up volunteer (``core.services.relay``).
RELAY_MESSAGE = Kind(
    "relay_message", timedelta(days=7), unsolicited=False, mutable=False, quiet=True
)
# A volunteer's question, reply or passed-on contact, to each chat-linked member
# of the organisation (``core.services.relay``, issue 14): news they wait for,
# after quiet hours; answered with a button, so never switched off.
RELAY_TO_MEMBER = Kind(
    "relay_to_member", timedelta(days=7), unsolicited=False, mutable=False, quiet=True
)
# A legal notice: not unsolicited, cannot be switched off; late is still useful.
RETENTION_WARNING = Kind("retention_warning", timedelta(days=10), unsolicited=False, mutable=False)

# The Redaktion's notices in an editor's linked chat (needs waiting for review).
EDITOR_QUEUE = Kind("editor_queue", timedelta(hours=12), unsolicited=False, mutable=False)
EDITOR_URGENT = Kind("editor_urgent", timedelta(hours=6), unsolicited=False, mutable=False)
# An organisation's chat-linked members asked to confirm a volunteer's hours (issue 14.5).
HOURS_LOGGED = Kind("hours_logged", timedelta(days=7), unsolicited=False, mutable=False)

# An organisation's chat-linked member hears of a sign-up, withdrawal, "can't
# come" or no-show (issue 14): waits for quiet hours, never eats the budget.
ORG_NOTICE = Kind("org_notice", timedelta(days=2), unsolicited=False, mutable=False, quiet=True)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        BEFORE_24H,
        BEFORE_2H,
        FOLLOW_UP,
        URGENT_ALERT,
        PLACE_OFFER,
        DIGEST,
        ORG_EXPIRY,
        ALERT_WAVE,
        MOVED_UP,
        NEED_CANCELLED,
        NEED_CHANGED,
        SIGNUP_ACCEPTED,
        SIGNUP_DECLINED,
        RELAY_MESSAGE,
        RELAY_TO_MEMBER,
        RETENTION_WARNING,
        EDITOR_QUEUE,
        EDITOR_URGENT,
        HOURS_LOGGED,
        ORG_NOTICE,
    )
}
# What a person may switch off, in the order "my reminders" lists them.
MUTABLE_KINDS = tuple(k.name for k in KINDS.values() if k.mutable)

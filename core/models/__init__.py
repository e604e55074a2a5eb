"""The domain's tables, one module per noun."""

from core.models.alert import AlertReach
from core.models.audit import AuditEvent
from core.models.base import Base
from core.models.conversation import ConversationState
from core.models.engagement import ACTIVE_STATUSES, HELD_STATUSES, Engagement, EngagementStatus
from core.models.need import Need, NeedStatus, Offer
from core.models.organisation import Account, Membership, Organisation, OrgKind, Role
from core.models.person import Identity, Person
from core.models.profile import VolunteerProfile
from core.models.reminder import Reminder, ReminderStatus
from core.models.tenant import Tenant

__all__ = [
    "ACTIVE_STATUSES",
    "HELD_STATUSES",
    "Account",
    "AlertReach",
    "AuditEvent",
    "Base",
    "ConversationState",
    "Engagement",
    "EngagementStatus",
    "Identity",
    "Membership",
    "Need",
    "NeedStatus",
    "Offer",
    "OrgKind",
    "Organisation",
    "Person",
    "Reminder",
    "ReminderStatus",
    "Role",
    "Tenant",
    "VolunteerProfile",
]

# Web: accounts, relay, invites, text overrides, web chat (issue 6).
from core.models.org_invite import OrgInvite
from core.models.relay import RelayDirection, RelayMessage
from core.models.text_override import TextOverride
from core.models.web_account import RateLimitHit
from core.models.web_chat import WebChatLine

__all__ += [
    "OrgInvite",
    "RateLimitHit",
    "RelayDirection",
    "RelayMessage",
    "TextOverride",
    "WebChatLine",
]

# Web: e-mailed links work once.
from core.models.used_link import UsedLink  # noqa: E402 (appended after the exports)

__all__ += ["UsedLink"]

# One durable queue for outgoing e-mail (issues 11 and 13).
from core.models.mail import MailStatus, QueuedMail  # noqa: E402

__all__ += ["MailStatus", "QueuedMail"]

# The web chat's opt-in e-mail address (issue 14).
from core.models.chat_email import ChatEmail  # noqa: E402

__all__ += ["ChatEmail"]

# Feedback by message, kept for the editors (issue 14.7).
from core.models.feedback import Feedback  # noqa: E402

__all__ += ["Feedback"]

# Hours per date and the Ehrenamtsnachweis (issue 14.5).
from core.models.hours import HoursCertificate, HoursEntry, HoursStatus  # noqa: E402

__all__ += ["HoursCertificate", "HoursEntry", "HoursStatus"]

# Organisations hear about their volunteers (issue 14).
from core.models.org_notice import OrgNotice  # noqa: E402

__all__ += ["OrgNotice"]

# A weekly engagement's dates the person skips (issue 14.6).
from core.models.engagement import SkippedDate  # noqa: E402

__all__ += ["SkippedDate"]

# A person's private calendar subscription, kept hashed (issue 14.6).
from core.models.calendar_link import CalendarLink  # noqa: E402

__all__ += ["CalendarLink"]

"""The web chat's own notifier, which appends to the person's web chat
transcript (``bootstrap`` registers it in ``App.notifiers`` beside the chat
channels'), and the relay of an organisation's message."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bots.bootstrap import App
from bots.web.i18n import WebTexts
from core.db import Database
from core.services import relay
from core.services.web_chat import NewLine, append
from dialogue.markup import escape
from dialogue.messages import Button, Reply
from dialogue.ports import Delivery

log = logging.getLogger(__name__)


class WebChatNotifier:
    """Delivers to ``web:`` identities by adding lines to their transcript;
    the person sees them on their next visit to the chat page."""

    channel = "web"

    def __init__(self, db: Database, now: object) -> None:
        self._db = db
        self._now = now

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        lines = [reply_line(r) for r in replies]
        await append(self._db, identity, tenant, lines, self._now())  # type: ignore[operator]
        return Delivery.DELIVERED


def reply_line(reply: Reply) -> NewLine:
    return NewLine(
        from_bot=True,
        html=reply.text,
        buttons=tuple((b.label, b.payload) for b in reply.buttons),
        request_location=reply.request_location,
    )


async def deliver(
    app: App, tenant: str, identities: Sequence[str], replies: Sequence[Reply]
) -> bool:
    """Send to the first identity whose channel has a notifier and takes it."""
    for identity in identities:
        notifier = app.notifiers.get(identity.split(":", 1)[0])
        if notifier is None:
            continue
        try:
            result = await notifier.notify(tenant, identity, replies)
        except Exception:  # a broken channel must not break the organisation's page
            log.warning("notifier %s failed", notifier.channel, exc_info=True)
            continue
        if result == Delivery.DELIVERED:
            return True
    return False


def _person_texts(app: App, tenant: str, lang: str) -> WebTexts:
    config = app.tenants[tenant]
    return WebTexts(lang, ZoneInfo(config.timezone), config.address_form)


async def relay_message(app: App, tenant: str, outgoing: relay.Outgoing) -> bool:
    # Through the volunteer's own municipality's bots (they may be a neighbour's).
    tenant = next(
        (s for s, i in app.tenant_ids.items() if i == outgoing.tenant_id and s in app.tenants),
        tenant,
    )
    t = _person_texts(app, tenant, outgoing.language)
    reply = Reply(
        text=t(
            "notify.relay",
            organisation=escape(outgoing.organisation),
            need=escape(outgoing.need_title),
            body=escape(outgoing.body),
        ),
        buttons=(Button(t("notify.relay_answer"), f"relay:{outgoing.message_id}:reply"),),
        meta={"kind": "relay", "relay_message_id": str(outgoing.message_id)},
    )
    delivered = await deliver(app, tenant, outgoing.identities, [reply])
    if delivered:
        await relay.mark_delivered(app.db, outgoing.message_id)
    return delivered

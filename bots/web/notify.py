"""Telling volunteers through their chat channel: the notifier registry
(``app.extras["notifiers"]``: channel name -> ``dialogue.ports.Notifier``,
filled by the runner), and the web chat's own notifier, which appends to
the person's web chat transcript."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bots.bootstrap import App
from bots.web.i18n import WebTexts
from core.db import Database
from core.services import chat_email, relay
from core.services.people import identities_of, tenant_of_person
from core.services.web_chat import NewLine, append
from dialogue.markup import escape, to_plain
from dialogue.messages import Button, Reply
from dialogue.ports import Delivery, Notifier

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
        now = self._now()  # type: ignore[operator]
        await append(self._db, identity, tenant, lines, now)
        # The page may be closed: a copy to the address the person confirmed.
        await chat_email.forward(
            self._db, identity, tenant, [to_plain(r.text) for r in replies], now
        )
        return Delivery.DELIVERED


def reply_line(reply: Reply) -> NewLine:
    return NewLine(
        from_bot=True,
        html=reply.text,
        buttons=tuple((b.label, b.payload) for b in reply.buttons),
        request_location=reply.request_location,
    )


def notifiers(app: App) -> dict[str, Notifier]:
    return app.extras.setdefault("notifiers", {})  # type: ignore[no-any-return]


async def deliver(
    app: App, tenant: str, identities: Sequence[str], replies: Sequence[Reply]
) -> bool:
    """Send to the first identity whose channel has a notifier and takes it."""
    registry = notifiers(app)
    for identity in identities:
        notifier = registry.get(identity.split(":", 1)[0])
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


async def tell_people(
    app: App,
    tenant: str,
    person_ids: Sequence[int],
    key: str,
    languages: dict[int, str],
    **values: str,
) -> int:
    """Tell each person a ``notify.*`` text in their language; returns how many got it."""
    told = 0
    for person_id in person_ids:
        # A volunteer from a neighbouring municipality is reached by its bots.
        theirs = await tenant_of_person(app.db, person_id)
        if theirs not in app.tenants:
            theirs = tenant
        t = _person_texts(app, theirs, languages.get(person_id, "de"))
        reply = Reply(text=t(key, **{k: escape(v) for k, v in values.items()}))
        identities = [i for i, reachable in await identities_of(app.db, person_id) if reachable]
        if await deliver(app, theirs, identities, [reply]):
            told += 1
    return told


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

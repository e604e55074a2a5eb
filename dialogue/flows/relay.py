"""Talking both ways through the relay (issue 14, part 4).

```mermaid
flowchart LR
  detail[need detail] -->|rel:ask:N| question[rel_q: type the question] --> org[(members' chats, web inbox)]
  org -->|rel:ans:M| answer[rel_ans: member types the answer] --> volunteer[volunteer's chat]
  volunteer -->|relay:M:reply| reply[relay: type the reply] --> org
  contact[/kontakt/] -->|rel:cs:E| typed[rel_contact: phone or e-mail] --> shared[shared with that organisation]
  contact -->|rel:cr:E| revoked[revoked]
  offer[answer to an offer] -->|rel:offc:M| offc[rel_offc: phone or e-mail] --> org
```

Every message has its own id; an answer names the message it answers, so a
reply reaches the organisation that wrote it, not the one that wrote last.
Contact details pass only by the volunteer's choice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from core.errors import DomainError
from core.notify import Delivery
from core.services import relay
from dialogue.markup import escape
from dialogue.messages import Button, Reply
from dialogue.texts import Texts
from dialogue.turn import Turn

log = logging.getLogger(__name__)

ASK = "rel_q"  # a volunteer types a question about a need
ANSWER = "rel_ans"  # an organisation's member types an answer
CONTACT = "rel_contact"  # a volunteer types the detail to share with one engagement
OFFER_CONTACT = "rel_offc"  # ... with the organisation that answered their offer
FLOWS = frozenset({ASK, ANSWER, CONTACT, OFFER_CONTACT, "relay"})


# -- rendering and delivery (also used by the web) ---------------------------------


def render_to_volunteer(t: Texts, out: relay.Outgoing) -> Reply:
    """An organisation's message in the volunteer's chat: what it answers,
    and the buttons to answer it (and, for an offer, to pass on contact)."""
    values = {
        "organisation": escape(out.organisation),
        "body": escape(out.body),
        "about": escape(out.need_title or out.offer_title),
        "quote": escape(out.in_reply_to),
    }
    if out.in_reply_to:
        text = t("talk.answer_to_you", **values)
    elif out.kind == "offer":
        text = t("talk.offer_answered", **values)
    else:
        text = t("talk.message_to_you", **values)
    buttons = [Button(t("talk.reply"), f"relay:{out.message_id}:reply")]
    if out.kind == "offer":
        buttons.append(Button(t("talk.offer_contact"), f"rel:offc:{out.message_id}"))
    return Reply(
        text=text,
        buttons=tuple(buttons),
        meta={"kind": "relay", "relay_message_id": str(out.message_id)},
    )


def render_to_member(t: Texts, q: relay.Question, kind: str) -> Reply:
    """A volunteer's question, reply or passed-on contact in a member's chat."""
    values = {
        "volunteer": escape(q.volunteer or t("talk.someone")),
        "about": escape(q.need_title),
        "body": escape(q.body),
        "organisation": escape(q.organisation),
    }
    return Reply(
        text=t(f"talk.to_member_{kind}", **values),
        buttons=(Button(t("talk.answer"), f"rel:ans:{q.message_id}"),),
        meta={"kind": "relay", "relay_message_id": str(q.message_id)},
    )


async def deliver(turn: Turn, tenant_id: int, identities: Sequence[str], reply: Reply) -> bool:
    """To the first identity whose channel takes it (``app.extras["notifiers"]``,
    filled by the runner)."""
    registry = turn.app.extras.get("notifiers") or {}
    slug = next((s for s, i in turn.app.tenant_ids.items() if i == tenant_id), turn.tenant.slug)
    for identity in identities:
        notifier = registry.get(identity.split(":", 1)[0])
        if notifier is None:
            continue
        try:
            result = await notifier.notify(slug, identity, [reply])
        except Exception:  # a broken channel must not break this conversation
            log.warning("notifier %s failed", getattr(notifier, "channel", "?"), exc_info=True)
            continue
        if result == Delivery.DELIVERED:
            return True
    return False


def _texts_for(turn: Turn, tenant_id: int, language: str) -> Texts:
    slug = next((s for s, i in turn.app.tenant_ids.items() if i == tenant_id), turn.tenant.slug)
    return Texts(turn.app.tenants.get(slug, turn.tenant), language)


async def tell_members(turn: Turn, q: relay.Question, kind: str) -> int:
    told = 0
    for member in q.members:
        if turn.person is not None and member.person_id == turn.person.id:
            continue
        reply = render_to_member(_texts_for(turn, member.tenant_id, member.language), q, kind)
        if await deliver(turn, member.tenant_id, member.identities, reply):
            told += 1
    return told


async def send_to_volunteer(turn: Turn, out: relay.Outgoing) -> bool:
    reply = render_to_volunteer(_texts_for(turn, out.tenant_id, out.language), out)
    delivered = await deliver(turn, out.tenant_id, out.identities, reply)
    if delivered:
        await relay.mark_delivered(turn.app.db, out.message_id)
    return delivered


# -- entries ---------------------------------------------------------------------------


async def button(turn: Turn, rest: str) -> bool:
    """``rel:ask:<need>``, ``rel:ans:<message>``, ``rel:cs:<engagement>``,
    ``rel:cr:<engagement>``, ``rel:offc:<message>``; False when unknown."""
    m = re.fullmatch(r"(ask|ans|cs|cr|offc):(\d{1,12})", rest)
    if m is None:
        return False
    action, number = m.group(1), int(m.group(2))
    turn.state.finish()
    if turn.person is None:
        turn.say(turn.t("talk.need_consent"), turn.menu())
        return True
    if action == "ask":
        turn.state.start(ASK, {"need": number})
        turn.say(turn.t("talk.ask_question"), turn.nav(back=False))
    elif action == "ans":
        orgs = await relay.organisations_of_member(turn.app.db, turn.person.id)
        found = None
        for org in orgs:
            found = await relay.message_to_org(turn.app.db, org, number)
            if found is not None:
                turn.state.start(ANSWER, {"message": number, "org": org})
                break
        if found is None:
            turn.say(turn.t("error.not_allowed"), turn.menu())
            return True
        turn.say(
            turn.t("talk.ask_answer", quote=escape(relay.shorten(found.body))),
            turn.nav(back=False),
        )
    elif action == "cs":
        turn.state.start(CONTACT, {"engagement": number})
        turn.say(turn.t("talk.contact_ask"), turn.nav(back=False))
    elif action == "cr":
        try:
            await relay.revoke_contact(turn.app.db, turn.person.id, number, now=turn.now)
        except DomainError as exc:
            turn.say(turn.t(exc.key), turn.menu())
            return True
        turn.say(turn.t("talk.contact_revoked"))
        await contact_overview(turn)
    elif action == "offc":
        if await relay.message_for_person(turn.app.db, turn.person.id, number) is None:
            turn.say(turn.t("error.not_allowed"), turn.menu())
            return True
        turn.state.start(OFFER_CONTACT, {"message": number})
        turn.say(turn.t("talk.offer_contact_ask"), turn.nav(back=False))
    return True


async def contact_overview(turn: Turn) -> None:
    """``/kontakt``: each engagement, whether its organisation has the
    person's contact details, and the button to share or revoke."""
    t = turn.t
    if turn.person is None:
        turn.say(t("talk.need_consent"), turn.menu())
        return
    turn.state.finish()
    choices = await relay.contact_choices(turn.app.db, turn.person.id)
    if not choices:
        turn.say(t("talk.contact_none"), turn.menu())
        return
    lines = [t("talk.contact_intro")]
    buttons: list[Button] = []
    for c in choices:
        state = t("talk.contact_is_shared" if c.shared else "talk.contact_not_shared")
        lines.append(
            t("talk.contact_line", need=escape(c.need_title), organisation=escape(c.organisation))
            + " · "
            + state
        )
        key = "talk.contact_revoke" if c.shared else "talk.contact_share"
        buttons.append(
            Button(
                t(key, organisation=c.organisation[:30]),
                f"rel:{'cr' if c.shared else 'cs'}:{c.engagement_id}",
            )
        )
    buttons.append(turn.button("menu.main", "nav:menu"))
    turn.say("\n".join(lines), buttons)


async def text(turn: Turn, typed: str) -> None:
    """The text typed in one of the relay's flows."""
    flow, slots = turn.state.flow, dict(turn.state.slots)
    turn.state.finish()
    t = turn.t
    if turn.person is None:
        turn.say(t("talk.need_consent"), turn.menu())
        return
    try:
        if flow == ASK:
            q = await relay.ask_question(
                turn.app.db, turn.person.id, int(slots["need"]), typed, now=turn.now
            )
            await tell_members(turn, q, "question")
            turn.say(t("talk.question_sent", organisation=escape(q.organisation)), turn.menu())
        elif flow == "relay":
            sent = await relay.reply(
                turn.app.db,
                turn.person.id,
                typed,
                now=turn.now,
                reply_to=int(slots["message_id"]) if slots.get("message_id") else None,
            )
            if sent is None:
                turn.say(t("relay.nobody"), turn.menu())
                return
            await tell_members(turn, sent, "reply")
            turn.say(t("relay.sent"), turn.menu())
        elif flow == ANSWER:
            out = await relay.answer(
                turn.app.db,
                int(slots["org"]),
                int(slots["message"]),
                typed,
                now=turn.now,
                member_person_id=turn.person.id,
            )
            delivered = await send_to_volunteer(turn, out)
            turn.say(t("talk.answer_sent" if delivered else "talk.answer_stored"), turn.menu())
        elif flow == CONTACT:
            kind = await relay.share_contact(
                turn.app.db, turn.person.id, int(slots["engagement"]), typed, now=turn.now
            )
            turn.say(t(f"talk.contact_shared_{kind}"))
            await contact_overview(turn)
        elif flow == OFFER_CONTACT:
            q = await relay.share_contact_for_offer(
                turn.app.db, turn.person.id, int(slots["message"]), typed, now=turn.now
            )
            await tell_members(turn, q, "contact")
            turn.say(t("talk.offer_contact_sent", organisation=escape(q.organisation)), turn.menu())
    except DomainError as exc:
        if getattr(exc, "params", {}).get("field") == "contact":
            turn.state.start(flow or CONTACT, slots)  # ask again, nothing changed
            turn.say(t("talk.contact_invalid"), turn.nav(back=False))
            return
        turn.say(t(exc.key), turn.menu())


__all__ = [
    "FLOWS",
    "button",
    "contact_overview",
    "deliver",
    "render_to_member",
    "render_to_volunteer",
    "text",
]

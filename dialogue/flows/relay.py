"""Talking both ways through the relay (issue 14, part 4).

```mermaid
flowchart LR
  detail[need detail] -->|rel:ask:N| question[rel_q: type the question] --> org[(outbox: members' chats; web inbox)]
  org -->|rel:ans:M| answer[rel_ans: member types the answer] --> volunteer[(outbox: volunteer's chat)]
  volunteer -->|relay:M:reply| reply[relay: type the reply] --> org
  contact[/kontakt/] -->|rel:cs:E| typed[rel_contact: phone or e-mail] --> shared[shared with that organisation]
  contact -->|rel:cr:E| revoked[revoked]
  offer[answer to an offer] -->|rel:offc:M| offc[rel_offc: phone or e-mail] --> org
```

Every message has its own id; an answer names the message it answers, so a
reply reaches the organisation that wrote it, not the one that wrote last.
Nothing is sent from here: the services store each message with its outbox
rows, and delivery words them in the recipient's chat
(``dialogue/notifications.py``: ``relay_message``, ``relay_to_member``).
Contact details pass only by the volunteer's choice.
"""

from __future__ import annotations

import re

from core.errors import DomainError
from core.services import relay
from dialogue.flows import display_name, onboarding
from dialogue.markup import clip, escape
from dialogue.messages import Button
from dialogue.registry import on_command, on_payload
from dialogue.turn import Event, Turn

REPLY = "relay"  # a volunteer types the answer to an organisation's message
ASK = "rel_q"  # a volunteer types a question about a need
ANSWER = "rel_ans"  # an organisation's member types an answer
CONTACT = "rel_contact"  # a volunteer types the detail to share with one engagement
OFFER_CONTACT = "rel_offc"  # ... with the organisation that answered their offer
FLOWS = frozenset({REPLY, ASK, ANSWER, CONTACT, OFFER_CONTACT})


# -- entries ---------------------------------------------------------------------------


@on_payload("relay", r"(\d{1,12}):reply", ends_form=True)
async def _reply_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    """Under an organisation's message: the next text is the answer to it."""
    turn.state.start(REPLY, {"message_id": int(match.group(1))})
    turn.say(turn.t("relay.ask"), turn.nav(back=False))


@on_payload("rel", r"(ask|ans|cs|cr|offc):(\d{1,12})", ends_form=True)
async def _button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    """``rel:ask:<need>``, ``rel:ans:<message>``, ``rel:cs:<engagement>``,
    ``rel:cr:<engagement>``, ``rel:offc:<message>``."""
    await button(turn, match.group(1), int(match.group(2)))


async def button(turn: Turn, action: str, number: int) -> None:
    turn.state.finish()
    if turn.person is None:
        await consent_first(turn, f"rel:{action}:{number}")
        return
    if action == "ask":
        turn.state.start(ASK, {"need": number})
        turn.say(turn.t("talk.ask_question"), turn.nav(back=False))
    elif action == "ans":
        for org in await relay.organisations_of_member(turn.app.db, turn.person.id):
            found = await relay.message_to_org(turn.app.db, org, number)
            if found is not None:
                turn.state.start(ANSWER, {"message": number, "org": org})
                quote = escape(relay.shorten(found.body))
                turn.say(turn.t("talk.ask_answer", quote=quote), turn.nav(back=False))
                return
        turn.say(turn.t("error.not_allowed"), turn.menu())
    elif action == "cs":
        turn.state.start(CONTACT, {"engagement": number})
        turn.say(turn.t("talk.contact_ask"), turn.nav(back=False))
    elif action == "cr":
        try:
            await relay.revoke_contact(turn.app.db, turn.person.id, number, now=turn.now)
        except DomainError as exc:
            turn.say(turn.t(exc.key), turn.menu())
            return
        turn.say(turn.t("talk.contact_revoked"))
        await contact_overview(turn)
    elif action == "offc":
        if await relay.message_for_person(turn.app.db, turn.person.id, number) is None:
            turn.say(turn.t("error.not_allowed"), turn.menu())
            return
        turn.state.start(OFFER_CONTACT, {"message": number})
        turn.say(turn.t("talk.offer_contact_ask"), turn.nav(back=False))


@on_command("contact")
async def _contact_command(turn: Turn, args: str) -> None:
    await contact_overview(turn)


async def contact_overview(turn: Turn) -> None:
    """``/kontakt``: each engagement, whether its organisation has the
    person's contact details, and the button to share or revoke."""
    t = turn.t
    if turn.person is None:
        turn.state.finish()
        await consent_first(turn, "menu:contact")
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
                # by the need: two sign-ups with one organisation are two buttons
                t(key, need=clip(c.need_title, 32)),
                f"rel:{'cr' if c.shared else 'cs'}:{c.engagement_id}",
            )
        )
    buttons.append(turn.button("menu.main", "nav:menu"))
    turn.say("\n".join(lines), buttons)


async def consent_first(turn: Turn, payload: str) -> None:
    """No consent yet: ask for it right here; a yes goes on with ``payload``
    (``onboarding._run_pending``), not with the volunteer questions, a no
    stores nothing (``onboarding.accept_consent``)."""
    turn.state.start("onboarding")
    turn.state.pending = payload
    turn.say(turn.t("talk.consent_first"))
    await onboarding.ask_consent(turn)
    turn.state.slot = "consent"
    turn.state.push_asked("consent")


async def text(turn: Turn, typed: str) -> None:
    """The text typed in one of the relay's flows (``dialogue/free_text.py``)."""
    flow, slots = turn.state.flow, dict(turn.state.slots)
    turn.state.finish()
    t = turn.t
    if turn.person is None:
        turn.say(t("relay.nobody" if flow == REPLY else "talk.need_consent"), turn.menu())
        return
    db, person = turn.app.db, turn.person.id
    try:
        if flow == ASK:
            q = await relay.ask_question(db, person, int(slots["need"]), typed, now=turn.now)
            turn.say(t("talk.question_sent", organisation=escape(q.organisation)), turn.menu())
            await display_name.maybe_ask(turn)  # the name the organisation answers
        elif flow == REPLY:
            reply_to = int(slots["message_id"]) if slots.get("message_id") else None
            sent = await relay.reply(db, person, typed, now=turn.now, reply_to=reply_to)
            turn.say(t("relay.nobody" if sent is None else "relay.sent"), turn.menu())
        elif flow == ANSWER:
            sent = await relay.answer(
                db,
                int(slots["org"]),
                int(slots["message"]),
                typed,
                now=turn.now,
                member_person_id=person,
            )
            if sent.person_id:
                turn.say(t("talk.answer_sent"), turn.menu())
            else:  # another organisation, about its offer or ours
                name = escape(sent.to_organisation)
                turn.say(t("talk.answer_sent_org", organisation=name), turn.menu())
        elif flow == CONTACT:
            kind = await relay.share_contact(
                db, person, int(slots["engagement"]), typed, now=turn.now
            )
            turn.say(t(f"talk.contact_shared_{kind}"))
            await contact_overview(turn)
        elif flow == OFFER_CONTACT:
            q = await relay.share_contact_for_offer(
                db, person, int(slots["message"]), typed, now=turn.now
            )
            turn.say(t("talk.offer_contact_sent", organisation=escape(q.organisation)), turn.menu())
    except DomainError as exc:
        if exc.params.get("field") == "contact":
            turn.state.start(flow or CONTACT, slots)  # ask again, nothing changed
            turn.say(t("talk.contact_invalid"), turn.nav(back=False))
            return
        turn.say(t(exc.key), turn.menu())


__all__ = ["FLOWS", "button", "consent_first", "contact_overview", "text"]

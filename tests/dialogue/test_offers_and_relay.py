"""Issue 14, parts 3 and 4, as conversations: a volunteer offers what they can
by message and the offer is matched both ways; an organisation answers it
through the relay and the volunteer chooses whether contact details pass; a
question before signing up and its answer threaded to it; two organisations
writing and the reply reaching the right one; contact shared and revoked;
the daily cap.

Two people talk to the bot: Heinrich Helfer (``test:1``, a volunteer) and
Renate vom Repair-Café (``test:org``, a member of "Repair-Café Eilendorf
(Demo)" whose chat is linked). Nothing reaches anyone out of the blue but
through the outbox: ``recorder.deliver()`` runs it (``deliver_due``) into a
recording channel that keeps what each of them would have received.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bots.bootstrap import App
from core.models import (
    Engagement,
    Membership,
    Need,
    NeedStatus,
    Offer,
    Organisation,
    Person,
    RelayDirection,
    RelayMessage,
    Role,
)
from core.notify import Delivery
from core.reminders.delivery import deliver_due
from core.services import relay
from core.services.people import person_for_identity
from core.services.signup import sign_up
from dialogue.markup import to_plain
from dialogue.messages import Reply
from dialogue.notifications import ChannelSender, Renderer, notify_catalogue
from dialogue.texts import catalogue
from tests.dialogue.harness import Conversation
from tests.dialogue.test_reminder_answers import onboard

REPAIR_CAFE = "Repair-Café Eilendorf (Demo)"
TAFEL = "Aachener Tafel (Demo) e.V."


@dataclass
class Recorder:
    """What each identity would have been sent out of the blue."""

    app: App
    channel: str = "test"
    sent: dict[str, list[Reply]] = field(default_factory=dict)

    async def deliver(self) -> None:
        """Run the outbox once, at the app's clock, into this channel."""
        sender = ChannelSender(
            Renderer(self.app.db, self.app.tenants), {"test": self}, self.app.clock
        )
        await deliver_due(self.app.db, sender, self.app.now())

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        self.sent.setdefault(identity, []).extend(replies)
        return Delivery.DELIVERED

    def last(self, identity: str) -> Reply:
        return self.sent[identity][-1]

    def text(self, identity: str) -> str:
        return to_plain(self.last(identity).text)


@pytest.fixture
def recorder(app: App) -> Recorder:
    return Recorder(app)


async def org_member(
    app: App, organisation: str, identity: str = "test:org", language: str = "de"
) -> Conversation:
    """Someone who consented in the chat and is a member of ``organisation``."""
    conv = Conversation(app, identity=identity, language_hint=language)
    await conv.command("start")
    await conv.press("f:consent:yes")
    person = await person_for_identity(app.db, identity, "aachen")
    assert person is not None
    async with app.db.transaction() as session:
        org = await session.scalar(select(Organisation).where(Organisation.name == organisation))
        assert org is not None
        session.add(
            Membership(
                tenant_id=org.tenant_id,
                organisation_id=org.id,
                person_id=person.id,
                role=Role.MEMBER,
                created_at=app.now(),
            )
        )
    return conv


async def need_of(app: App, organisation: str, title: str | None = None) -> int:
    async with app.db.sessions() as session:
        q = (
            select(Need.id)
            .join(Organisation, Organisation.id == Need.organisation_id)
            .where(Organisation.name == organisation, Need.status == NeedStatus.PUBLISHED)
            .order_by(Need.id)
        )
        if title:
            q = q.where(Need.title == title)
        need_id = await session.scalar(q)
    assert need_id is not None
    return int(need_id)


async def messages(app: App, person_id: int) -> list[RelayMessage]:
    async with app.db.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(RelayMessage)
                    .where(RelayMessage.person_id == person_id)
                    .order_by(RelayMessage.id)
                )
            ).all()
        )


# -- offers ---------------------------------------------------------------------------


async def post_bike_offer(conversation: Conversation) -> int:
    await conversation.command("angebot", "Ich kann samstags Fahrräder reparieren, in Eilendorf")
    text = conversation.text
    assert "So würde dein Angebot aussehen" in text, text
    assert "Handwerk" in text and "Eilendorf" in text and "Sa" in text, text
    assert "off:post" in conversation.payloads()
    await conversation.press("off:post")
    assert "Dein Angebot ist veröffentlicht" in conversation.text, conversation.text
    async with conversation.app.db.sessions() as session:
        offer = await session.scalar(select(Offer).order_by(Offer.id.desc()))
    assert offer is not None
    return offer.id


async def test_an_offer_by_message_is_stored_as_the_persons_and_finds_needs(
    conversation: Conversation,
) -> None:
    person = await onboard(conversation)
    offer_id = await post_bike_offer(conversation)
    async with conversation.app.db.sessions() as session:
        offer = await session.get(Offer, offer_id)
    assert offer is not None
    assert (offer.person_id, offer.organisation_id) == (person, None)
    assert (offer.category, offer.place_label, offer.kind) == ("handwerk", "Eilendorf", "skill")
    assert offer.cell_mask and offer.available_until is not None
    # The offer found the Repair-Café's needs, with the volunteer matching's reasons.
    text = conversation.text
    assert "Diese Bedarfe passen zu deinem Angebot" in text
    assert "Reparieren im Repair-Café" in text or "Fahrradwerkstatt" in text, text
    assert "km" in text
    repair = await need_of(conversation.app, REPAIR_CAFE, "Reparieren im Repair-Café")
    assert f"need:{repair}" in conversation.payloads()


async def test_an_offer_asks_where_when_the_sentence_and_profile_say_nothing(
    app: App,
) -> None:
    conv = Conversation(app, identity="test:new")
    await conv.command("start")
    await conv.press("f:consent:yes")
    await conv.command("angebot")
    assert "Was kannst du anbieten" in conv.text
    await conv.say("Unser Transporter ist am Wochenende frei")
    assert "Wo?" in conv.text, conv.text
    await conv.say("Brand")
    assert "Art: Transporter" in conv.text, conv.text  # a van is a resource, named
    await conv.press("off:post")
    assert "veröffentlicht" in conv.text


async def test_the_organisation_sees_the_offer_among_passende_angebote_and_answers_it(
    conversation: Conversation, recorder: Recorder
) -> None:
    person = await onboard(conversation)
    offer_id = await post_bike_offer(conversation)
    renate = await org_member(conversation.app, REPAIR_CAFE)
    await renate.command("angebote")
    assert "Passende Angebote" in renate.text
    assert "Ich kann samstags Fahrräder reparieren" in renate.text, renate.text
    answer = [p for p in renate.payloads() if p.startswith(f"off:ans:{offer_id}:")]
    assert answer, renate.payloads()
    await renate.press(answer[0])
    await renate.say("Magst du am Samstag ins Repair-Café kommen?")
    assert "Gesendet" in renate.text
    assert "test:1" not in recorder.sent  # stored with its outbox row, not sent directly
    await recorder.deliver()
    # Heinrich gets it in his chat: no contact detail of his has passed.
    got = recorder.text("test:1")
    assert "Repair-Café Eilendorf (Demo)" in got and "Magst du am Samstag" in got
    assert "Deine Kontaktdaten hat die Organisation nicht" in got
    message_id = int(recorder.last("test:1").meta["relay_message_id"])
    payloads = [b.payload for b in recorder.last("test:1").buttons]
    assert payloads == [f"relay:{message_id}:reply", f"rel:offc:{message_id}"]
    # He answers through the relay first: the organisation's member gets it, threaded.
    await conversation.press(f"relay:{message_id}:reply")
    await conversation.say("Gern, ab 10 Uhr!")
    assert "angekommen" in conversation.text
    await recorder.deliver()
    assert "Gern, ab 10 Uhr!" in recorder.text("test:org")
    rows = await messages(conversation.app, person)
    assert [(m.direction, m.kind, m.reply_to_id) for m in rows] == [
        (RelayDirection.TO_VOLUNTEER, "offer", None),
        (RelayDirection.FROM_VOLUNTEER, "offer", message_id),
    ]
    assert all(m.offer_id == offer_id for m in rows)
    # Only when he chooses does a phone number pass, and then only to this organisation.
    await conversation.press(f"rel:offc:{message_id}")
    assert "Nur diese eine Organisation" in conversation.text
    await conversation.say("keine Nummer")
    assert "sieht nicht nach einer Telefonnummer" in conversation.text
    await conversation.say("0241 123456")
    assert "Weitergegeben an Repair-Café" in conversation.text
    await recorder.deliver()
    assert "0241 123456" in recorder.text("test:org")
    rows = await messages(conversation.app, person)
    assert (rows[-1].kind, rows[-1].body, rows[-1].reply_to_id) == (
        "contact",
        "0241 123456",
        message_id,
    )


async def test_a_member_of_another_organisation_cannot_answer_for_it(
    conversation: Conversation, recorder: Recorder
) -> None:
    await onboard(conversation)
    offer_id = await post_bike_offer(conversation)
    tafel = await org_member(conversation.app, TAFEL, identity="test:tafel")
    async with conversation.app.db.sessions() as session:
        cafe = await session.scalar(select(Organisation.id).where(Organisation.name == REPAIR_CAFE))
    await tafel.press(f"off:ans:{offer_id}:{cafe}")
    assert "nicht erlaubt" in tafel.text.casefold() or "darf" in tafel.text.casefold(), tafel.text
    await recorder.deliver()
    assert "test:1" not in recorder.sent


# -- questions and threads --------------------------------------------------------


async def test_a_question_before_signing_up_and_its_answer_threaded_to_it(
    conversation: Conversation, recorder: Recorder
) -> None:
    person = await onboard(conversation)
    renate = await org_member(conversation.app, REPAIR_CAFE)
    need = await need_of(conversation.app, REPAIR_CAFE, "Reparieren im Repair-Café")
    await conversation.press(f"need:{need}")
    assert f"rel:ask:{need}" in conversation.payloads()
    await conversation.press(f"rel:ask:{need}")
    assert "Was möchtest du die Organisation fragen" in conversation.text
    await conversation.say("Muss ich eigenes Werkzeug mitbringen?")
    assert "Deine Frage ist bei Repair-Café Eilendorf (Demo) angekommen" in conversation.text
    # Not signed up: asking is not signing up.
    async with conversation.app.db.sessions() as session:
        signed = await session.scalar(
            select(func.count()).select_from(Engagement).where(Engagement.person_id == person)
        )
    assert signed == 0
    # The member sees the question in her chat and answers it there.
    await recorder.deliver()
    question = recorder.last("test:org")
    assert "Muss ich eigenes Werkzeug mitbringen?" in to_plain(question.text)
    question_id = int(question.meta["relay_message_id"])
    await renate.press(f"rel:ans:{question_id}")
    assert "Muss ich eigenes Werkzeug" in renate.text
    await renate.say("Nein, Werkzeug ist da.")
    await recorder.deliver()
    answer = recorder.last("test:1")
    assert "Antwort von Repair-Café Eilendorf (Demo)" in to_plain(answer.text)
    assert "Muss ich eigenes Werkzeug mitbringen?" in to_plain(answer.text)  # what it answers
    rows = await messages(conversation.app, person)
    assert [(m.kind, m.direction, m.reply_to_id) for m in rows] == [
        ("question", RelayDirection.FROM_VOLUNTEER, None),
        ("question", RelayDirection.TO_VOLUNTEER, question_id),
    ]
    assert rows[0].need_id == rows[1].need_id == need
    # The web inbox of the organisation lists the question too.
    items = await relay.inbox(conversation.app.db, rows[0].organisation_id)
    assert {i.body for i in items} >= {"Muss ich eigenes Werkzeug mitbringen?"}


async def test_each_side_reads_the_relay_in_their_own_language_at_delivery(
    conversation: Conversation, recorder: Recorder
) -> None:
    """Worded by the outbox for each recipient: an English-speaking member gets
    the German volunteer's question in English; the answer reaches him in German."""
    await onboard(conversation)
    tom = await org_member(conversation.app, REPAIR_CAFE, identity="test:tom", language="en")
    need = await need_of(conversation.app, REPAIR_CAFE, "Reparieren im Repair-Café")
    await conversation.press(f"rel:ask:{need}")
    await conversation.say("Gibt es Parkplätze?")
    await recorder.deliver()
    question = recorder.last("test:tom")
    assert recorder.text("test:tom").startswith("❓ Question from"), recorder.text("test:tom")
    await tom.press(question.buttons[0].payload)
    await tom.say("Ja, hinter dem Haus.")
    assert "Sent" in tom.text
    await recorder.deliver()
    assert recorder.text("test:1").startswith("Antwort von Repair-Café"), recorder.text("test:1")


async def test_an_english_volunteer_reads_a_german_members_answer_framed_in_english(
    conversation: Conversation, recorder: Recorder
) -> None:
    """The framing follows the recipient, not the writer: Ann chats in
    English, Renate answers in German; Ann's chat says "Answer from …" around
    Renate's German words, Renate's says "Frage von …" around Ann's."""
    app = conversation.app
    ann = Conversation(app, identity="test:ann", language_hint="en")
    await ann.command("start")
    await ann.press("f:consent:yes")
    renate = await org_member(app, REPAIR_CAFE)
    need = await need_of(app, REPAIR_CAFE, "Reparieren im Repair-Café")
    await ann.press(f"rel:ask:{need}")
    assert "What would you like to ask the organisation" in ann.text, ann.text
    await ann.say("Do I need to bring tools?")
    assert "Your question has reached Repair-Café Eilendorf (Demo)" in ann.text, ann.text
    await recorder.deliver()
    question = recorder.last("test:org")
    assert recorder.text("test:org").startswith("❓ Frage von"), recorder.text("test:org")
    assert "Do I need to bring tools?" in recorder.text("test:org")
    await renate.press(question.buttons[0].payload)
    await renate.say("Nein, Werkzeug ist da.")
    assert "Gesendet" in renate.text
    await recorder.deliver()
    answer = recorder.last("test:ann")
    assert recorder.text("test:ann") == (
        "Answer from Repair-Café Eilendorf (Demo) to “Do I need to bring tools?” "
        "(Reparieren im Repair-Café):\n\nNein, Werkzeug ist da."
    ), recorder.text("test:ann")
    # One text for "answer" under a relayed message, each in its reader's language.
    assert [b.label for b in question.buttons] == ["Antworten"]
    assert [b.label for b in answer.buttons] == ["Reply"]


def test_answering_a_relayed_message_has_one_button_text() -> None:
    """Both chats' "answer" button under a relayed message is
    ``notify.button.relay_answer``; the duplicates ``talk.answer`` and
    ``talk.reply`` (which had drifted to "Answer" and "Reply") are gone."""
    for lang in ("de", "en"):
        assert notify_catalogue(lang)["notify.button.relay_answer"]
        assert not {"talk.answer", "talk.reply"} & catalogue(lang).keys()


async def test_the_reply_goes_to_the_organisation_whose_message_it_answers(
    conversation: Conversation, recorder: Recorder
) -> None:
    """Before issue 14 the reply went to whoever wrote last: here the Tafel."""
    app = conversation.app
    person = await onboard(conversation)
    cafe_need = await need_of(app, REPAIR_CAFE, "Reparieren im Repair-Café")
    tafel_need = await need_of(app, TAFEL)
    cafe_signup = await sign_up(app.db, person, cafe_need, app.now())
    tafel_signup = await sign_up(app.db, person, tafel_need, app.now())
    async with app.db.sessions() as session:
        cafe = await session.scalar(select(Need.organisation_id).where(Need.id == cafe_need))
        tafel = await session.scalar(select(Need.organisation_id).where(Need.id == tafel_need))
    assert cafe is not None and tafel is not None
    first = await relay.send_to_volunteer(
        app.db, cafe, cafe_signup.engagement_id, "Bringst du einen Lötkolben mit?",
        account_id=None, now=app.now(),
    )  # fmt: skip
    await relay.send_to_volunteer(
        app.db, tafel, tafel_signup.engagement_id, "Kommst du um 10?",
        account_id=None, now=app.now() + timedelta(minutes=5),
    )  # fmt: skip
    # He answers the first message (the Repair-Café's), after the Tafel wrote.
    await conversation.press(f"relay:{first.message_id}:reply")
    await conversation.say("Ja, Lötkolben bringe ich mit.")
    assert "angekommen" in conversation.text
    rows = await messages(app, person)
    reply = rows[-1]
    assert (reply.direction, reply.organisation_id, reply.reply_to_id, reply.need_id) == (
        RelayDirection.FROM_VOLUNTEER,
        cafe,
        first.message_id,
        cafe_need,
    )
    # A message id that is not his is no way into another person's thread.
    assert (
        await relay.record_reply(
            app.db, person + 999, "x", now=app.now(), reply_to=first.message_id
        )
        is None
    )


# -- contact details ---------------------------------------------------------------


async def test_contact_shared_with_one_organisation_and_revoked(
    conversation: Conversation,
) -> None:
    from core.services.organisations import signups_of

    app = conversation.app
    person = await onboard(conversation)
    cafe_need = await need_of(app, REPAIR_CAFE, "Reparieren im Repair-Café")
    tafel_need = await need_of(app, TAFEL)
    cafe_signup = await sign_up(app.db, person, cafe_need, app.now())
    await sign_up(app.db, person, tafel_need, app.now())
    async with app.db.sessions() as session:
        cafe = await session.scalar(select(Need.organisation_id).where(Need.id == cafe_need))
        tafel = await session.scalar(select(Need.organisation_id).where(Need.id == tafel_need))
    assert cafe is not None and tafel is not None

    async def seen_by(org: int, need: int) -> tuple[bool, str | None, str | None]:
        rows = [s for s in await signups_of(app.db, org, need) if s.person_id == person]
        return rows[0].contact_shared, rows[0].phone, rows[0].email

    assert await seen_by(cafe, cafe_need) == (False, None, None)
    for typed in ("Kontakt teilen", "Kontaktdaten weitergeben", "share my contact"):
        await conversation.say(typed)  # typed, as the menu would not be
        assert "nur über mich" in conversation.text, (typed, conversation.text)
    await conversation.command("kontakt")
    assert "nur über mich" in conversation.text
    share = f"rel:cs:{cafe_signup.engagement_id}"
    assert share in conversation.payloads()
    # each sign-up its own button, named by the need (two with one organisation differ)
    assert "Weitergeben für „Reparieren im Repair-Café“" in [
        label for label, payload in conversation.buttons if payload == share
    ], conversation.buttons
    await conversation.press(share)
    await conversation.say("heinrich@example.org")
    assert "E-Mail-Adresse ist jetzt für diese Organisation sichtbar" in conversation.text
    assert await seen_by(cafe, cafe_need) == (True, None, "heinrich@example.org")
    assert await seen_by(tafel, tafel_need) == (False, None, None)  # only that one organisation
    # The café's member reads it in the need's detail in her chat; the Tafel's does not.
    renate = await org_member(app, REPAIR_CAFE)
    await renate.press(f"orgn:{cafe_need}")
    assert "hat euch den Kontakt gegeben: heinrich@example.org" in renate.text, renate.text
    tafel_member = await org_member(app, TAFEL, identity="test:tafel")
    await tafel_member.press(f"orgn:{tafel_need}")
    assert "Angemeldet" in tafel_member.text and "@" not in tafel_member.text
    revoke = f"rel:cr:{cafe_signup.engagement_id}"
    assert revoke in conversation.payloads()
    await conversation.press(revoke)
    assert "Zurückgenommen" in conversation.text
    assert await seen_by(cafe, cafe_need) == (False, None, None)
    await renate.press(f"orgn:{cafe_need}")
    assert "heinrich@example.org" not in renate.text
    async with app.db.sessions() as session:
        stored = await session.get(Person, person)
    assert stored is not None and (stored.email, stored.phone) == (None, None)


# -- the daily cap ----------------------------------------------------------------------


async def test_questions_count_toward_the_daily_cap(
    conversation: Conversation, recorder: Recorder
) -> None:
    app = conversation.app
    person = await onboard(conversation)
    need = await need_of(app, REPAIR_CAFE, "Reparieren im Repair-Café")
    for i in range(relay.MAX_REPLIES_PER_DAY):
        await relay.ask_question(app.db, person, need, f"Frage {i}", now=app.now())
    await conversation.press(f"rel:ask:{need}")
    await conversation.say("Noch eine Frage?")
    assert "sehr viele Nachrichten" in conversation.text
    async with app.db.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(RelayMessage).where(RelayMessage.person_id == person)
        )
    assert count == relay.MAX_REPLIES_PER_DAY  # nothing written over the cap
    # A day later it works again.
    await conversation.press(f"rel:ask:{need}", now=app.now() + timedelta(days=1, minutes=1))
    await conversation.say("Noch eine Frage?", now=app.now() + timedelta(days=1, minutes=1))
    assert "angekommen" in conversation.text


# -- offers of organisations ----------------------------------------------------------

BAKERY = "Öcher Printenbäckerei (Demo) GmbH"


async def test_a_companys_van_offered_by_chat_is_answered_by_a_club_and_answered_back(
    app: App, recorder: Recorder
) -> None:
    """Jana of the Printenbäckerei offers the van by chat for the company; Tom
    of the Tafel writes to it from "Passende Angebote"; Jana gets it in her
    chat from the outbox, answers it, and Tom gets the answer, threaded."""
    jana = await org_member(app, BAKERY, identity="test:jana")
    await jana.command(
        "angebot", "Wir können am Wochenende unseren Transporter verleihen, in Aachen-Mitte"
    )
    await jana.press("off:post")
    assert "für deine Organisation an oder privat" in jana.text, jana.text
    async with app.db.sessions() as session:
        bakery = await session.scalar(select(Organisation.id).where(Organisation.name == BAKERY))
    await jana.press(f"off:for:{bakery}")
    async with app.db.sessions() as session:
        offer = await session.scalar(select(Offer).order_by(Offer.id.desc()))
    assert offer is not None and (offer.organisation_id, offer.person_id) == (bakery, None)
    assert offer.resource == "van"

    tom = await org_member(app, TAFEL, identity="test:tom")
    await tom.command("angebote")
    assert BAKERY in tom.text and "Transporter" in tom.text, tom.text
    answer = [p for p in tom.payloads() if p.startswith(f"off:ans:{offer.id}:")]
    assert answer, tom.payloads()
    await tom.press(answer[0])
    await tom.say("Könnten wir ihn am Samstag leihen?")
    assert "Gesendet" in tom.text and BAKERY in tom.text, tom.text
    assert "test:jana" not in recorder.sent
    await recorder.deliver()
    got = recorder.text("test:jana")
    assert TAFEL in got and "Könnten wir ihn am Samstag leihen?" in got, got
    assert "test:tom" not in recorder.sent  # the writer gets no copy of his own message
    (button,) = recorder.last("test:jana").buttons
    first = int(button.payload.split(":")[-1])
    await jana.press(button.payload)
    await jana.say("Ja, ab 9 Uhr am Hof.")
    assert "Gesendet" in jana.text and TAFEL in jana.text, jana.text
    await recorder.deliver()
    back = recorder.text("test:tom")
    assert BAKERY in back and "Ja, ab 9 Uhr am Hof." in back, back
    async with app.db.sessions() as session:
        rows = (await session.scalars(select(RelayMessage).order_by(RelayMessage.id))).all()
    assert [(m.direction, m.reply_to_id, m.offer_id) for m in rows] == [
        (RelayDirection.BETWEEN_ORGS, None, offer.id),
        (RelayDirection.BETWEEN_ORGS, first, offer.id),
    ]
    assert rows[0].id == first and rows[1].organisation_id != bakery


async def test_a_member_may_still_offer_privately(app: App) -> None:
    jana = await org_member(app, BAKERY, identity="test:jana")
    await jana.command("angebot", "Ich kann samstags Fahrräder reparieren, in Eilendorf")
    await jana.press("off:post")
    await jana.press("off:for:0")
    assert "Dein Angebot ist veröffentlicht" in jana.text, jana.text
    person = await person_for_identity(app.db, "test:jana", "aachen")
    async with app.db.sessions() as session:
        offer = await session.scalar(select(Offer).order_by(Offer.id.desc()))
    assert person is not None and offer is not None
    assert (offer.person_id, offer.organisation_id) == (person.id, None)

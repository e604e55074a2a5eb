"""Issue 14 on the web: an organisation sees the offers that fit its open
needs ("Passende Angebote", with the matching's reasons), answers a
volunteer's offer through the relay (no contact detail shown), and answers a
volunteer's question threaded to it. Another organisation gets a 403.
Answers reach the chat only through the outbox (``relay_message`` rows,
delivered by ``deliver_due`` to a recording channel)."""

from __future__ import annotations

from email.header import decode_header, make_header
from email.message import Message

from sqlalchemy import select

from core.models import Offer, RelayDirection, RelayMessage
from core.reminders.delivery import deliver_due
from core.services import accounts
from core.services.offers import OfferDraft, post_person_offer
from core.services.people import register_with_consent
from core.services.relay import ask_question
from dialogue.markup import to_plain
from dialogue.notifications import ChannelSender, Renderer
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import RecordingNotifier, csrf_of, post_need, sign_up_organisation

BURTSCHEID = (50.7681, 6.0896)


async def _deliver(web_app: Web) -> RecordingNotifier:
    """Run the outbox once, into a recording Telegram channel."""
    notifier = RecordingNotifier("telegram")
    app = web_app.app
    sender = ChannelSender(Renderer(app.db, app.tenants), {"telegram": notifier}, web_app.clock)
    await deliver_due(app.db, sender, web_app.clock.now())
    return notifier


async def _world(web_app: Web) -> tuple[int, int, int]:
    """Verein A with a published need (soziales, Burtscheid); Heinrich with a
    phone number he has not passed on, and an offer near it."""
    from core.services import moderation

    app, now = web_app.app, web_app.clock.now()
    member = await sign_up_organisation(web_app, email="a@verein-a.de", name="Verein A")
    need_id = await post_need(web_app, member)
    await moderation.review(
        app.db, app.tenant_ids["aachen"], need_id, approve=True, reason="", actor="t", now=now
    )
    person = await register_with_consent(
        app.db, tenant_slug="aachen", identity="telegram:77", consent_version="2026-11",
        language="de", now=now,
    )  # fmt: skip
    offer_id = await post_person_offer(
        app.db,
        person.id,
        OfferDraft(
            title="Ich kann bei der Ausgabe helfen",
            kind="time",
            category="soziales",
            lat=BURTSCHEID[0],
            lon=BURTSCHEID[1],
            place_label="Burtscheid",
        ),
        now=now,
    )
    return need_id, person.id, offer_id


async def test_fitting_offers_are_listed_with_reasons_and_answered_through_the_relay(
    web_app: Web,
) -> None:
    need_id, person, offer_id = await _world(web_app)
    page = await web_app.client.get("/t/aachen/org/offers/fitting")
    assert page.status_code == 200
    assert "Passende Angebote" in page.text
    assert "Ich kann bei der Ausgabe helfen" in page.text
    assert f"/t/aachen/org/needs/{need_id}" in page.text
    assert "km" in page.text  # the matching's reasons ("Soziales · 0,1 km · …")
    token = await csrf_of(web_app.client, "/t/aachen/org/offers/fitting")
    sent = await web_app.client.post(
        f"/t/aachen/org/offers/{offer_id}/answer",
        data={"csrf": token, "body": "Kommen Sie gern am Samstag vorbei!"},
    )
    assert sent.status_code == 303
    assert sent.headers["location"].endswith("notice=sent")
    async with web_app.app.db.sessions() as session:
        row = await session.scalar(select(RelayMessage).where(RelayMessage.person_id == person))
    assert row is not None and not row.delivered  # stored; the outbox delivers it
    ((_, identity, replies),) = (await _deliver(web_app)).sent
    assert identity == "telegram:77"
    text = to_plain(replies[0].text)
    assert "Verein A" in text and "Kommen Sie gern am Samstag vorbei!" in text
    assert "Kontaktdaten hat die Organisation nicht" in text
    async with web_app.app.db.sessions() as session:
        row = await session.scalar(select(RelayMessage).where(RelayMessage.person_id == person))
    assert row is not None
    assert (row.kind, row.offer_id, row.direction, row.delivered) == (
        "offer",
        offer_id,
        RelayDirection.TO_VOLUNTEER,
        True,
    )


async def test_another_organisation_cannot_answer_a_question_to_this_one(web_app: Web) -> None:
    need_id, person, _ = await _world(web_app)
    question = await ask_question(
        web_app.app.db, person, need_id, "Gibt es Parkplätze?", now=web_app.clock.now()
    )
    other = await sign_up_organisation(
        web_app, email="b@verein-b.de", name="Verein B", client=web_app.new_client()
    )
    page = await other.get(f"/t/aachen/org/inbox/{question.message_id}/answer")
    assert page.status_code == 403
    token = await csrf_of(other, "/t/aachen/org/offers/fitting")
    posted = await other.post(
        f"/t/aachen/org/inbox/{question.message_id}/answer",
        data={"csrf": token, "body": "Hallo"},
    )
    assert posted.status_code == 403
    async with web_app.app.db.sessions() as session:
        answers = (
            await session.scalars(
                select(RelayMessage).where(RelayMessage.direction == RelayDirection.TO_VOLUNTEER)
            )
        ).all()
    assert answers == []


async def test_a_question_is_answered_on_the_web_threaded_to_it(web_app: Web) -> None:
    need_id, person, _ = await _world(web_app)
    question = await ask_question(
        web_app.app.db, person, need_id, "Gibt es Parkplätze?", now=web_app.clock.now()
    )
    inbox = await web_app.client.get("/t/aachen/org/inbox")
    answer_url = f"/t/aachen/org/inbox/{question.message_id}/answer"
    assert "Gibt es Parkplätze?" in inbox.text and answer_url in inbox.text
    form = await web_app.client.get(answer_url)
    assert form.status_code == 200 and "Gibt es Parkplätze?" in form.text
    token = await csrf_of(web_app.client, answer_url)
    empty = await web_app.client.post(answer_url, data={"csrf": token, "body": "  "})
    assert empty.status_code == 400  # nothing sent, the form again
    sent = await web_app.client.post(answer_url, data={"csrf": token, "body": "Ja, am Hof."})
    assert sent.status_code == 303
    async with web_app.app.db.sessions() as session:
        answer = await session.scalar(
            select(RelayMessage).where(RelayMessage.direction == RelayDirection.TO_VOLUNTEER)
        )
    assert answer is not None
    assert (answer.reply_to_id, answer.need_id, answer.kind) == (
        question.message_id,
        need_id,
        "question",
    )
    assert answer.author_account_id == await accounts.account_id_for_email(
        web_app.app.db, "a@verein-a.de"
    )
    ((_, identity, replies),) = (await _deliver(web_app)).sent
    assert identity == "telegram:77"
    text = to_plain(replies[0].text)
    assert (
        "Antwort von Verein A" in text and "Gibt es Parkplätze?" in text and "Ja, am Hof." in text
    )
    assert [b.payload for b in replies[0].buttons] == [f"relay:{answer.id}:reply"]


async def test_the_web_shows_the_reasons_the_chat_shows_a_member(web_app: Web) -> None:
    """Petra of Verein A sees one offer on the web and in her chat: the
    reasons are the same line, with the editors' wording in both, and a
    topic with "&" in its name reads as written on the page."""
    import html
    import re

    from core.schedule import mask_of
    from core.services import moderation
    from core.services.org_invites import create_invite
    from tests.dialogue.harness import Conversation

    app, now = web_app.app, web_app.clock.now()
    member = await sign_up_organisation(web_app, email="a@verein-a.de", name="Verein A")
    # Saturday 10-14 in Burtscheid (need_form: four days after a Tuesday).
    need_id = await post_need(web_app, member, title="Hausaufgaben", category="kinder_jugend")
    tenant_id = app.tenant_ids["aachen"]
    await moderation.review(app.db, tenant_id, need_id, approve=True, reason="", actor="t", now=now)
    person = await register_with_consent(
        app.db, tenant_slug="aachen", identity="telegram:77", consent_version="2026-11",
        language="de", now=now,
    )  # fmt: skip
    await post_person_offer(
        app.db,
        person.id,
        OfferDraft(
            title="Samstags Hausaufgabenhilfe",
            kind="time",
            category="kinder_jugend",
            lat=BURTSCHEID[0],
            lon=BURTSCHEID[1],
            place_label="Burtscheid",
            cell_mask=mask_of(f"sa:{p}" for p in ("vormittag", "nachmittag", "abend")),
        ),
        now=now,
    )
    await moderation.set_text(
        app.db, tenant_id, "de", "part.vormittag", "am Morgen", actor="t", now=now
    )
    # Petra links her chat to Verein A with the invite link the web made.
    async with app.db.sessions() as session:
        from core.models import Organisation

        org_id = await session.scalar(
            select(Organisation.id).where(Organisation.name == "Verein A")
        )
    assert org_id is not None
    invite = await create_invite(app.db, org_id, account_id=None, now=now)
    petra = Conversation(app, identity="test:petra")
    await petra.command("start", f"org_{invite.code}")
    await petra.press("f:consent:yes")
    await petra.say("Passende Angebote")
    in_chat = re.search(r"passt zu „Hausaufgaben“ · (.+)", petra.text)
    assert in_chat, petra.text
    page = await web_app.client.get("/t/aachen/org/offers/fitting")
    on_web = re.search(r'<span class="reasons">(.*?)</span>', page.text)
    assert on_web, page.text
    assert html.unescape(on_web.group(1)) == in_chat.group(1)
    assert in_chat.group(1).startswith("Kinder & Jugend · ")
    assert in_chat.group(1).endswith(" · Sa am Morgen")


async def test_an_organisation_answers_a_companys_van_and_the_company_answers_back(
    web_app: Web,
) -> None:
    """Verein A needs a driver with a van for its Tafel pick-ups; the
    Printenbäckerei lends its van on weekends (posted on the web). Verein A
    writes to it from "Passende Angebote"; the bakery's inbox shows the
    message from Verein A with an answer form, and the answer reaches Verein
    A's inbox threaded to its message."""
    from core.services import moderation

    app, now = web_app.app, web_app.clock.now()
    verein = await sign_up_organisation(web_app, email="a@verein-a.de", name="Verein A")
    need_id = await post_need(
        web_app, verein, title="Fahrerin für die Tafel-Abholtour",
        description="Lebensmittel bei Supermärkten abholen.",
    )  # fmt: skip
    await moderation.review(
        app.db, app.tenant_ids["aachen"], need_id, approve=True, reason="", actor="t", now=now
    )
    bakery = await sign_up_organisation(
        web_app, email="info@printen.de", name="Öcher Printenbäckerei", client=web_app.new_client()
    )
    token = await csrf_of(bakery, "/t/aachen/org/offers/new")
    posted = await bakery.post(
        "/t/aachen/org/offers/new",
        data={"csrf": token, "title": "Unser Transporter am Wochenende", "kind": "resource:van",
              "place": "Burtscheid", "days": ["sa", "so"]},
    )  # fmt: skip
    assert posted.status_code == 303, posted.text
    async with app.db.sessions() as session:
        offer_id = (await session.scalars(select(Offer.id))).one()

    page = await verein.get("/t/aachen/org/offers/fitting")
    assert "Unser Transporter am Wochenende" in page.text and "Öcher Printenbäckerei" in page.text
    assert f"/t/aachen/org/offers/{offer_id}/answer" in page.text  # a form, as for a person
    assert "Nachricht an Öcher Printenbäckerei" in page.text
    token = await csrf_of(verein, "/t/aachen/org/offers/fitting")
    sent = await verein.post(
        f"/t/aachen/org/offers/{offer_id}/answer",
        data={"csrf": token, "body": "Könnten wir ihn am Samstag leihen?"},
    )
    assert sent.status_code == 303 and sent.headers["location"].endswith("notice=sent_org")
    async with app.db.sessions() as session:
        first = await session.scalar(select(RelayMessage))
    assert first is not None and first.direction == RelayDirection.BETWEEN_ORGS

    inbox = (await bakery.get("/t/aachen/org/inbox")).text
    assert "Von Verein A" in inbox and "Könnten wir ihn am Samstag leihen?" in inbox
    assert f"/t/aachen/org/inbox/{first.id}/answer" in inbox
    token = await csrf_of(bakery, f"/t/aachen/org/inbox/{first.id}/answer")
    answered = await bakery.post(
        f"/t/aachen/org/inbox/{first.id}/answer",
        data={"csrf": token, "body": "Ja, ab 9 Uhr am Hof."},
    )
    assert answered.status_code == 303
    mine = (await verein.get("/t/aachen/org/inbox")).text
    assert "An Öcher Printenbäckerei" in mine and "Von Öcher Printenbäckerei" in mine
    assert "Ja, ab 9 Uhr am Hof." in mine
    async with app.db.sessions() as session:
        reply = await session.scalar(
            select(RelayMessage).where(RelayMessage.reply_to_id == first.id)
        )
    assert reply is not None and reply.organisation_id == first.from_organisation_id
    # Nobody else answers it: a third organisation gets a 403.
    other = await sign_up_organisation(
        web_app, email="c@verein-c.de", name="Verein C", client=web_app.new_client()
    )
    assert (await other.get(f"/t/aachen/org/inbox/{first.id}/answer")).status_code == 403


def _subject(mail: Message) -> str:
    return str(make_header(decode_header(str(mail["Subject"]))))


async def _member(
    web_app: Web,
    email: str,
    *,
    chat: str | None = None,
    reachable: bool = True,
    language: str = "de",
) -> None:
    """Another web member of Verein A; with ``chat``, the account is linked to
    that chat (``reachable=False``: the person blocked the bot since)."""
    from datetime import timedelta

    from core.models import Account, Identity, Membership, Organisation, Role

    app, now = web_app.app, web_app.clock.now()
    person_id = None
    if chat is not None:
        person = await register_with_consent(
            app.db, tenant_slug="aachen", identity=chat, consent_version="2026-11",
            language=language, now=now,
        )  # fmt: skip
        person_id = person.id
    async with app.db.transaction() as session:
        org = await session.scalar(select(Organisation).where(Organisation.name == "Verein A"))
        assert org is not None
        account = Account(
            email=email, password_hash=None, display_name=email.split("@")[0],
            email_verified_at=now - timedelta(days=1), person_id=person_id, created_at=now,
        )  # fmt: skip
        session.add(account)
        await session.flush()
        session.add(
            Membership(
                tenant_id=org.tenant_id, organisation_id=org.id, account_id=account.id,
                person_id=person_id, role=Role.MEMBER, created_at=now,
            )
        )  # fmt: skip
        if chat is not None and not reachable:
            identity = await session.scalar(select(Identity).where(Identity.key == chat))
            assert identity is not None
            identity.unreachable_at = now


async def test_members_without_a_chat_get_the_question_by_mail_in_their_own_language(
    web_app: Web,
) -> None:
    """Jonas and Emily have no chat the bot can reach: Heinrich's question
    comes to each of them as an ``org_message`` mail with the link to answer
    it, framed in the reader's language (Emily's chat was English), not the
    writer's. Petra reads it in her chat and gets no mail; the organisation's
    own address gets its usual copy, once."""
    need_id, person, _ = await _world(web_app)
    await _member(web_app, "jonas@verein-a.de")
    await _member(web_app, "emily@verein-a.de", chat="telegram:88", reachable=False, language="en")
    await _member(web_app, "petra@verein-a.de", chat="telegram:99")
    before = len(await web_app.mails())
    question = await ask_question(
        web_app.app.db, person, need_id, "Gibt es Parkplätze?", now=web_app.clock.now()
    )
    mails = (await web_app.mails())[before:]
    by_address = {str(m["To"]): m for m in mails}
    assert sorted(by_address) == ["a@verein-a.de", "emily@verein-a.de", "jonas@verein-a.de"]
    answer_link = f"http://testserver/t/aachen/org/inbox/{question.message_id}/answer"

    jonas = by_address["jonas@verein-a.de"]
    assert (
        _subject(jonas)
        == "Nachricht von Eine freiwillige Person zu „Helfende für die Tafel-Ausgabe“"
    )
    body = jonas.get_payload(decode=True).decode()
    assert "Eine freiwillige Person schreibt Verein A zu „Helfende für die Tafel-Ausgabe“" in body
    assert "Gibt es Parkplätze?" in body and answer_link in body

    emily = by_address["emily@verein-a.de"]
    assert _subject(emily) == "Message from A volunteer about “Helfende für die Tafel-Ausgabe”"
    body = emily.get_payload(decode=True).decode()
    assert "A volunteer writes to Verein A about “Helfende für die Tafel-Ausgabe”" in body
    assert "Gibt es Parkplätze?" in body and answer_link in body
    assert "Antwort" not in body and "schreibt" not in body

    own = by_address["a@verein-a.de"]
    assert "Gibt es Parkplätze?" in own.get_payload(decode=True).decode()
    # Petra's chat has it (the outbox row); the mails name nothing of Heinrich's.
    ((_, identity, replies),) = (await _deliver(web_app)).sent
    assert identity == "telegram:99" and "Gibt es Parkplätze?" in to_plain(replies[0].text)

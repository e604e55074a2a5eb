"""Issue 14, part 4: the messages an organisation receives through the relay.

Every one of them (a volunteer's question, reply or passed-on contact, and
another organisation's message about an offer) is built by one constructor,
``RelayMessage.incoming``: its direction follows from who wrote, and an answer
threads to the message it answers and stays about what that one was about.
The per-person daily caps hold both ways: a volunteer writes at most
``MAX_REPLIES_PER_DAY`` messages to organisations, an organisation (on the
web or through a member's chat) at most ``MAX_ORG_MESSAGES_PER_DAY`` to
volunteers; over the cap nothing is written, a day later it works again.

Personas: Heinrich Helfer (``world.people[0]``) helps the Tafel
(``world.org``); Renate (``world.people[1]``) is a member of the Tafel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.errors import TooManyReplies
from core.models import Membership, Offer, RelayDirection, RelayMessage, Role
from core.services import relay
from core.services.needs import post_need
from core.services.signup import sign_up
from tests.core.conftest import NOW

BERLIN = ZoneInfo("Europe/Berlin")

# -- one constructor ------------------------------------------------------------------


def _from_tafel(**kw: Any) -> RelayMessage:
    fields: dict[str, Any] = {
        "id": 7,
        "tenant_id": 1,
        "organisation_id": 3,
        "need_id": 11,
        "engagement_id": 13,
        "offer_id": None,
        "person_id": 5,
        "direction": RelayDirection.TO_VOLUNTEER,
        "kind": "question",
        "body": "Kommst du um 10?",
        "created_at": NOW,
    }
    fields.update(kw)
    return RelayMessage(**fields)


def test_a_volunteers_answer_threads_to_the_message_and_stays_about_its_need() -> None:
    asked = _from_tafel()
    m = RelayMessage.incoming(
        tenant_id=1, organisation_id=3, person_id=5, answering=asked,
        kind=asked.thread_kind, body="Ja!", now=NOW,
    )  # fmt: skip
    assert (m.direction, m.kind, m.reply_to_id) == (RelayDirection.FROM_VOLUNTEER, "question", 7)
    assert (m.need_id, m.engagement_id, m.offer_id) == (11, 13, None)
    assert (m.person_id, m.from_organisation_id, m.delivered, m.created_at) == (5, None, True, NOW)


def test_a_question_before_signing_up_answers_nothing() -> None:
    m = RelayMessage.incoming(
        tenant_id=1, organisation_id=3, person_id=5, need_id=11, kind="question",
        body="Gibt es Parkplätze?", now=NOW,
    )  # fmt: skip
    assert (m.direction, m.reply_to_id, m.need_id, m.engagement_id) == (
        RelayDirection.FROM_VOLUNTEER, None, 11, None,
    )  # fmt: skip


def test_another_organisations_message_is_between_organisations() -> None:
    m = RelayMessage.incoming(
        tenant_id=1, organisation_id=3, from_organisation_id=4, offer_id=2, kind="offer",
        body="Dürfen wir den Transporter leihen?", account_id=9, now=NOW,
    )  # fmt: skip
    assert (m.direction, m.person_id, m.from_organisation_id, m.offer_id) == (
        RelayDirection.BETWEEN_ORGS, None, 4, 2,
    )  # fmt: skip
    assert m.author_account_id == 9


def test_an_incoming_message_has_exactly_one_writer() -> None:
    with pytest.raises(ValueError):
        RelayMessage.incoming(tenant_id=1, organisation_id=3, kind="message", body="x", now=NOW)
    with pytest.raises(ValueError):
        RelayMessage.incoming(
            tenant_id=1, organisation_id=3, person_id=5, from_organisation_id=4,
            kind="message", body="x", now=NOW,
        )  # fmt: skip


def test_a_thread_keeps_the_kind_of_a_question_or_an_offer_only() -> None:
    assert _from_tafel(kind="question").thread_kind == "question"
    assert _from_tafel(kind="offer").thread_kind == "offer"
    assert _from_tafel(kind="contact").thread_kind == "message"
    assert _from_tafel(kind="message").thread_kind == "message"


# -- the daily caps, both ways ------------------------------------------------------------

CAP = 3  # the caps' rule, not their size: lowered so each test writes a handful of rows


@pytest.fixture
def low_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relay, "MAX_REPLIES_PER_DAY", CAP)
    monkeypatch.setattr(relay, "MAX_ORG_MESSAGES_PER_DAY", CAP)


async def _tafel_need_with(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any
) -> tuple[int, int, int, int]:
    """(need, Heinrich's engagement, Luisa's engagement, Heinrich's offer)."""
    posted = await post_need(
        db, organisation_id=world.org, data=need_input(in_days=5, helpers_wanted=5),
        taxonomy=taxonomy, places=places, now=NOW, tz=BERLIN, actor="org",
    )  # fmt: skip
    need_id = posted.id
    heinrich, luisa = world.people[0], world.people[1]
    first = await sign_up(db, heinrich, need_id, NOW)
    second = await sign_up(db, luisa, need_id, NOW)
    async with db.transaction() as session:
        offer = Offer(
            tenant_id=world.aachen, person_id=heinrich, title="Ich kann Regale aufbauen",
            kind="time", place_label="Aachen", created_at=NOW, active=True,
        )  # fmt: skip
        session.add(offer)
        session.add(
            Membership(
                tenant_id=world.aachen, organisation_id=world.org, person_id=world.people[2],
                role=Role.MEMBER, created_at=NOW,
            )
        )  # fmt: skip
        await session.flush()
        offer_id = offer.id
    return need_id, first.engagement_id, second.engagement_id, offer_id


async def _written(db: Database, direction: RelayDirection, person_id: int) -> int:
    async with db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(RelayMessage)
                .where(RelayMessage.direction == direction, RelayMessage.person_id == person_id)
            )
            or 0
        )


async def test_a_volunteers_questions_replies_and_contact_count_together_per_person_and_day(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any, low_caps: None
) -> None:
    need, mine, _, offer = await _tafel_need_with(db, world, need_input, taxonomy, places)
    heinrich, luisa = world.people[0], world.people[1]
    hello = await relay.send_to_volunteer(db, world.org, mine, "Hallo!", account_id=None, now=NOW)
    offered = await relay.answer_offer(db, world.org, offer, "Gern!", now=NOW)
    # One of each kind, all within the day: the cap of three is reached.
    await relay.ask_question(db, heinrich, need, "Gibt es Parkplätze?", now=NOW)
    assert await relay.reply(db, heinrich, "Ja!", now=NOW, reply_to=hello.message_id)
    await relay.share_contact_for_offer(
        db, heinrich, offered.message_id, "0151 2345678", now=NOW + timedelta(hours=1)
    )
    later = NOW + timedelta(hours=23)
    with pytest.raises(TooManyReplies):
        await relay.ask_question(db, heinrich, need, "Noch eine Frage?", now=later)
    with pytest.raises(TooManyReplies):
        await relay.reply(db, heinrich, "Noch was", now=later, reply_to=hello.message_id)
    with pytest.raises(TooManyReplies):
        await relay.share_contact_for_offer(
            db, heinrich, offered.message_id, "heinrich@example.org", now=later
        )
    assert await _written(db, RelayDirection.FROM_VOLUNTEER, heinrich) == CAP  # nothing more
    # Per person: Luisa writes as usual.
    await relay.ask_question(db, luisa, need, "Darf ich meinen Hund mitbringen?", now=later)
    # 24 hours after the first, one message is free again.
    await relay.ask_question(db, heinrich, need, "Noch eine Frage?", now=NOW + timedelta(days=1))
    assert await _written(db, RelayDirection.FROM_VOLUNTEER, heinrich) == CAP + 1


async def test_an_organisations_messages_to_volunteers_count_together_on_the_web_and_in_chat(
    db: Database, world: Any, need_input: Any, taxonomy: Any, places: Any, low_caps: None
) -> None:
    need, mine, hers, offer = await _tafel_need_with(db, world, need_input, taxonomy, places)
    heinrich, luisa, renate = world.people[0], world.people[1], world.people[2]
    question = await relay.ask_question(db, luisa, need, "Gibt es Parkplätze?", now=NOW)
    # The web writes, Renate answers in her chat, an offer is answered: three.
    await relay.send_to_volunteer(db, world.org, mine, "Hallo!", account_id=None, now=NOW)
    await relay.answer(
        db, world.org, question.message_id, "Ja, am Hof.", now=NOW, member_person_id=renate
    )
    await relay.answer_offer(db, world.org, offer, "Gern!", now=NOW, member_person_id=renate)
    later = NOW + timedelta(hours=23)
    with pytest.raises(TooManyReplies):
        await relay.send_to_volunteer(db, world.org, hers, "Kommst du?", account_id=None, now=later)
    with pytest.raises(TooManyReplies):
        await relay.answer(
            db, world.org, question.message_id, "Und?", now=later, member_person_id=renate
        )
    with pytest.raises(TooManyReplies):
        await relay.answer_offer(db, world.org, offer, "Noch da?", now=later)
    to_them = [await _written(db, RelayDirection.TO_VOLUNTEER, p) for p in (heinrich, luisa)]
    assert sum(to_them) == CAP  # nothing more was written
    # A volunteer's answer is not the organisation's: Heinrich still replies.
    assert await relay.reply(db, heinrich, "Bin dabei.", now=later)
    # 24 hours after the first, the organisation writes again.
    await relay.send_to_volunteer(
        db, world.org, hers, "Kommst du?", account_id=None, now=NOW + timedelta(days=1)
    )

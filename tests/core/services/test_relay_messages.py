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

from typing import Any

import pytest

from core.models import (
    RelayDirection,
    RelayMessage,
)
from tests.core.conftest import NOW

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

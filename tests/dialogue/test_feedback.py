"""Issue 14.7: feedback by message is kept (with consent), listed for the
Redaktion, counted in the statistics, and anonymised on erasure and after
the tenant's retention period."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.models import Feedback
from core.services.feedback import list_feedback, purge_feedback
from core.services.people import delete_person, person_for_identity
from core.services.statistics import tenant_statistics
from tests.dialogue.harness import Conversation
from tests.dialogue.test_reminder_answers import onboard

WISH = "Bitte zeigt auch Einsätze am Sonntag an, Grüße von Heinrich"


async def _rows(conversation: Conversation) -> list[Feedback]:
    async with conversation.app.db.sessions() as session:
        return list((await session.scalars(select(Feedback).order_by(Feedback.id))).all())


async def test_feedback_is_kept_listed_counted_and_anonymised_on_erasure(
    conversation: Conversation,
) -> None:
    person_id = await onboard(conversation)
    await conversation.say("Ich möchte Feedback geben")
    assert (await conversation.state()).flow == "feedback"
    await conversation.say(WISH)
    assert "Rückmeldung ist gespeichert" in conversation.text

    (row,) = await _rows(conversation)
    assert (row.person_id, row.body, row.channel) == (person_id, WISH, "test")
    tenant_id = conversation.app.tenant_ids["aachen"]
    listed = await list_feedback(conversation.app.db, tenant_id)
    assert [(i.body, i.anonymised) for i in listed] == [(WISH, False)]
    assert await list_feedback(conversation.app.db, conversation.app.tenant_ids["stolberg"]) == []

    now = conversation.app.now()
    figures = await tenant_statistics(
        conversation.app.db, tenant_id, now=now, tz=ZoneInfo("Europe/Berlin"), districts={}
    )
    assert figures.feedback == 1 and figures.weeks[-1].feedback == 1

    await delete_person(conversation.app.db, person_id, now)
    (row,) = await _rows(conversation)
    assert (row.person_id, row.body) == (None, "")
    assert row.anonymised_at is not None
    listed = await list_feedback(conversation.app.db, tenant_id)
    assert [(i.body, i.anonymised) for i in listed] == [("", True)]
    figures = await tenant_statistics(
        conversation.app.db, tenant_id, now=now, tz=ZoneInfo("Europe/Berlin"), districts={}
    )
    assert figures.feedback == 1  # the count stays


async def test_without_consent_nothing_is_kept_and_the_bot_says_so(
    conversation: Conversation,
) -> None:
    await conversation.say("Feedback: Die Karte mit den Einsatzorten fehlt mir")
    assert "nicht aufbewahren" in conversation.text
    assert "cmd:start" in conversation.payloads()
    assert await _rows(conversation) == []
    ref = await person_for_identity(conversation.app.db, conversation.identity, "aachen")
    assert ref is None


async def test_feedback_text_goes_after_the_retention_period(conversation: Conversation) -> None:
    await onboard(conversation)
    await conversation.say(f"Feedback: {WISH}")
    assert [r.body for r in await _rows(conversation)] == [WISH]
    now = conversation.app.now()
    assert await purge_feedback(conversation.app.db, now + timedelta(days=30)) == 0
    months = conversation.tenant_config.privacy.retention_months
    later = now + timedelta(days=30 * months + 1)
    assert await purge_feedback(conversation.app.db, later) == 1
    (row,) = await _rows(conversation)
    assert (row.body, row.person_id) == ("", None)
    async with conversation.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Feedback)) == 1


async def test_feedback_in_the_opening_sentence_is_kept_without_asking(
    conversation: Conversation,
) -> None:
    """ "Ich möchte gern Feedback geben: …": what follows the lead-in is the
    feedback; the bot does not ask for it again."""
    await onboard(conversation)
    await conversation.say(
        "Ich möchte gern Feedback geben: die Anmeldung war super einfach, danke!"
    )
    assert "Rückmeldung ist gespeichert" in conversation.text
    assert "Was möchtest du uns sagen" not in conversation.text
    (row,) = await _rows(conversation)
    assert row.body == "die Anmeldung war super einfach, danke!"
    assert (await conversation.state()).flow is None

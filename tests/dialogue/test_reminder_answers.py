"""Pressing the buttons of reminders, alerts and follow-ups in the chat, my
reminders, and joining an organisation by invite link."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Engagement, EngagementStatus, Membership, Need, NeedStatus, Organisation
from core.services.org_invites import create_invite
from core.services.people import person_for_identity
from core.services.profiles import get_profile
from core.services.signup import sign_up
from tests.dialogue.harness import Conversation

ONE_SENTENCE = "Ich möchte samstags vormittags in Burtscheid mit Kindern helfen"


async def onboard(conversation: Conversation) -> int:
    await conversation.command("start")
    await conversation.press("f:consent:yes")
    await conversation.say(ONE_SENTENCE)  # saved at once, with the first matches
    ref = await person_for_identity(conversation.app.db, conversation.identity, conversation.tenant)
    assert ref is not None, conversation.text
    assert await get_profile(conversation.app.db, ref.id) is not None, conversation.text
    return ref.id


async def a_need(conversation: Conversation, helpers: int) -> int:
    async with conversation.app.db.sessions() as session:
        need = await session.scalar(
            select(Need)
            .where(
                Need.status == NeedStatus.PUBLISHED,
                Need.starts_at.is_not(None),
                Need.helpers_wanted >= helpers,
            )
            .order_by(Need.id)
        )
    assert need is not None
    async with conversation.app.db.transaction() as session:
        row = await session.get(Need, need.id)
        assert row is not None
        row.helpers_wanted = helpers
    return need.id


async def test_cannot_come_frees_the_place(conversation: Conversation) -> None:
    person = await onboard(conversation)
    need = await a_need(conversation, 1)
    signed = await sign_up(conversation.app.db, person, need, conversation.app.now())
    await conversation.press(f"attend:{signed.engagement_id}:no")
    assert "Danke, dass du Bescheid sagst" in conversation.text
    async with conversation.app.db.sessions() as session:
        status = (await session.get(Engagement, signed.engagement_id)).status  # type: ignore[union-attr]
    assert status == EngagementStatus.WITHDRAWN


async def test_coming_is_confirmed(conversation: Conversation) -> None:
    person = await onboard(conversation)
    need = await a_need(conversation, 2)
    signed = await sign_up(conversation.app.db, person, need, conversation.app.now())
    await conversation.press(f"attend:{signed.engagement_id}:yes")
    assert "Bis morgen" in conversation.text


async def test_a_late_yes_to_an_alert_is_told_the_need_is_taken(conversation: Conversation) -> None:
    await onboard(conversation)
    need = await a_need(conversation, 1)
    other = await person_for_identity(conversation.app.db, "demo:luisa", "aachen")
    assert other is not None
    await sign_up(conversation.app.db, other.id, need, conversation.app.now())
    await conversation.press(f"alert:{need}:yes")
    assert "Schon besetzt, danke!" in conversation.text


async def test_a_yes_to_an_alert_signs_up(conversation: Conversation) -> None:
    await onboard(conversation)
    need = await a_need(conversation, 2)
    await conversation.press(f"alert:{need}:yes")
    assert "Danke, dass du einspringst" in conversation.replies[0].text
    async with conversation.app.db.sessions() as session:
        engaged = await session.scalar(select(Engagement.status).where(Engagement.need_id == need))
    assert engaged == EngagementStatus.INTERESTED


async def test_reminder_kinds_can_be_switched_off_and_on(conversation: Conversation) -> None:
    person = await onboard(conversation)
    await conversation.press("menu:engagements")
    await conversation.press("menu:reminders")
    assert "Wochenübersicht: an" in conversation.text
    await conversation.press("mute:digest")
    assert "Wochenübersicht: aus" in conversation.text
    profile = await get_profile(conversation.app.db, person)
    assert profile is not None and profile.muted_kinds == ("digest",)
    await conversation.press("unmute:digest")
    profile = await get_profile(conversation.app.db, person)
    assert profile is not None and profile.muted_kinds == ()


async def test_an_invite_link_links_the_chat_to_the_organisation(
    conversation: Conversation,
) -> None:
    person = await onboard(conversation)
    async with conversation.app.db.sessions() as session:
        org = await session.scalar(select(Organisation).order_by(Organisation.id))
    assert org is not None
    invite = await create_invite(
        conversation.app.db, org.id, account_id=None, now=conversation.app.now()
    )
    await conversation.command("start", f"org_{invite.code}")
    assert "verknüpft" in conversation.text and "menu:post" in conversation.payloads()
    async with conversation.app.db.sessions() as session:
        linked = await session.scalar(
            select(Membership.organisation_id).where(Membership.person_id == person)
        )
    assert linked == org.id
    await conversation.command("start", "org_wrongcode")
    assert "ungültig oder abgelaufen" in conversation.text


async def test_a_stale_reminder_button_gets_a_polite_answer(conversation: Conversation) -> None:
    await onboard(conversation)
    await conversation.press("attend:999999:yes")
    assert conversation.replies and "Traceback" not in conversation.text
    assert conversation.payloads()  # a way on


async def test_a_volunteer_answers_an_organisations_message(conversation: Conversation) -> None:
    from core.models import RelayMessage
    from core.services.relay import send_to_volunteer  # noqa: F401  (the web's verb)

    person = await onboard(conversation)
    need = await a_need(conversation, 2)
    signed = await sign_up(conversation.app.db, person, need, conversation.app.now())
    async with conversation.app.db.transaction() as session:
        owner = (await session.get(Need, need)).organisation_id  # type: ignore[union-attr]
        tenant_id = conversation.app.tenant_ids["aachen"]
        message = RelayMessage(
            tenant_id=tenant_id,
            organisation_id=owner,
            need_id=need,
            engagement_id=signed.engagement_id,
            person_id=person,
            direction="to_volunteer",
            body="Kannst du 10 Minuten früher kommen?",
            delivered=True,
            created_at=conversation.app.now(),
        )
        session.add(message)
        await session.flush()
        message_id = message.id
    await conversation.press(f"relay:{message_id}:reply")
    assert "antworten" in conversation.text
    await conversation.say("Ja, klar, bis dann!")
    assert "angekommen" in conversation.text
    async with conversation.app.db.sessions() as session:
        answers = (
            await session.scalars(
                select(RelayMessage.body).where(
                    RelayMessage.person_id == person, RelayMessage.direction == "from_volunteer"
                )
            )
        ).all()
    assert list(answers) == ["Ja, klar, bis dann!"]


async def test_the_weekly_overview_is_ordered_by_day_and_hour(conversation: Conversation) -> None:
    person = await onboard(conversation)
    await conversation.press("menu:reminders")
    await conversation.press("digest:setup")
    assert "An welchem Tag" in conversation.text
    await conversation.press("Freitag")
    assert "digest:hour:4:18" in conversation.payloads()
    await conversation.press("18 Uhr")
    assert "Freitags um 18 Uhr" in conversation.text
    profile = await get_profile(conversation.app.db, person)
    assert profile is not None and (
        profile.digest,
        profile.digest_weekday,
        profile.digest_hour,
    ) == (True, 4, 18)
    await conversation.press("digest:off")
    profile = await get_profile(conversation.app.db, person)
    assert profile is not None and not profile.digest


async def test_writing_to_the_bot_counts_as_activity(conversation: Conversation) -> None:
    from datetime import timedelta

    from core.models import Person

    person = await onboard(conversation)
    later = conversation.app.now() + timedelta(days=40)
    await conversation.send(conversation._incoming(button="keep:data", now=later))
    assert "Deine Daten bleiben" in conversation.text
    async with conversation.app.db.sessions() as session:
        active = (await session.get(Person, person)).last_active_at  # type: ignore[union-attr]
    assert active == later

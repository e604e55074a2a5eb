"""Issue 14, part 3, for the people who speak for an organisation: Renate
follows the invite link the Repair-Café made on the web, consents, and lands
on her organisation's menu (not in the volunteer questions); "Passende
Angebote" shows her the offers that fit the Café's open needs, with the
reasons the volunteer matching gives; for Heinrich Helfer, a volunteer, the
same words still mean his own matches. A place named with its town ("in
Aachen Burtscheid") is the district, for an offer and for a volunteer.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bots.bootstrap import App
from core.models import Membership, Offer, Organisation, Person
from core.services.org_invites import create_invite
from core.services.people import person_for_identity
from core.services.profiles import get_profile
from tests.dialogue.harness import Conversation
from tests.dialogue.test_offers_and_relay import REPAIR_CAFE, org_member, post_bike_offer
from tests.dialogue.test_reminder_answers import onboard

ORGANISATION_MENU = {"menu:post", "menu:my_needs", "menu:fitting_offers"}


async def invite_of(app: App, organisation: str) -> str:
    async with app.db.sessions() as session:
        org_id = await session.scalar(
            select(Organisation.id).where(Organisation.name == organisation)
        )
    assert org_id is not None
    invite = await create_invite(app.db, org_id, account_id=None, now=app.now())
    return f"org_{invite.code}"


async def people(app: App) -> int:
    async with app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Person)) or 0)


async def test_a_member_who_follows_the_invite_link_lands_on_the_organisations_menu(
    app: App,
) -> None:
    renate = Conversation(app, identity="test:renate")
    link = await invite_of(app, REPAIR_CAFE)
    before = await people(app)
    await renate.command("start", link)
    # Consent first: nothing about her is stored before she says yes.
    assert "Zustimmung" in renate.text and "f:consent:yes" in renate.payloads(), renate.text
    assert await people(app) == before
    await renate.press("f:consent:yes")
    assert f"mit „{REPAIR_CAFE}“ verknüpft" in renate.text, renate.text
    assert ORGANISATION_MENU <= set(renate.payloads()), renate.buttons
    # No volunteer questions forced on her: no topics asked, no form open ...
    assert "Wofür schlägt dein Herz" not in renate.text
    assert (await renate.state()).flow is None
    # ... but helping herself is one button away.
    assert "menu:matches" in renate.payloads()
    person = await person_for_identity(app.db, "test:renate", "aachen")
    assert person is not None and person.consent_version
    async with app.db.sessions() as session:
        linked = await session.scalar(
            select(Membership.id).where(Membership.person_id == person.id)
        )
    assert linked is not None
    # Coming back later, she is welcomed back to the menu, not to the questions.
    await renate.command("start")
    assert "Schön, dass du wieder da bist" in renate.text, renate.text
    assert ORGANISATION_MENU - {"menu:post"} <= set(renate.payloads()), renate.buttons
    # Volunteering stays open to her.
    await renate.press("menu:matches")
    assert "Wofür schlägt dein Herz" in renate.text, renate.text


async def test_no_to_consent_after_an_invite_link_links_nothing(app: App) -> None:
    renate = Conversation(app, identity="test:renate")
    before = await people(app)
    await renate.command("start", await invite_of(app, REPAIR_CAFE))
    await renate.press("f:consent:no")
    assert await people(app) == before
    async with app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Membership)) == 0


async def test_passende_angebote_typed_by_a_member_shows_the_offers_that_fit(
    conversation: Conversation,
) -> None:
    await onboard(conversation)
    offer_id = await post_bike_offer(conversation)  # Heinrich: bikes, Saturdays, Eilendorf
    renate = await org_member(conversation.app, REPAIR_CAFE)
    for typed in ("Passende Angebote", "passende angebote", "Matching offers"):
        await renate.say(typed)
        text = renate.text
        assert "Passende Angebote" in text, (typed, text)
        assert "Ich kann samstags Fahrräder reparieren" in text, (typed, text)
        assert "Handwerk" in text and "km" in text, text  # the matching's reasons
        assert any(p.startswith(f"off:ans:{offer_id}:") for p in renate.payloads()), typed
    # Her menu has it as a button too.
    await renate.press("nav:menu")
    assert "menu:fitting_offers" in renate.payloads(), renate.buttons
    await renate.press("menu:fitting_offers")
    assert "Ich kann samstags Fahrräder reparieren" in renate.text, renate.text


async def test_passende_angebote_typed_by_a_volunteer_still_shows_his_matches(
    conversation: Conversation,
) -> None:
    await onboard(conversation)  # Heinrich: children, Saturday mornings, Burtscheid
    await conversation.press("nav:menu")
    assert "menu:fitting_offers" not in conversation.payloads()
    await conversation.say("Passt zu mir")
    matches = conversation.payloads()
    await conversation.say("Passende Angebote")
    assert "Passende Angebote" not in conversation.text, conversation.text
    assert [p for p in conversation.payloads() if p.startswith("need:")] == [
        p for p in matches if p.startswith("need:")
    ]


async def test_a_volunteer_in_aachen_burtscheid_lives_in_burtscheid(
    conversation: Conversation,
) -> None:
    await conversation.command("start")
    await conversation.press("f:consent:yes")
    await conversation.say("Ich möchte samstags mit Kindern helfen, in Aachen Burtscheid")
    ref = await person_for_identity(conversation.app.db, conversation.identity, "aachen")
    assert ref is not None
    profile = await get_profile(conversation.app.db, ref.id)
    assert profile is not None and profile.home_label == "Burtscheid", conversation.text


async def test_an_offer_in_aachen_burtscheid_is_in_burtscheid(
    conversation: Conversation,
) -> None:
    await conversation.command("start")
    await conversation.press("f:consent:yes")
    await conversation.command(
        "angebot", "Ich kann samstags Fahrräder reparieren, in Aachen Burtscheid"
    )
    assert "📍 Burtscheid" in conversation.text, conversation.text
    await conversation.press("off:post")
    async with conversation.app.db.sessions() as session:
        label = await session.scalar(select(Offer.place_label).order_by(Offer.id.desc()))
    assert label == "Burtscheid"

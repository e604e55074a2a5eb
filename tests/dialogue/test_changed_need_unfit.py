"""A need changed so that it no longer fits (issue 14.6).

Heinrich is free on Wednesday afternoons and helps at the Stolberg Tafel
every Wednesday 15–17 Uhr; Luisa signed up too and said nothing about her
week. The Tafel moves the series to Saturday mornings. Heinrich is not left
in an engagement that no longer fits him: his notice says the new time is
outside his free times and offers to withdraw, asking once more. He does,
and Petra (the Tafel's chat-linked member) hears it was because of the
change. Luisa gets the plain change notice.
"""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from core.models import Engagement, EngagementStatus, OrgNotice, VolunteerProfile
from core.schedule import Weekly, mask_of
from core.services.organisations import update_need
from core.services.signup import sign_up
from tests.core.reminders.conftest import BERLIN, World
from tests.core.reminders.test_changed_need import weekly_input
from tests.dialogue import test_hours
from tests.dialogue.harness import Conversation
from tests.dialogue.test_hours import weekly_engagement

world = test_hours.world  # the fixture: Heinrich, Petra and the Stolberg Tafel


def last_to(world: World, identity: str):  # type: ignore[no-untyped-def]
    (*_, (_, _, replies)) = [s for s in world.channel.sent if s[1] == identity]
    return replies[-1]


async def test_a_change_that_no_longer_fits_offers_to_withdraw(world: World) -> None:
    _, _, need, engagement = await weekly_engagement(world)
    async with world.db.transaction() as session:  # Heinrich is free on Wednesday afternoons
        profile = await session.scalar(
            select(VolunteerProfile)
            .join(Engagement, Engagement.person_id == VolunteerProfile.person_id)
            .where(Engagement.id == engagement)
        )
        assert profile is not None
        profile.availability_mask = mask_of(("mi:nachmittag",))
    luisa = await world.person("luisa")
    hers = (await sign_up(world.db, luisa, need, world.now())).engagement_id

    world.clock.advance(timedelta(minutes=5))
    await update_need(
        world.db, world.org_id, need,
        weekly_input(Weekly(("sa",), time(10), time(12)), title="Tafel: Lebensmittel sortieren"),
        taxonomy=world.app.taxonomy, places=world.app.places, now=world.now(), tz=BERLIN,
        actor="test",
    )  # fmt: skip
    await world.deliver()

    notice = last_to(world, "telegram:heinrich")
    assert "außerhalb der Zeiten, die du als frei angegeben hast" in notice.text, notice.text
    assert [b.payload for b in notice.buttons] == [f"unfit:{engagement}", f"unfit:{engagement}:no"]
    assert notice.attachments  # the calendar entry, updated all the same
    plain = last_to(world, "telegram:luisa")
    assert "außerhalb" not in plain.text
    assert [b.payload for b in plain.buttons] == [f"attend:{hers}:yes", f"attend:{hers}:no"]

    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.press(f"unfit:{engagement}", now=world.now())
    assert "passt nach der Änderung nicht mehr zu dir" in heinrich.text, heinrich.text
    assert f"unfit:{engagement}:yes" in heinrich.payloads()
    await heinrich.press(f"unfit:{engagement}:yes", now=world.now())
    assert "Du bist abgemeldet" in heinrich.text, heinrich.text

    async with world.db.sessions() as session:
        status = (await session.get(Engagement, engagement)).status  # type: ignore[union-attr]
        kinds = list(await session.scalars(select(OrgNotice.kind).order_by(OrgNotice.id)))
    assert status == EngagementStatus.WITHDRAWN
    assert kinds[-1] == "left_after_change"
    await world.deliver()
    told = [t for t in world.channel.texts_to("telegram:petra") if "abgemeldet" in t]
    assert told == [
        "↩️ heinrich hat sich von Tafel: Lebensmittel sortieren abgemeldet: "
        "die geänderte Zeit oder der neue Ort passt nicht mehr."
    ]

    # Pressed again (an old button): nothing more happens.
    await heinrich.press(f"unfit:{engagement}:yes", now=world.now())
    async with world.db.sessions() as session:
        count = len(list(await session.scalars(select(OrgNotice.id))))
    assert count == len(kinds)


async def test_staying_on_after_an_unfit_change_keeps_the_sign_up(world: World) -> None:
    _, _, _, engagement = await weekly_engagement(world)
    heinrich = Conversation(world.app, identity="telegram:heinrich", tenant="aachen")
    await heinrich.press(f"unfit:{engagement}:no", now=world.now())
    assert "Schön, dass du dabei bleibst" in heinrich.text
    async with world.db.sessions() as session:
        status = (await session.get(Engagement, engagement)).status  # type: ignore[union-attr]
    assert status == EngagementStatus.INTERESTED

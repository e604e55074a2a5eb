"""Offers matched to organisations' open needs with the volunteer scoring of
``core.matching`` (same score, same reasons), in both directions; and the
organisation's side of the relay's daily cap.

Personas: Luisa aus Burtscheid offers to help with homework on weekday
mornings; Bernd in Brand offers a van (no topic); the Tafel in Aachen has a
homework need in Burtscheid."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.db import Database
from core.errors import NotAllowed, OfferWithdrawn, TooManyReplies
from core.matching import Reason, score
from core.models import Need, Offer
from core.schedule import mask_of
from core.search import need_view
from core.services import relay
from core.services.needs import post_need
from core.services.offers import (
    OfferDraft,
    needs_for_offer,
    offer_volunteer,
    offers_for_organisation,
    offers_of_person,
    post_person_offer,
    withdraw_person_offer,
)
from tests.core.conftest import BERLIN, NOW, PLACES

BURTSCHEID = PLACES["burtscheid"]
BRAND = PLACES["brand"]


def luisa(**kw: Any) -> OfferDraft:
    fields: dict[str, Any] = {
        "title": "Hausaufgabenhilfe vormittags",
        "kind": "time",
        "category": "kinder_jugend",
        "lat": BURTSCHEID[0],
        "lon": BURTSCHEID[1],
        "place_label": "Burtscheid",
        "cell_mask": mask_of(f"{d}:vormittag" for d in ("mo", "di", "mi", "do", "fr")),
        "available_until": NOW + timedelta(days=60),
    }
    fields.update(kw)
    return OfferDraft(**fields)


async def homework_need(db: Database, world: Any, taxonomy: Any, places: Any, **kw: Any) -> int:
    from tests.core.conftest import one_off

    ref = await post_need(
        db, organisation_id=world.org, data=one_off(**kw), taxonomy=taxonomy, places=places,
        now=NOW, tz=BERLIN, actor="org",
    )  # fmt: skip
    return ref.id


async def test_an_offer_is_scored_exactly_as_a_volunteer_would_be(
    db: Database, world: Any, taxonomy: Any, places: Any
) -> None:
    need_id = await homework_need(db, world, taxonomy, places)
    offer_id = await post_person_offer(db, world.people[0], luisa(), now=NOW)
    found = await offers_for_organisation(db, world.org, NOW)
    assert [(f.offer_id, f.need_id, f.by_person) for f in found] == [(offer_id, need_id, True)]
    async with db.sessions() as session:
        offer = await session.get(Offer, offer_id)
        need = await session.get(Need, need_id)
    assert offer is not None and need is not None
    expected = score(
        offer_volunteer(offer),
        need_view(
            (need.id, need.tenant_id, need.category, need.qualifications, need.remote,
             need.lat, need.lon, need.cell_mask, need.starts_at, need.urgent, need.published_at)
        ),
        NOW,
    )  # fmt: skip
    assert (found[0].score, found[0].reasons) == (expected.score, expected.reasons)
    assert [r.kind for r in found[0].reasons][:2] == ["category", "distance"]
    # The other direction: the offer finds the need.
    page = await needs_for_offer(db, offer_id, NOW)
    assert [c.need.id for c in page.cards] == [need_id]


async def test_offers_of_another_topic_withdrawn_expired_or_own_are_not_listed(
    db: Database, world: Any, taxonomy: Any, places: Any
) -> None:
    await homework_need(db, world, taxonomy, places)
    other_topic = await post_person_offer(
        db, world.people[1], luisa(category="tiere", title="Hunde ausführen"), now=NOW
    )
    withdrawn = await post_person_offer(db, world.people[2], luisa(), now=NOW)
    await withdraw_person_offer(db, world.people[2], withdrawn, now=NOW)
    expired = await post_person_offer(
        db, world.people[3], luisa(available_until=NOW + timedelta(days=1)), now=NOW
    )
    async with db.transaction() as session:  # the Tafel's own offer
        session.add(
            Offer(tenant_id=world.aachen, organisation_id=world.org, title="Kühlwagen",
                  kind="resource", category=None, lat=BURTSCHEID[0], lon=BURTSCHEID[1],
                  active=True, created_at=NOW)
        )  # fmt: skip
    van = await post_person_offer(
        db, world.people[4],
        luisa(title="Transporter am Wochenende", kind="resource", category=None,
              lat=BRAND[0], lon=BRAND[1], place_label="Brand", cell_mask=0),
        now=NOW,
    )  # fmt: skip
    found = await offers_for_organisation(db, world.org, NOW + timedelta(days=2))
    ids = [f.offer_id for f in found]
    assert van not in ids  # a van suits no homework help (test_resource_offers.py)
    assert other_topic not in ids and withdrawn not in ids and expired not in ids
    assert all(f.offer_title != "Kühlwagen" for f in found)


async def test_only_the_person_who_offered_withdraws_it(db: Database, world: Any) -> None:
    offer_id = await post_person_offer(db, world.people[0], luisa(), now=NOW)
    with pytest.raises(NotAllowed):
        await withdraw_person_offer(db, world.people[1], offer_id, now=NOW)
    async with db.sessions() as session:
        offer = await session.get(Offer, offer_id)
    assert offer is not None and offer.active and offer.person_id == world.people[0]


async def test_an_offer_is_withdrawn_once_and_still_listed_with_the_withdrawn_ones(
    db: Database, world: Any
) -> None:
    offer_id = await post_person_offer(db, world.people[0], luisa(), now=NOW)
    await withdraw_person_offer(db, world.people[0], offer_id, now=NOW)
    with pytest.raises(OfferWithdrawn):
        await withdraw_person_offer(db, world.people[0], offer_id, now=NOW)
    assert await offers_of_person(db, world.people[0]) == []
    listed = await offers_of_person(db, world.people[0], withdrawn=True)
    assert [(o.id, o.active) for o in listed] == [(offer_id, False)]


async def test_an_organisation_sends_at_most_its_daily_number_of_messages(
    db: Database, world: Any
) -> None:
    offer_id = await post_person_offer(db, world.people[0], luisa(), now=NOW)
    for i in range(relay.MAX_ORG_MESSAGES_PER_DAY):
        await relay.answer_offer(db, world.org, offer_id, f"Hallo {i}", now=NOW)
    with pytest.raises(TooManyReplies):
        await relay.answer_offer(db, world.org, offer_id, "noch eine", now=NOW)
    await relay.answer_offer(
        db, world.org, offer_id, "morgen", now=NOW + timedelta(days=1, minutes=1)
    )
    async with db.sessions() as session:
        rows = (await session.scalars(select(Offer.id))).all()
    assert list(rows) == [offer_id]


SATURDAYS = mask_of(f"sa:{p}" for p in ("vormittag", "nachmittag", "abend"))  # "samstags"


async def test_an_offers_days_count_in_the_fit_both_ways(
    db: Database, world: Any, taxonomy: Any, places: Any
) -> None:
    # NOW is a Tuesday: in 1 day a Wednesday morning, in 4 days a Saturday morning.
    wednesday = await homework_need(db, world, taxonomy, places, in_days=1, title="Mittwoch")
    saturday = await homework_need(db, world, taxonomy, places, in_days=4, title="Samstag")
    offer_id = await post_person_offer(
        db, world.people[0], luisa(title="Samstags Hausaufgaben", cell_mask=SATURDAYS), now=NOW
    )
    # The organisation sees the offer beside its Saturday need, with the time as a reason.
    [found] = await offers_for_organisation(db, world.org, NOW)
    assert (found.offer_id, found.need_id) == (offer_id, saturday)
    assert Reason("time", "sa:vormittag") in found.reasons
    # The person who offered sees the Saturday need first, with the same reason.
    page = await needs_for_offer(db, offer_id, NOW)
    assert [c.need.id for c in page.cards] == [saturday, wednesday]
    assert Reason("time", "sa:vormittag") in page.cards[0].match.reasons
    assert not any(r.kind == "time" for r in page.cards[1].match.reasons)


async def test_a_weekday_offer_fits_the_wednesday_need_not_the_saturday_one(
    db: Database, world: Any, taxonomy: Any, places: Any
) -> None:
    saturday = await homework_need(db, world, taxonomy, places, in_days=4, title="Samstag")
    wednesday = await homework_need(db, world, taxonomy, places, in_days=1, title="Mittwoch")
    offer_id = await post_person_offer(db, world.people[0], luisa(), now=NOW)  # Mo-Fr mornings
    [found] = await offers_for_organisation(db, world.org, NOW)
    assert found.need_id == wednesday
    assert Reason("time", "mi:vormittag") in found.reasons
    page = await needs_for_offer(db, offer_id, NOW)
    assert [c.need.id for c in page.cards] == [wednesday, saturday]
    assert not any(r.kind == "time" for r in page.cards[1].match.reasons)


async def test_an_offer_that_names_no_time_gets_no_time_reason_and_ranks_after_a_fitting_one(
    db: Database, world: Any, taxonomy: Any, places: Any
) -> None:
    """ "nach Absprache" is read as a volunteer who said nothing about their
    week: neutral, never a "Sa vormittags" it did not say."""
    saturday = await homework_need(db, world, taxonomy, places, in_days=4, title="Samstag")
    on_saturdays = await post_person_offer(
        db, world.people[0], luisa(title="Samstags Hausaufgaben", cell_mask=SATURDAYS), now=NOW
    )
    any_time = await post_person_offer(  # newer: first on a tie
        db, world.people[1], luisa(title="Hausaufgaben nach Absprache", cell_mask=0), now=NOW
    )
    found = await offers_for_organisation(db, world.org, NOW)
    assert [f.offer_id for f in found] == [on_saturdays, any_time]
    assert all(f.need_id == saturday for f in found)
    assert not any(r.kind == "time" for r in found[1].reasons)
    page = await needs_for_offer(db, any_time, NOW)
    assert [c.need.id for c in page.cards] == [saturday]
    assert not any(r.kind == "time" for r in page.cards[0].match.reasons)


async def test_a_member_posts_an_offer_for_the_organisation_which_owns_it(
    db: Database, world: Any
) -> None:
    from core.models import Membership
    from core.models.organisation import Role
    from core.services.organisations import offers_of

    member, outsider = world.people[0], world.people[1]
    async with db.transaction() as session:
        session.add(
            Membership(tenant_id=world.aachen, organisation_id=world.org, person_id=member,
                       role=Role.MEMBER, created_at=NOW)
        )  # fmt: skip
    van = luisa(title="Unser Transporter am Wochenende", kind="resource", category=None)
    offer_id = await post_person_offer(db, member, van, now=NOW, organisation_id=world.org)
    assert [o.id for o in await offers_of(db, world.org)] == [offer_id]
    assert await offers_of_person(db, member) == []  # the organisation's, not hers
    async with db.sessions() as session:
        offer = await session.get(Offer, offer_id)
    assert offer is not None and (offer.person_id, offer.resource) == (None, "van")
    with pytest.raises(NotAllowed):  # no member: no offer in its name
        await post_person_offer(db, outsider, van, now=NOW, organisation_id=world.org)

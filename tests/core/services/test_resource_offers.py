"""Resource offers (issue 14): a company's van on weekends fits a move and the
Tafel's pick-ups, not every need it reaches; the reason says so
("Transporter passt zu: Umzugshilfe"); what an organisation is shown of why
an offer fits is the offer's own resource, topic, place and times.

Personas: the Aachen Tafel (``world.org``) needs help with a move in
Burtscheid, with its Saturday pick-ups and with homework; Bernd in Brand
offers his van; the Stolberg company (``world.stolberg_org``) lends its
meeting room."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.db import Database
from core.errors import InvalidValue
from core.matching import Reason
from core.models import Offer
from core.services.needs import post_need
from core.services.offers import (
    ORG_REASONS,
    OfferDraft,
    needs_for_offer,
    offers_for_organisation,
    post_person_offer,
)
from core.services.organisations import OfferInput, save_offer
from tests.core.conftest import BERLIN, NOW, PLACES, one_off

BRAND = PLACES["brand"]


async def need(db: Database, world: Any, taxonomy: Any, places: Any, **kw: Any) -> int:
    ref = await post_need(
        db, organisation_id=world.org, data=one_off(**kw), taxonomy=taxonomy, places=places,
        now=NOW, tz=BERLIN, actor="org",
    )  # fmt: skip
    return ref.id


def bernds_van(**kw: Any) -> OfferDraft:
    fields: dict[str, Any] = {
        "title": "Unser Transporter am Wochenende",
        "kind": "resource",
        "category": None,
        "lat": BRAND[0],
        "lon": BRAND[1],
        "place_label": "Brand",
        "available_until": NOW + timedelta(days=60),
    }
    fields.update(kw)
    return OfferDraft(**fields)


@pytest.fixture
async def tafel_needs(db: Database, world: Any, taxonomy: Any, places: Any) -> dict[str, int]:
    return {
        "move": await need(db, world, taxonomy, places, title="Umzugshilfe für eine Familie",
                           category="soziales"),
        "pickup": await need(db, world, taxonomy, places, title="Fahrer für Tafel-Abholung",
                             category="soziales", description="Samstags Lebensmittel abholen"),
        "homework": await need(db, world, taxonomy, places),
    }  # fmt: skip


async def test_a_van_fits_the_move_and_the_pick_ups_not_the_homework(
    db: Database, world: Any, tafel_needs: dict[str, int]
) -> None:
    offer_id = await post_person_offer(db, world.people[0], bernds_van(), now=NOW)
    page = await needs_for_offer(db, offer_id, NOW)
    found = {c.need.id: c.match.reasons[0] for c in page.cards}
    assert set(found) == {tafel_needs["move"], tafel_needs["pickup"]}
    assert found[tafel_needs["move"]] == Reason("resource", "van:moving")
    assert found[tafel_needs["pickup"]] == Reason("resource", "van:food_pickup")


async def test_the_resource_is_read_from_the_words_when_not_chosen(
    db: Database, world: Any
) -> None:
    van = await post_person_offer(db, world.people[0], bernds_van(), now=NOW)
    room = await post_person_offer(
        db, world.people[1], bernds_van(title="Seminarraum abends frei", resource=None), now=NOW
    )
    chosen = await post_person_offer(
        db, world.people[2], bernds_van(title="Unser Firmenbus", resource="van"), now=NOW
    )
    skill = await post_person_offer(
        db, world.people[3], bernds_van(title="Transporter fahren", kind="skill"), now=NOW
    )
    async with db.sessions() as session:
        rows = dict((await session.execute(select(Offer.id, Offer.resource))).all())
    assert (rows[van], rows[room], rows[chosen], rows[skill]) == ("van", "room", "van", None)
    with pytest.raises(InvalidValue):
        await post_person_offer(db, world.people[4], bernds_van(resource="boat"), now=NOW)


async def test_the_organisation_sees_the_van_with_its_reason_for_the_move(
    db: Database, world: Any, tafel_needs: dict[str, int]
) -> None:
    offer_id = await post_person_offer(db, world.people[0], bernds_van(), now=NOW)
    found = await offers_for_organisation(db, world.org, NOW)
    assert [(f.offer_id, f.kind) for f in found] == [(offer_id, "resource")]
    assert found[0].need_id in (tafel_needs["move"], tafel_needs["pickup"])
    assert found[0].reasons[0].kind == "resource"
    assert {r.kind for r in found[0].reasons} <= ORG_REASONS


async def test_a_van_reaches_no_need_when_none_it_suits_is_open(
    db: Database, world: Any, taxonomy: Any, places: Any
) -> None:
    await need(db, world, taxonomy, places)  # homework only
    offer_id = await post_person_offer(db, world.people[0], bernds_van(), now=NOW)
    assert (await needs_for_offer(db, offer_id, NOW)).cards == ()
    assert await offers_for_organisation(db, world.org, NOW) == []


async def test_a_companys_room_from_the_web_form_fits_courses_not_a_move(
    db: Database, world: Any, taxonomy: Any, places: Any, tafel_needs: dict[str, int]
) -> None:
    course = await need(
        db, world, taxonomy, places, title="Deutschkurs für Geflüchtete", category="integration"
    )
    room = await save_offer(
        db,
        world.stolberg_org,
        OfferInput("Besprechungsraum", "Für 12 Personen", "resource", None, "Burtscheid",
                   None, NOW + timedelta(days=30), resource="room"),
        taxonomy=taxonomy, places=places, now=NOW, actor="org",
    )  # fmt: skip
    page = await needs_for_offer(db, room, NOW)
    # A room suits a course and homework help, not a move or the pick-ups.
    assert {c.need.id for c in page.cards} == {course, tafel_needs["homework"]}
    assert {c.match.reasons[0] for c in page.cards} == {Reason("resource", "room:courses")}
    found = await offers_for_organisation(db, world.org, NOW)
    assert [(f.offer_id, f.offered_by != "") for f in found] == [(room, True)]
    assert found[0].need_id in (course, tafel_needs["homework"])


async def test_reasons_shown_to_an_organisation_leave_out_the_person(
    db: Database, world: Any, taxonomy: Any, places: Any
) -> None:
    """An organisation sees no "short notice", "requires" or "urgent": they
    speak of the person behind the offer or of its own need, not the offer."""
    await need(
        db, world, taxonomy, places, title="Umzug: Fahrer gesucht", category="soziales",
        qualifications=("fuehrerschein",), urgent=True, in_days=1,
    )  # fmt: skip
    await post_person_offer(db, world.people[0], bernds_van(), now=NOW)
    found = await offers_for_organisation(db, world.org, NOW)
    kinds = [r.kind for r in found[0].reasons]
    assert kinds[0] == "resource" and "distance" in kinds
    assert not {"requires", "urgent", "spontaneous"} & set(kinds)


async def test_a_thing_no_resource_kind_names_fits_its_topic_only(
    db: Database, world: Any, taxonomy: Any, places: Any, tafel_needs: dict[str, int]
) -> None:
    """Bernd lends a bouncy castle: no kind of data/resources.yml names it, so
    nothing tells which needs it suits but its topic. Without one it fits
    no need (not the move, the pick-ups and the homework it reaches); with
    the topic "Veranstaltungen" it fits the summer fair only."""
    fair = await need(db, world, taxonomy, places, title="Sommerfest im Park",
                      category="veranstaltungen")  # fmt: skip
    castle = bernds_van(title="Unsere Hüpfburg", resource=None)
    no_topic = await post_person_offer(db, world.people[0], castle, now=NOW)
    assert (await needs_for_offer(db, no_topic, NOW)).cards == ()
    assert await offers_for_organisation(db, world.org, NOW) == []
    topic = await post_person_offer(
        db, world.people[1], replace(castle, category="veranstaltungen"), now=NOW
    )
    page = await needs_for_offer(db, topic, NOW)
    assert [c.need.id for c in page.cards] == [fair]
    found = await offers_for_organisation(db, world.org, NOW)
    assert [(f.offer_id, f.need_id) for f in found] == [(topic, fair)]
    # A skill without a topic still fits what it reaches (a person, not a thing).
    helper = await post_person_offer(
        db, world.people[2], replace(castle, title="Ich helfe gern", kind="skill"), now=NOW
    )
    assert set(tafel_needs.values()) <= {
        c.need.id for c in (await needs_for_offer(db, helper, NOW)).cards
    }

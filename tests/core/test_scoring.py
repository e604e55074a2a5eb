"""The score's numbers live in ``core.scoring``, read by the Python scoring
(``core.matching.score``) and by the SQL that ranks by bounds of it
(``core.search`` for a person's needs, ``core.fanout`` for a need's people).
Here the database and Python score the same needs and people, on SQLite and
PostgreSQL, where the SQL bound is exact by construction (the place is the
person's own, so the distance bound is exact; published ages on the steps of
the freshness bound; no qualifications): every term and weight must agree,
so a number changed on one side only fails here.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from core import scoring
from core.db import Database
from core.fanout import SLACK, _streams, alert_reach_rows, interest_mask
from core.matching import NeedView, VolunteerView, score
from core.models import AlertReach, Need, NeedStatus, Person, VolunteerProfile
from core.schedule import CELL_BIT, mask_of
from core.search import (
    BERLIN,
    NEED_COLUMNS,
    NO_FILTER,
    _bound_params,
    _box_params,
    _query_params,
    _Shape,
    _stream_query,
    need_view,
)
from core.taxonomy import CATEGORY_CODES

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOME = (50.7753, 6.0839)
WEEKEND_MORNINGS = mask_of(["sa:vormittag", "so:vormittag"])
# Need times against that week: none fixed, one cell inside, both inside,
# one outside.
MASKS = (0, CELL_BIT["sa:vormittag"], WEEKEND_MORNINGS, CELL_BIT["mi:abend"])
ROUNDED = 5e-7 + 1e-12  # Python rounds a score to 6 places
# Ages on the steps of the freshness bound (``core.search._FRESH_STEPS``) and beyond.
AGES_DAYS = (0, 1, 2, 4, 7, 10, scoring.FRESH_DAYS, 30)


def _need_rows(world: Any) -> list[dict[str, Any]]:
    rows = []
    combos = itertools.product(
        ("umwelt", "kultur"),
        (True, False),  # remote
        MASKS,
        (True, False),  # urgent
        (world.aachen, world.stolberg),
        (*AGES_DAYS, None),
        (None, 20, 100),  # starts in hours: soon for the spontaneous, or later
    )
    for category, remote, mask, urgent, tenant, age, starts_in in combos:
        starts = NOW + timedelta(hours=starts_in) if starts_in is not None else None
        rows.append(
            {
                "tenant_id": tenant,
                "organisation_id": world.org if tenant == world.aachen else world.stolberg_org,
                "title": "Bedarf",
                "description": "",
                "category": category,
                "qualifications": [],
                "remote": remote,
                "lat": None if remote else HOME[0],
                "lon": None if remote else HOME[1],
                "place_label": None,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2) if starts else None,
                "recurrence": None,
                "cell_mask": mask,
                "helpers_wanted": 1,
                "urgent": urgent,
                "status": NeedStatus.PUBLISHED,
                "valid_until": None,
                "hidden": False,
                "published_at": NOW - timedelta(days=age) if age is not None else None,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    return rows


VOLUNTEERS = {
    "weekend mornings": dict(availability_mask=WEEKEND_MORNINGS, spontaneous=False),
    "no week named": dict(availability_mask=0, spontaneous=False),
    "spontaneous": dict(availability_mask=WEEKEND_MORNINGS, spontaneous=True),
    "no interests": dict(availability_mask=WEEKEND_MORNINGS, spontaneous=False, interests=()),
}


@pytest.mark.parametrize("kind", list(VOLUNTEERS))
async def test_sql_bounds_of_a_persons_needs_equal_python_scores(
    db: Database, world: Any, kind: str
) -> None:
    async with db.transaction() as session:
        await session.execute(insert(Need), _need_rows(world))
    fields = dict(VOLUNTEERS[kind])
    interests = frozenset(fields.pop("interests", ("umwelt",)))
    volunteer = VolunteerView(
        person_id=1,
        tenant_id=world.aachen,
        interests=interests,
        qualifications=frozenset(),
        lat=HOME[0],
        lon=HOME[1],
        radius_km=10.0,
        **fields,
    )
    shape = _Shape(
        place=True,
        availability=volunteer.availability_mask != 0,
        spontaneous=volunteer.spontaneous,
        tenants=False,
        cells=False,
        date_from=False,
        date_to=False,
    )
    params = _bound_params(volunteer, NOW) | _query_params(NOW, None, NO_FILTER, BERLIN)
    params |= _box_params("box", HOME[0], HOME[1], volunteer.radius_km)
    # The category term as ``rank_needs`` gives it to each stream.
    if interests:
        groups = [
            (sorted(interests), 1.0),
            ([c for c in CATEGORY_CODES if c not in interests], 0.0),
        ]
    else:
        groups = [(list(CATEGORY_CODES), scoring.NO_INTEREST_SHARE)]
    sql: dict[int, float] = {}
    async with db.sessions() as session:
        for categories, share in groups:
            rows = await session.execute(
                _stream_query(shape),
                {
                    **params,
                    "ub_category": scoring.W_CATEGORY * share,
                    "q_categories": categories,
                    "q_offset": 0,
                    "q_limit": 100_000,
                },
            )
            for row in rows.all():
                sql[int(row[0])] = float(row[-1])
        rows = await session.execute(select(*NEED_COLUMNS).order_by(Need.id))
        needs = [need_view(r) for r in rows.all()]
    assert len(sql) == len(needs) > 1000
    python = {n.id: score(volunteer, n, NOW).score for n in needs}
    # Python rounds a score to 6 places; the database does not.
    differing = {i: (sql[i], python[i]) for i in python if abs(sql[i] - python[i]) > ROUNDED}
    assert not differing, list(differing.items())[:5]
    # Every term took part: scores spread over many values.
    assert len({round(s, 6) for s in python.values()}) > 50


async def test_sql_bounds_of_a_needs_people_equal_python_scores(db: Database, world: Any) -> None:
    """``core.fanout``: people at the need's place, every week, interest,
    tenant and spontaneity; the bound (less its safety slack) is the score."""
    people, profiles = [], []
    combos = itertools.product(
        ((), ("umwelt",), ("kultur",), ("umwelt", "kultur")),
        (0, WEEKEND_MORNINGS, CELL_BIT["sa:vormittag"], CELL_BIT["mi:abend"]),
        (True, False),  # spontaneous
        (world.aachen, world.stolberg),
    )
    for pid, (interests, mask, spontaneous, tenant) in enumerate(combos, start=1000):
        people.append(
            {
                "id": pid,
                "tenant_id": tenant,
                "language": "de",
                "created_at": NOW,
                "last_active_at": NOW,
            }
        )
        profiles.append(
            {
                "person_id": pid,
                "tenant_id": tenant,
                "interests": list(interests),
                "interest_mask": interest_mask(interests),
                "qualifications": [],
                "lacks_qualifications": [],
                "home_lat": HOME[0],
                "home_lon": HOME[1],
                "radius_km": 10.0,
                "availability_mask": mask,
                "spontaneous": spontaneous,
                "urgent_alerts": True,
                "paused_until": None,
                "muted_kinds": [],
                "updated_at": NOW,
            }
        )
    async with db.engine.begin() as conn:
        await conn.execute(insert(Person), people)
        await conn.execute(insert(VolunteerProfile), profiles)
        await conn.execute(insert(AlertReach), [r for p in profiles for r in alert_reach_rows(p)])
    checked = 0
    for mask, urgent, age, starts_in in itertools.product(
        (0, WEEKEND_MORNINGS, CELL_BIT["sa:vormittag"] | CELL_BIT["mi:abend"]),
        (True, False),
        (0, 3.5, 30),
        (20, 100),
    ):
        need = NeedView(
            id=1,
            tenant_id=world.aachen,
            category="umwelt",
            qualifications=(),
            remote=False,
            lat=HOME[0],
            lon=HOME[1],
            cell_mask=mask,
            starts_at=NOW + timedelta(hours=starts_in),
            urgent=urgent,
            published_at=NOW - timedelta(days=age),
        )
        by_person = {p["person_id"]: p for p in profiles}
        async with db.sessions() as session:
            for stream in _streams(need, NOW, limit=10):
                rows = (await session.execute(stream.query)).all()
                for pid, bound in rows:
                    p = by_person[pid]
                    volunteer = VolunteerView(
                        person_id=pid,
                        tenant_id=p["tenant_id"],
                        interests=frozenset(p["interests"]),
                        qualifications=frozenset(),
                        lat=HOME[0],
                        lon=HOME[1],
                        radius_km=10.0,
                        availability_mask=p["availability_mask"],
                        spontaneous=p["spontaneous"],
                    )
                    expected = score(volunteer, need, NOW).score
                    assert abs(float(bound) - SLACK - expected) <= ROUNDED, (
                        pid,
                        need,
                    )
                    checked += 1
    assert checked > 500


def test_the_weights_keep_a_chosen_topic_first() -> None:
    """The rule the weights protect (``core.scoring``), read from the one module."""
    rest = (
        scoring.W_DISTANCE + scoring.W_TIME + scoring.W_URGENT + scoring.W_FRESH + scoring.W_LOCAL
    )
    assert scoring.W_CATEGORY - scoring.W_REQUIREMENT > rest
    assert scoring.MAX_SCORE == pytest.approx(scoring.W_CATEGORY + rest)


def test_python_and_sql_read_the_same_module() -> None:
    """No copies: the SQL modules and the Python scoring hold the very objects
    of ``core.scoring`` (a local literal would not be ``is`` the same)."""
    import core.fanout as fanout
    import core.matching as matching
    import core.schedule as schedule
    import core.search as search

    for module in (matching, search, fanout):
        for name in ("W_CATEGORY", "W_DISTANCE", "W_TIME", "W_URGENT", "W_FRESH", "W_LOCAL"):
            if hasattr(module, name):
                assert getattr(module, name) is getattr(scoring, name), (module, name)
    assert schedule.SHORT_NOTICE is scoring.SHORT_NOTICE

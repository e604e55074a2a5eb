"""Retrieval equals a brute-force ranking; filters and paging behave.

The reference ranking scores every published need with ``core.matching.score``
in Python, drops the excluded and sorts by ``(-score, id)``; ``rank_needs``
must return exactly that, on SQLite and PostgreSQL, for random volunteers,
filters and pages over a few thousand random needs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from core.availability import ALL_CELLS
from core.db import Database
from core.matching import Match, NeedView, Reason, VolunteerView, score
from core.models import Need, NeedStatus, Organisation
from core.schedule import FULL_MASK, day_mask, daypart_mask, mask_of, one_off_mask
from core.scoring import MAX_SCORE, WORD_IN_DESCRIPTION, WORD_IN_TITLE
from core.search import SearchFilter, rank_needs
from core.search_words import DESCRIPTION, TITLE, SearchWords, with_base_forms, words_of_text
from core.taxonomy import Taxonomy

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
CATEGORIES = (
    "kinder_jugend senioren umwelt tiere sport kultur bildung integration soziales gesundheit "
    "inklusion notfall nachbarschaft veranstaltungen digitales handwerk verwaltung"
).split()
QUALS = ("fuehrerschein", "fuehrungszeugnis", "erste_hilfe", "paedagogik", "pflege")
WORDS = ("Tafel", "Garten", "Lesen", "Fahrdienst", "Café", "Spielplatz", "Umzug", "Computer")
# Searched words: some only as part of other words ("Hunderte" is no "Hunde").
SEARCHED = (*WORDS, "Hunde", "Tafeln", "Computerkurs", "Gärten", "Fahrdienste")
# Typed searches: words of compounds, English, a phrase, an accidental prefix.
TEXTS = ("Hund", "something with dogs", "was mit Tieren", "reading", "food bank", "Hunderte")
# The region: Aachen and its neighbours.
LAT0, LAT1, LON0, LON1 = 50.60, 50.95, 5.95, 6.40


def random_need(
    rng: random.Random, i: int, tenants: tuple[int, int], orgs: tuple[int, int]
) -> dict[str, Any]:
    t = rng.randrange(2)
    remote = rng.random() < 0.05
    placeless = not remote and rng.random() < 0.01
    lat = None if remote or placeless else rng.uniform(LAT0, LAT1)
    lon = None if remote or placeless else rng.uniform(LON0, LON1)
    starts = ends = valid_until = recurrence = None
    if rng.random() < 0.7:
        starts = NOW + timedelta(hours=rng.randrange(-72, 24 * 35))
        ends = starts + timedelta(hours=rng.choice((1, 2, 3, 5)))
        mask = one_off_mask(starts, ends, BERLIN)
    else:
        mask = rng.choice(
            (0, rng.randrange(1, FULL_MASK + 1), day_mask([rng.choice(("sa", "mi"))]))
        )
        recurrence = {"days": ["sa"], "from": "09:00", "to": "12:00"}
        if rng.random() < 0.5:
            valid_until = NOW + timedelta(days=rng.randrange(-10, 60))
    status = rng.choices(list(NeedStatus), weights=(1, 1, 30, 2, 1, 1, 1))[0]
    word = rng.choice(WORDS)
    return {
        "tenant_id": tenants[t],
        "organisation_id": orgs[t],
        "title": f"{word} {i}",
        "description": rng.choice(
            (
                "",
                "bitte melden",
                f"mit {rng.choice(WORDS).lower()}",
                "Hunderte Fotos",
                "Hundeschule",
                "Gassigehen mit Tierheimhunden",
                "Vorlesestunde",
                "Lebensmittel sortieren",
            )
        ),
        "category": rng.choice(CATEGORIES),
        "qualifications": rng.sample(QUALS, rng.choice((0, 0, 0, 1, 2))),
        "remote": remote,
        "lat": lat,
        "lon": lon,
        "place_label": None,
        "starts_at": starts,
        "ends_at": ends,
        "recurrence": recurrence,
        "cell_mask": mask,
        "helpers_wanted": 1,
        "urgent": rng.random() < 0.1,
        "status": status,
        "valid_until": valid_until,
        "hidden": rng.random() < 0.02,
        # A few shared publishing times make equal scores (ties broken by id).
        "published_at": NOW - timedelta(days=rng.choice((0, 1, 3, 7, 20)))
        if rng.random() < 0.6
        else NOW - timedelta(seconds=rng.randrange(0, 40 * 86400)),
        "created_at": NOW,
        "updated_at": NOW,
    }


async def insert_needs(db: Database, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(Need), rows[start : start + 1000])
    for i, row in enumerate(rows, start=1):
        row["id"] = i  # fresh table: ids in insertion order
    return rows


@dataclass(frozen=True, slots=True)
class Query:
    volunteer: VolunteerView
    flt: SearchFilter
    tenant_ids: tuple[int, ...] | None
    offset: int
    limit: int


def random_query(rng: random.Random, tenants: tuple[int, int]) -> Query:
    holds = rng.sample(QUALS, rng.choice((0, 1, 2, 5)))
    lacks = rng.sample(
        [q for q in QUALS if q not in holds], rng.choice((0, 0, 1, 2, 3)) if len(holds) < 3 else 0
    )
    volunteer = VolunteerView(
        person_id=1,
        tenant_id=rng.choice(tenants),
        interests=frozenset(rng.sample(CATEGORIES, rng.choice((0, 1, 2, 3)))),
        qualifications=frozenset(holds),
        lat=None if rng.random() < 0.05 else rng.uniform(LAT0, LAT1),
        lon=rng.uniform(LON0, LON1),
        radius_km=rng.choice((1.0, 3.0, 5.0, 10.0, 15.0, 30.0)),
        availability_mask=rng.choice((0, rng.randrange(FULL_MASK + 1))),
        spontaneous=rng.random() < 0.3,
        lacks_qualifications=frozenset(lacks),
    )
    if volunteer.lat is None:
        volunteer = replace(volunteer, lon=None)
    flt = SearchFilter()
    if rng.random() < 0.3:
        flt = replace(flt, categories=tuple(rng.sample(CATEGORIES, rng.choice((1, 2)))))
    if rng.random() < 0.2:
        start = NOW.date() + timedelta(days=rng.randrange(0, 20))
        flt = replace(flt, date_from=start, date_to=start + timedelta(days=rng.randrange(0, 10)))
    if rng.random() < 0.2:
        flt = replace(flt, cell_mask=rng.choice((day_mask(["sa", "so"]), daypart_mask(["abend"]))))
    if rng.random() < 0.2:
        flt = replace(
            flt,
            center=(rng.uniform(LAT0, LAT1), rng.uniform(LON0, LON1)),
            radius_km=rng.choice((2.0, 8.0, 20.0)),
        )
    if rng.random() < 0.1:
        flt = replace(flt, qualifications=(rng.choice(QUALS),))
    if rng.random() < 0.15:
        flt = replace(flt, text=rng.choice((*WORDS, *TEXTS)).lower())
    if rng.random() < 0.25:
        flt = replace(flt, words=tuple(rng.sample(SEARCHED, rng.choice((1, 1, 2)))))
    return Query(
        volunteer,
        flt,
        rng.choice((None, None, (tenants[0],))),
        rng.choice((0, 0, 0, 5, 10, 20)),
        rng.choice((5, 10, 25)),
    )


def view(row: dict[str, Any]) -> NeedView:
    return NeedView(
        row["id"],
        row["tenant_id"],
        row["category"],
        tuple(row["qualifications"]),
        row["remote"],
        row["lat"],
        row["lon"],
        row["cell_mask"],
        row["starts_at"],
        row["urgent"],
        row["published_at"],
    )


def word_tier(
    row: dict[str, Any], q: Query, names: dict[int, str], words: tuple[str, ...] | None = None
) -> int:
    """Where the need holds a searched word (``words``: these instead; by
    default the words searched by and those of the text)."""
    if words is None:
        # the words searched by, with their base forms ("Gärten": "garten")
        words = with_base_forms(q.flt.words) + (words_of_text(q.flt.text) if q.flt.text else ())
    held = SearchWords.of(words)
    return held.tier(row["title"], row["description"], names[row["organisation_id"]])


def visible(row: dict[str, Any], q: Query, names: dict[int, str]) -> bool:
    """The filters, written out plainly over one row."""
    flt = q.flt
    if row["status"] != NeedStatus.PUBLISHED or row["hidden"]:
        return False
    if row["ends_at"] is not None and row["ends_at"] <= NOW:
        return False
    if row["valid_until"] is not None and row["valid_until"] <= NOW:
        return False
    if q.tenant_ids is not None and row["tenant_id"] not in q.tenant_ids:
        return False
    if flt.categories and row["category"] not in flt.categories:
        if not (flt.words and word_tier(row, q, names, with_base_forms(flt.words))):  # shown
            return False
    if flt.cell_mask and not row["cell_mask"] & flt.cell_mask:
        return False
    if flt.qualifications and not set(flt.qualifications) <= set(row["qualifications"]):
        return False
    if flt.text and not word_tier(row, q, names, words_of_text(flt.text)):
        return False  # a typed text: only needs holding one of its words
    if flt.date_from or flt.date_to:
        start = _local_midnight(flt.date_from) if flt.date_from else None
        end = _local_midnight(flt.date_to + timedelta(days=1)) if flt.date_to else None
        if row["starts_at"] is not None:
            if start is not None and not row["ends_at"] > start:
                return False
            if end is not None and not row["starts_at"] < end:
                return False
        elif start is not None and row["valid_until"] is not None and row["valid_until"] <= start:
            return False
    return True


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), BERLIN).astimezone(UTC)


def brute_force(
    rows: list[dict[str, Any]], q: Query, names: dict[int, str] | None = None
) -> tuple[list[Match], bool]:
    """``names``: organisation names by id, for searched words."""
    names = names or {}
    volunteer = q.volunteer
    if q.flt.center is not None:
        volunteer = replace(volunteer, lat=q.flt.center[0], lon=q.flt.center[1])
    if q.flt.radius_km is not None:
        volunteer = replace(volunteer, radius_km=q.flt.radius_km)
    if q.flt.categories:
        volunteer = replace(volunteer, interests=frozenset(q.flt.categories))
    lift = {TITLE: WORD_IN_TITLE, DESCRIPTION: WORD_IN_DESCRIPTION}
    matches = []
    for r in rows:
        if not visible(r, q, names):
            continue
        m = score(volunteer, view(r), NOW)
        tier = word_tier(r, q, names) if q.flt.words or q.flt.text else 0
        if tier and not m.excluded:
            m = replace(m, score=round(m.score + lift[tier], 6))
        matches.append(m)
    ranked = sorted((m for m in matches if not m.excluded), key=lambda m: (-m.score, m.need_id))
    return ranked[q.offset : q.offset + q.limit], len(ranked) > q.offset + q.limit


async def organisation_names(db: Database) -> dict[int, str]:
    async with db.sessions() as session:
        return dict((await session.execute(select(Organisation.id, Organisation.name))).all())  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [11, 22, 33])
async def test_rank_needs_equals_brute_force_ranking(db: Database, world: Any, seed: int) -> None:
    rng = random.Random(seed)
    tenants, orgs = (world.aachen, world.stolberg), (world.org, world.stolberg_org)
    rows = await insert_needs(db, [random_need(rng, i, tenants, orgs) for i in range(3000)])
    names = await organisation_names(db)
    nonempty = worded = 0
    for i in range(40):
        q = random_query(rng, tenants)
        expected, more = brute_force(rows, q, names)
        worded += bool(q.flt.words and expected and expected[0].score > MAX_SCORE)
        async with db.sessions() as session:
            page = await rank_needs(
                db if i % 2 else session,  # on the Database (the chat's way) or a session
                q.volunteer,
                NOW,
                flt=q.flt,
                tenant_ids=q.tenant_ids,
                tz=BERLIN,
                offset=q.offset,
                limit=q.limit,
            )
        assert [(m.need_id, m.score) for m in page.matches] == [
            (m.need_id, m.score) for m in expected
        ], q
        assert [m.reasons for m in page.matches] == [m.reasons for m in expected]
        assert page.has_more == more
        nonempty += bool(expected)
    assert nonempty >= 20  # the queries were not trivially empty
    assert worded >= 3  # and searched words lifted needs


async def test_a_better_need_further_out_comes_first_when_nearer_ones_fill_the_page(
    db: Database, world: Any
) -> None:
    """A large radius is read inner box first on SQLite (``core.search``,
    ``SPLIT_RADIUS_KM``): a need near the edge that fits better (urgent,
    fresh, local, at a time the person has) still ranks above a page of
    nearer ones, as scoring every need does."""
    rng = random.Random(7)
    tenants, orgs = (world.aachen, world.stolberg), (world.org, world.stolberg_org)
    saturday = day_mask(["sa"])
    lat, lon = 50.77, 6.08
    rows = []
    for i in range(15):  # ~2 km away, flexible time, old, the neighbour's
        row = random_need(rng, i, tenants, orgs)
        row.update(
            tenant_id=world.stolberg, organisation_id=world.stolberg_org, category="umwelt",
            remote=False, lat=lat + 0.018, lon=lon + 0.001 * i, qualifications=[],
            starts_at=None, ends_at=None, recurrence=None, valid_until=None, cell_mask=0,
            urgent=False, status=NeedStatus.PUBLISHED, hidden=False,
            published_at=NOW - timedelta(days=30),
        )  # fmt: skip
        rows.append(row)
    far = random_need(rng, 99, tenants, orgs)
    far.update(
        tenant_id=world.aachen, organisation_id=world.org, category="umwelt", remote=False,
        lat=lat + 0.135, lon=lon, qualifications=[], starts_at=None, ends_at=None,
        recurrence=None, valid_until=None, cell_mask=saturday, urgent=True,
        status=NeedStatus.PUBLISHED, hidden=False, published_at=NOW,
    )  # fmt: skip
    rows = await insert_needs(db, [*rows, far])
    volunteer = VolunteerView(
        person_id=1, tenant_id=world.aachen, interests=frozenset({"umwelt"}),
        qualifications=frozenset(), lat=lat, lon=lon, radius_km=20.0,
        availability_mask=saturday, spontaneous=False,
    )  # fmt: skip
    q = Query(volunteer, SearchFilter(), None, 0, 10)
    expected, more = brute_force(rows, q)
    page = await rank_needs(db, volunteer, NOW, tz=BERLIN, limit=10)
    assert page.matches[0].need_id == rows[-1]["id"] == expected[0].need_id
    assert [(m.need_id, m.score) for m in page.matches] == [(m.need_id, m.score) for m in expected]
    assert page.has_more == more


@pytest.mark.parametrize("seed", [44, 55])
async def test_rank_needs_equals_brute_force_when_people_lack_qualifications(
    db: Database, world: Any, seed: int
) -> None:
    """Needs asking for qualifications are common here, and every person has
    said they lack some: retrieval still ranks exactly as scoring every need,
    shows the unmentioned requirements and never a need asking for a lacked one."""
    rng = random.Random(seed)
    tenants, orgs = (world.aachen, world.stolberg), (world.org, world.stolberg_org)
    rows = [random_need(rng, i, tenants, orgs) for i in range(2000)]
    for row in rows:
        row["qualifications"] = rng.sample(QUALS, rng.choice((0, 1, 1, 2)))
    rows = await insert_needs(db, rows)
    names = await organisation_names(db)
    asked = {r["id"]: set(r["qualifications"]) for r in rows}
    seen_requirement = 0
    for _ in range(30):
        q = random_query(rng, tenants)
        lacks = frozenset(rng.sample(QUALS, rng.choice((1, 2))))
        q = replace(
            q,
            volunteer=replace(
                q.volunteer,
                lacks_qualifications=lacks,
                qualifications=q.volunteer.qualifications - lacks,
            ),
        )
        expected, more = brute_force(rows, q, names)
        async with db.sessions() as session:
            page = await rank_needs(
                session,
                q.volunteer,
                NOW,
                flt=q.flt,
                tenant_ids=q.tenant_ids,
                tz=BERLIN,
                offset=q.offset,
                limit=q.limit,
            )
        assert [(m.need_id, m.score, m.reasons) for m in page.matches] == [
            (m.need_id, m.score, m.reasons) for m in expected
        ], q
        assert page.has_more == more
        for m in page.matches:
            assert not asked[m.need_id] & lacks
            unmentioned = asked[m.need_id] - q.volunteer.qualifications
            assert {r.value for r in m.reasons if r.kind == "requires"} == unmentioned
            seen_requirement += bool(unmentioned)
    assert seen_requirement >= 10  # needs with an unmentioned requirement were shown


async def test_paging_is_stable_without_duplicates_or_gaps(db: Database, world: Any) -> None:
    rng = random.Random(5)
    tenants, orgs = (world.aachen, world.stolberg), (world.org, world.stolberg_org)
    rows = await insert_needs(db, [random_need(rng, i, tenants, orgs) for i in range(1500)])
    volunteer = VolunteerView(
        1,
        world.aachen,
        frozenset({"umwelt"}),
        frozenset(QUALS),
        50.7753,
        6.0839,
        15.0,
        mask_of(["sa:vormittag"]),
    )
    seen: list[int] = []
    offset = 0
    async with db.sessions() as session:
        while True:
            page = await rank_needs(session, volunteer, NOW, offset=offset, limit=25)
            seen += [m.need_id for m in page.matches]
            offset += 25
            if not page.has_more:
                break
        everything = await rank_needs(session, volunteer, NOW, limit=10_000)
    assert len(seen) == len(set(seen)) > 50
    assert seen == [m.need_id for m in everything.matches]
    expected, _ = brute_force(rows, Query(volunteer, SearchFilter(), None, 0, 10_000))
    assert seen == [m.need_id for m in expected]


# --- filters on a small hand-made set ----------------------------------------------------

BURTSCHEID = (50.7606, 6.0939)
LUISA = VolunteerView(
    1,
    0,
    frozenset({"kinder_jugend", "bildung"}),
    frozenset({"paedagogik", "fuehrungszeugnis"}),
    *BURTSCHEID,
    5.0,
    mask_of(["sa:vormittag", "di:nachmittag"]),
)


def _on(day: date, start: int, end: int) -> tuple[datetime, datetime]:
    a = datetime.combine(day, time(start), BERLIN)
    return a.astimezone(UTC), datetime.combine(day, time(end), BERLIN).astimezone(UTC)


@pytest.fixture
async def few(db: Database, world: Any) -> dict[str, int]:
    """Named needs around Burtscheid; returns name -> id."""
    sat, wed = date(2026, 12, 5), date(2026, 12, 9)
    specs: dict[str, dict[str, Any]] = {
        "hausaufgaben": {"category": "kinder_jugend", "when": _on(sat, 9, 11), "d": 0.5},
        "lesepaten": {
            "category": "bildung",
            "when": _on(wed, 15, 17),
            "d": 1.0,
            "qualifications": ["fuehrungszeugnis"],
        },
        "waldputz": {"category": "umwelt", "when": _on(sat, 10, 13), "d": 2.0},
        "fahrdienst": {
            "category": "senioren",
            "when": _on(wed, 18, 20),
            "d": 3.0,
            "qualifications": ["fuehrerschein"],
        },
        "stolberg_kita": {
            "category": "kinder_jugend",
            "when": _on(sat, 9, 11),
            "d": 0.5,
            "tenant": "stolberg",
        },
        "online": {
            "category": "digitales",
            "when": _on(wed, 18, 19),
            "remote": True,
            "title": "Über Zoom lernen",
        },
        "weit": {"category": "kinder_jugend", "when": _on(sat, 9, 11), "d": 20.0},
        "entwurf": {
            "category": "kinder_jugend",
            "when": _on(sat, 9, 11),
            "d": 0.3,
            "status": NeedStatus.PENDING_REVIEW,
        },
    }
    rows = []
    for name, spec in specs.items():
        starts, ends = spec["when"]
        remote = spec.get("remote", False)
        stolberg = spec.get("tenant") == "stolberg"
        rows.append(
            {
                "tenant_id": world.stolberg if stolberg else world.aachen,
                "organisation_id": world.stolberg_org if stolberg else world.org,
                "title": spec.get("title", name.capitalize()),
                "description": "",
                "category": spec["category"],
                "qualifications": spec.get("qualifications", []),
                "remote": remote,
                "lat": None if remote else BURTSCHEID[0] + spec["d"] / 111.0,
                "lon": None if remote else BURTSCHEID[1],
                "starts_at": starts,
                "ends_at": ends,
                "cell_mask": one_off_mask(starts, ends, BERLIN),
                "urgent": False,
                "status": spec.get("status", NeedStatus.PUBLISHED),
                "published_at": NOW,
                "created_at": NOW,
                "updated_at": NOW,
                "helpers_wanted": 1,
                "hidden": False,
            }
        )
    await insert_needs(db, rows)
    return {name: i for i, name in enumerate(specs, start=1)}


async def ranked(
    db: Database, few: dict[str, int], volunteer: VolunteerView = LUISA, **kw: Any
) -> list[str]:
    names = {v: k for k, v in few.items()}
    async with db.sessions() as session:
        page = await rank_needs(session, volunteer, NOW, tz=BERLIN, limit=20, **kw)
    return [names[m.need_id] for m in page.matches]


async def test_luisa_sees_her_categories_first_and_the_neighbour_after_local(
    db: Database, world: Any, few: dict[str, int]
) -> None:
    luisa = replace(LUISA, tenant_id=world.aachen)
    got = await ranked(db, few, luisa)
    assert got[:3] == ["hausaufgaben", "stolberg_kita", "lesepaten"]
    assert "weit" not in got and "entwurf" not in got
    # She never said whether she drives: the Fahrdienst is shown, last.
    assert set(got) == {
        "hausaufgaben",
        "stolberg_kita",
        "lesepaten",
        "waldputz",
        "online",
        "fahrdienst",
    }
    assert got[-1] == "fahrdienst"


async def test_only_what_luisa_said_she_lacks_hides_a_need(
    db: Database, world: Any, few: dict[str, int]
) -> None:
    luisa = replace(LUISA, tenant_id=world.aachen)
    async with db.sessions() as session:
        page = await rank_needs(session, luisa, NOW, tz=BERLIN, limit=20)
    fahrdienst = next(m for m in page.matches if m.need_id == few["fahrdienst"])
    assert Reason("requires", "fuehrerschein") in fahrdienst.reasons
    # "Einen Führerschein habe ich nicht."
    no_licence = replace(luisa, lacks_qualifications=frozenset({"fuehrerschein"}))
    got = await ranked(db, few, no_licence)
    assert "fahrdienst" not in got
    assert set(got) == {"hausaufgaben", "stolberg_kita", "lesepaten", "waldputz", "online"}


async def test_filters_narrow_the_results(db: Database, world: Any, few: dict[str, int]) -> None:
    luisa = replace(LUISA, tenant_id=world.aachen, qualifications=frozenset(QUALS))
    sat = date(2026, 12, 5)
    by = lambda **kw: ranked(db, few, luisa, flt=SearchFilter(**kw))  # noqa: E731
    assert set(await by(categories=("umwelt",))) == {"waldputz"}
    assert set(await by(date_from=sat, date_to=sat)) == {
        "hausaufgaben",
        "stolberg_kita",
        "waldputz",
    }
    assert set(await by(date_from=date(2026, 12, 6))) == {"lesepaten", "fahrdienst", "online"}
    assert set(await by(cell_mask=daypart_mask(["abend"]))) == {"fahrdienst", "online"}
    assert set(await by(cell_mask=day_mask(["mi"]))) == {"lesepaten", "fahrdienst", "online"}
    assert set(await by(qualifications=("fuehrerschein",))) == {"fahrdienst"}
    assert set(await by(text="WALD")) == {"waldputz"}
    assert set(await by(text="über")) == {"online"}  # case-insensitive beyond ASCII
    far_center = (BURTSCHEID[0] + 20 / 111.0, BURTSCHEID[1])
    assert set(await by(center=far_center, radius_km=1.0)) == {"weit", "online"}
    assert set(await by(radius_km=1.2)) == {"hausaufgaben", "stolberg_kita", "lesepaten", "online"}
    assert await ranked(
        db, few, luisa, tenant_ids=[world.aachen], flt=SearchFilter(categories=("kinder_jugend",))
    ) == ["hausaufgaben"]


def test_every_filter_cell_is_known() -> None:
    assert {c.split(":")[0] for c in ALL_CELLS} == {"mo", "di", "mi", "do", "fr", "sa", "so"}
    Taxonomy.load()  # the codes used above are the taxonomy's
    taxonomy = Taxonomy.load()
    assert all(taxonomy.is_category(c) for c in CATEGORIES)
    assert all(taxonomy.is_qualification(q) for q in QUALS)


async def test_a_searched_word_shows_the_need_about_it_first_whatever_its_topic(
    db: Database, world: Any, few: dict[str, int]
) -> None:
    """ "Fahrdienst" names the topic Nachbarschaft; the Fahrdienst here is a
    need of Senioren. It comes first, the topic's needs after it."""
    luisa = replace(LUISA, tenant_id=world.aachen, qualifications=frozenset(QUALS))
    by = lambda **kw: ranked(db, few, luisa, flt=SearchFilter(**kw))  # noqa: E731
    assert await by(categories=("umwelt",), words=("Fahrdienst",)) == ["fahrdienst", "waldputz"]
    assert await by(categories=("nachbarschaft",), words=("Fahrdienste",)) == ["fahrdienst"]
    # Words narrow nothing: without a topic they only rank.
    everything = await by()
    assert await by(words=("Zoom",)) == ["online"] + [n for n in everything if n != "online"]


async def test_a_typed_text_finds_needs_by_their_words_forms_compounds_and_english(
    db: Database, world: Any
) -> None:
    """The public list's and the chat's plain-word search: a need holds a word
    of the text in a compound ("Tierheimhunden", "Vorlesestunde") or in
    German for an English word, not by accident ("Hunderte")."""
    titles = {
        "gassi": ("Gassigehen mit unseren Tierheimhunden", "tiere"),
        "vorlesen": ("Vorlesestunde in der Stadtbibliothek", "bildung"),
        "lesepaten": ("Lesepatin oder Lesepate", "bildung"),
        "fotos": ("Hunderte alte Fotos digitalisieren", "kultur"),
        "sortieren": ("Lebensmittel sortieren", "soziales"),
        "tafel": ("Ausgabe am Dienstag", "soziales"),  # of the organisation "Tafel"
    }
    rows = []
    for name, (title, category) in titles.items():
        tafel = name == "tafel"
        rows.append(
            {
                "tenant_id": world.aachen if tafel else world.stolberg,
                "organisation_id": world.org if tafel else world.stolberg_org,
                "title": title,
                "description": "",
                "category": category,
                "qualifications": [],
                "remote": True,
                "lat": None,
                "lon": None,
                "cell_mask": 0,
                "urgent": False,
                "status": NeedStatus.PUBLISHED,
                "published_at": NOW,
                "created_at": NOW,
                "updated_at": NOW,
                "helpers_wanted": 1,
                "hidden": False,
            }
        )
    await insert_needs(db, rows)
    names = dict(zip(range(1, len(titles) + 1), titles, strict=True))
    volunteer = replace(LUISA, tenant_id=world.aachen)

    async def by(text: str, **kw: Any) -> set[str]:
        async with db.sessions() as session:
            flt = SearchFilter(text=text, **kw)
            page = await rank_needs(session, volunteer, NOW, flt=flt, tz=BERLIN, limit=20)
        return {names[m.need_id] for m in page.matches}

    assert await by("Hund") == {"gassi"}
    assert await by("Hunderte") == {"fotos"}
    assert await by("something with dogs") == {"gassi"}
    assert await by("was mit Tieren") == {"gassi"}  # not "sortieren"
    assert await by("Lesen") == {"vorlesen", "lesepaten"}
    assert await by("reading") == {"vorlesen", "lesepaten"}
    assert await by("food bank") == {"tafel", "sortieren"}  # "Lebensmittel" too
    assert await by("Tafel", categories=("bildung",)) == set()  # the topic narrows too
    assert await by("Katze") == set()

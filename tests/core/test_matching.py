"""Scoring truth tables with personas: Luisa aus Burtscheid, Heinrich Helfer in Brand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.matching import (
    MAX_SCORE,
    W_CATEGORY,
    W_DISTANCE,
    W_FRESH,
    W_LOCAL,
    W_REQUIREMENT,
    W_TIME,
    W_URGENT,
    NeedView,
    Reason,
    VolunteerView,
    score,
)
from core.schedule import mask_of

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
AACHEN, STOLBERG = 1, 2
BURTSCHEID = (50.7606, 6.0939)
BRAND = (50.7489, 6.1650)

LUISA = VolunteerView(
    person_id=1,
    tenant_id=AACHEN,
    interests=frozenset({"kinder_jugend", "bildung"}),
    qualifications=frozenset({"paedagogik", "fuehrungszeugnis"}),
    lat=BURTSCHEID[0],
    lon=BURTSCHEID[1],
    radius_km=5,
    availability_mask=mask_of(["sa:vormittag", "di:nachmittag"]),
)
HEINRICH = VolunteerView(
    person_id=2,
    tenant_id=AACHEN,
    interests=frozenset({"senioren", "umwelt", "handwerk"}),
    qualifications=frozenset({"fuehrerschein", "handwerk"}),
    lat=BRAND[0],
    lon=BRAND[1],
    radius_km=8,
    availability_mask=mask_of([f"{d}:vormittag" for d in ("mo", "di", "mi", "do", "fr")]),
    spontaneous=True,
)


def need(**kw: object) -> NeedView:
    base = NeedView(
        id=10,
        tenant_id=AACHEN,
        category="kinder_jugend",
        qualifications=(),
        remote=False,
        lat=BURTSCHEID[0] + 0.01,  # ~1.1 km north
        lon=BURTSCHEID[1],
        cell_mask=mask_of(["sa:vormittag"]),
        starts_at=NOW + timedelta(days=4),
        urgent=False,
        published_at=NOW - timedelta(days=30),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def kinds(reasons: tuple[Reason, ...]) -> list[str]:
    return [r.kind for r in reasons]


def test_hausaufgabenhilfe_near_burtscheid_fits_luisa_with_every_reason() -> None:
    m = score(LUISA, need(), NOW)
    assert not m.excluded
    assert kinds(m.reasons) == ["category", "distance", "time"]
    assert m.reasons[0] == Reason("category", "kinder_jugend")
    assert m.reasons[1].value == pytest.approx(1.1, abs=0.05)
    assert m.reasons[2] == Reason("time", "sa:vormittag")
    assert m.distance_km == pytest.approx(1.11, abs=0.02)


# Qualifications, as a truth table: (holds, said they lack, the need asks) ->
# shown?, lower by W_REQUIREMENT?, reasons naming a requirement.
# Tom aus Burtscheid: children, Saturday mornings, said nothing about any
# qualification; Luisa holds Pädagogik and the Führungszeugnis.
TOM = replace(LUISA, person_id=3, qualifications=frozenset())


@pytest.mark.parametrize(
    ("holds", "lacks", "asks", "shown", "lower", "requires"),
    [
        ((), (), (), True, False, []),
        (("fuehrungszeugnis",), (), ("fuehrungszeugnis",), True, False, []),
        ((), (), ("fuehrungszeugnis",), True, True, ["fuehrungszeugnis"]),
        (
            (),
            (),
            ("fuehrungszeugnis", "erste_hilfe"),
            True,
            True,
            ["fuehrungszeugnis", "erste_hilfe"],
        ),
        (
            ("erste_hilfe",),
            (),
            ("fuehrungszeugnis", "erste_hilfe"),
            True,
            True,
            ["fuehrungszeugnis"],
        ),
        ((), ("fuehrungszeugnis",), ("fuehrungszeugnis",), False, None, None),
        ((), ("fuehrerschein",), ("fuehrungszeugnis",), True, True, ["fuehrungszeugnis"]),
        ((), ("fuehrerschein",), ("fuehrungszeugnis", "fuehrerschein"), False, None, None),
        (("fuehrungszeugnis",), ("fuehrerschein",), (), True, False, []),
    ],
)
def test_qualifications_truth_table(
    holds: tuple[str, ...],
    lacks: tuple[str, ...],
    asks: tuple[str, ...],
    shown: bool,
    lower: bool | None,
    requires: list[str] | None,
) -> None:
    person = replace(TOM, qualifications=frozenset(holds), lacks_qualifications=frozenset(lacks))
    plain = score(person, need(), NOW)
    m = score(person, need(qualifications=asks), NOW)
    assert m.excluded is not shown
    if not shown:
        assert m.score == 0.0
        assert [r.value for r in m.reasons] == [q for q in asks if q in lacks]
        assert {r.kind for r in m.reasons} == {"lacks_qualification"}
        return
    assert plain.score - m.score == pytest.approx(W_REQUIREMENT if lower else 0.0)
    assert [r.value for r in m.reasons if r.kind == "requires"] == requires


def test_tom_sees_the_spielgruppe_with_the_fuehrungszeugnis_named_last() -> None:
    """The reported case: he never mentioned the certificate, the need asks
    for it; it is shown, its reasons read "Kinder & Jugend · 1,1 km · Sa
    vormittags · Erweitertes Führungszeugnis nötig"."""
    m = score(TOM, need(qualifications=("fuehrungszeugnis",)), NOW)
    assert not m.excluded
    assert kinds(m.reasons) == ["category", "distance", "time", "requires"]
    assert m.reasons[-1] == Reason("requires", "fuehrungszeugnis")


def test_an_unmentioned_requirement_never_outranks_the_topic_tom_chose() -> None:
    """A children's need asking for the certificate still beats an otherwise
    equal need of a topic Tom did not choose that asks for nothing."""
    own = score(TOM, need(id=1, qualifications=("fuehrungszeugnis",)), NOW)
    other = score(TOM, need(id=2, category="umwelt"), NOW)
    assert own.score > other.score
    assert own.score < score(TOM, need(id=3), NOW).score  # but below one he can start right away


def test_held_qualifications_do_not_exclude() -> None:
    assert not score(LUISA, need(qualifications=("paedagogik",)), NOW).excluded


def test_outside_the_radius_excludes_with_the_distance() -> None:
    far = need(lat=BURTSCHEID[0] + 0.06)  # ~6.7 km
    m = score(LUISA, far, NOW)
    assert m.excluded
    assert m.reasons[0].kind == "too_far"
    assert m.reasons[0].value == pytest.approx(6.7, abs=0.1)


def test_need_without_place_that_is_not_remote_is_excluded() -> None:
    assert score(LUISA, need(lat=None, lon=None), NOW).excluded


def test_volunteer_without_home_only_sees_remote_needs() -> None:
    nowhere = replace(LUISA, lat=None, lon=None)
    assert score(nowhere, need(), NOW).excluded
    m = score(nowhere, need(remote=True, lat=None, lon=None), NOW)
    assert not m.excluded and m.reasons[1] == Reason("remote")  # after the topic


def test_remote_need_has_no_distance() -> None:
    m = score(LUISA, need(remote=True, lat=None, lon=None), NOW)
    assert m.distance_km is None and kinds(m.reasons)[:2] == ["category", "remote"]


def test_urgent_reason_and_bonus() -> None:
    plain, urgent = score(LUISA, need(), NOW), score(LUISA, need(urgent=True), NOW)
    assert "urgent" in kinds(urgent.reasons) and "urgent" not in kinds(plain.reasons)
    assert urgent.score - plain.score == pytest.approx(W_URGENT)


def test_neighbour_tenant_ranks_after_an_equal_local_need() -> None:
    local = score(LUISA, need(id=20), NOW)
    neighbour = score(LUISA, need(id=5, tenant_id=STOLBERG), NOW)
    assert "neighbour" in kinds(neighbour.reasons) and "neighbour" not in kinds(local.reasons)
    assert local.score - neighbour.score == pytest.approx(W_LOCAL)
    ranked = sorted([neighbour, local], key=lambda m: (-m.score, m.need_id))
    assert [m.need_id for m in ranked] == [20, 5]


def test_category_of_interest_beats_a_closer_need_of_another_category() -> None:
    closer_other = score(LUISA, need(category="sport", lat=BURTSCHEID[0] + 0.001), NOW)
    farther_own = score(LUISA, need(lat=BURTSCHEID[0] + 0.03), NOW)
    assert farther_own.score > closer_other.score
    assert "category" not in kinds(closer_other.reasons)


def test_a_chosen_topic_outranks_any_other_topic_however_close_or_timely() -> None:
    """The worst need of Luisa's topics (at the edge of her radius, at a time
    she is not free, old, of a neighbour, asking for a certificate she has not
    mentioned) beats the best need of another topic."""
    worst_own = need(
        id=1,
        lat=BURTSCHEID[0] + 0.0449,  # ~4.99 km of her 5
        cell_mask=mask_of(["mo:abend"]),
        tenant_id=STOLBERG,
        qualifications=("erste_hilfe",),
        published_at=NOW - timedelta(days=60),
    )
    best_other = need(id=2, category="sport", lat=BURTSCHEID[0], urgent=True, published_at=NOW)
    own, other = score(LUISA, worst_own, NOW), score(LUISA, best_other, NOW)
    assert not own.excluded and not other.excluded
    assert own.score > other.score
    assert W_CATEGORY - W_REQUIREMENT > W_DISTANCE + W_TIME + W_URGENT + W_FRESH + W_LOCAL


def test_no_interests_counts_every_category_half() -> None:
    open_minded = replace(LUISA, interests=frozenset())
    diff = score(LUISA, need(), NOW).score - score(open_minded, need(), NOW).score
    assert diff == pytest.approx(W_CATEGORY / 2)


def test_nearer_scores_higher_and_time_fit_counts() -> None:
    near, far = need(lat=BURTSCHEID[0] + 0.005), need(lat=BURTSCHEID[0] + 0.03)
    assert score(LUISA, near, NOW).score > score(LUISA, far, NOW).score
    wrong_time = need(cell_mask=mask_of(["mo:abend"]))
    m = score(LUISA, wrong_time, NOW)
    assert m.score < score(LUISA, need(), NOW).score
    assert "time" not in kinds(m.reasons)


def test_fresh_need_ranks_over_an_old_one() -> None:
    fresh = score(LUISA, need(published_at=NOW - timedelta(days=1)), NOW)
    old = score(LUISA, need(published_at=NOW - timedelta(days=20)), NOW)
    assert fresh.score > old.score


def test_heinrich_spontaneous_fits_a_short_notice_evening() -> None:
    tomorrow_evening = need(
        category="senioren",
        lat=BRAND[0],
        lon=BRAND[1] + 0.01,
        cell_mask=mask_of(["mi:abend"]),
        starts_at=NOW + timedelta(hours=32),
    )
    m = score(HEINRICH, tomorrow_evening, NOW)
    assert kinds(m.reasons) == ["category", "distance", "spontaneous"]
    in_two_weeks = replace(tomorrow_evening, starts_at=NOW + timedelta(days=14))
    later = score(HEINRICH, in_two_weeks, NOW)
    assert "spontaneous" not in kinds(later.reasons)
    assert m.score > later.score


def test_heinrich_sees_a_stolberg_need_after_an_equal_brand_one() -> None:
    brand = need(id=30, category="umwelt", lat=BRAND[0], lon=BRAND[1] + 0.02)
    stolberg = replace(brand, id=3, tenant_id=STOLBERG)
    scored = sorted(
        (score(HEINRICH, n, NOW) for n in (stolberg, brand)), key=lambda m: (-m.score, m.need_id)
    )
    assert [m.need_id for m in scored] == [30, 3]
    assert scored[1].reasons[-1] == Reason("neighbour")


def test_scores_stay_within_the_maximum() -> None:
    best = need(urgent=True, published_at=NOW, lat=BURTSCHEID[0], lon=BURTSCHEID[1])
    m = score(LUISA, best, NOW)
    assert m.score == pytest.approx(MAX_SCORE)


def test_a_need_published_in_the_future_is_no_fresher_than_now() -> None:
    now = score(LUISA, need(published_at=NOW), NOW)
    skewed = score(LUISA, need(published_at=NOW + timedelta(days=3)), NOW)
    assert skewed.score == now.score


def test_a_time_that_does_not_fit_names_the_need_s_time_against_the_free_one() -> None:
    """Luisa is free Tuesday afternoons and Saturday mornings."""
    wednesday = score(LUISA, need(cell_mask=mask_of(["mi:vormittag"])), NOW)
    assert wednesday.reasons[-1] == Reason("other_time", "mi:vormittag|sa:vormittag")
    saturday_evening = score(LUISA, need(cell_mask=mask_of(["sa:abend"])), NOW)
    assert saturday_evening.reasons[-1] == Reason("other_time", "sa:abend|sa:vormittag")
    friday_evening = score(LUISA, need(cell_mask=mask_of(["fr:abend"])), NOW)
    assert friday_evening.reasons[-1] == Reason("other_time", "fr:abend|di:nachmittag")
    # no reason about time when she said nothing about her week, or it fits
    unknown = replace(LUISA, availability_mask=0)
    assert "other_time" not in kinds(
        score(unknown, need(cell_mask=mask_of(["mi:abend"])), NOW).reasons
    )
    assert "other_time" not in kinds(score(LUISA, need(), NOW).reasons)

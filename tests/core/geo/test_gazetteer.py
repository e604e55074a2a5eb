"""The shipped gazetteer: lookups, suggestions, mentions in text, reverse lookups."""

from __future__ import annotations

import time

import pytest

from core.geo.distance import distance_km
from core.geo.gazetteer import Gazetteer, Place
from core.tenants import TenantConfig

AACHEN = (50.7753, 6.0839)
NORTH_SEA = (54.5, 6.5)  # ~100 km from Borkum and Helgoland


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.default()


@pytest.fixture
def aachen(tenants: dict[str, TenantConfig]) -> TenantConfig:
    return tenants["aachen"]


def best(gazetteer: Gazetteer, name: str, **kwargs: object) -> Place:
    places = gazetteer.lookup(name, **kwargs)  # type: ignore[arg-type]
    assert places, f"{name!r} not found"
    return places[0]


def test_default_is_loaded_once_per_process() -> None:
    assert Gazetteer.default() is Gazetteer.default()


def test_the_shipped_file_loads_every_place_and_postcode() -> None:
    # Load time is measured in `make bench`, not asserted here.
    from core.geo.gazetteer import COMMON_WORDS_FILE, PLACES_FILE

    fresh = Gazetteer.load(PLACES_FILE, COMMON_WORDS_FILE)
    assert len(fresh) > 20_000


@pytest.mark.parametrize(
    ("query", "name", "point"),
    [
        ("Würselen", "Würselen", (50.82, 6.13)),
        ("Wuerselen", "Würselen", (50.82, 6.13)),
        ("WÜRSELEN", "Würselen", (50.82, 6.13)),
        ("Stolberg", "Stolberg", (50.77, 6.23)),
        ("Eschweiler", "Eschweiler", (50.82, 6.27)),
        ("Herzogenrath", "Herzogenrath", (50.87, 6.10)),
        ("Köln", "Köln", (50.94, 6.95)),
        ("Koeln", "Köln", (50.94, 6.95)),
        ("koeln", "Köln", (50.94, 6.95)),
        ("Düsseldorf", "Düsseldorf", (51.22, 6.78)),
        ("Duesseldorf", "Düsseldorf", (51.22, 6.78)),
        ("Rurberg", "Rurberg", (50.61, 6.38)),  # a village of 927 in the Eifel
        ("Aix-la-Chapelle", "Aachen", (50.78, 6.08)),  # alternate name
        ("Halle", "Halle (Saale)", (51.48, 11.97)),  # short form of the own name
    ],
)
def test_places_resolve_offline(
    gazetteer: Gazetteer, query: str, name: str, point: tuple[float, float]
) -> None:
    place = best(gazetteer, query)
    assert place.name == name
    assert place.kind == "place"
    assert place.source == "gazetteer"
    assert distance_km(place.point, point) < 3


def test_a_village_has_its_population_and_state(gazetteer: Gazetteer) -> None:
    village = best(gazetteer, "Rurberg")
    assert village.population is not None and 600 <= village.population <= 1000
    assert village.state == "Nordrhein-Westfalen"


@pytest.mark.parametrize(
    ("code", "town", "point"),
    [("52062", "Aachen", (50.777, 6.086)), ("52249", "Eschweiler", (50.828, 6.270))],
)
def test_postcodes_resolve_to_their_centroid(
    gazetteer: Gazetteer, code: str, town: str, point: tuple[float, float]
) -> None:
    for query in (code, f"{code} {town}", f" {code} "):
        place = best(gazetteer, query)
        assert (place.kind, place.postcode, place.name) == ("postcode", code, town)
        assert distance_km(place.point, point) < 1


def test_stolberg_means_the_big_one_without_a_hint(gazetteer: Gazetteer) -> None:
    places = gazetteer.lookup("Stolberg")
    assert places[0].state == "Nordrhein-Westfalen"
    assert any(p.state == "Sachsen-Anhalt" for p in places[1:])  # Stolberg (Harz) is still there


def test_near_prefers_the_nearby_namesake(gazetteer: Gazetteer) -> None:
    harz = (51.57, 10.95)
    assert best(gazetteer, "Stolberg", near=harz).state == "Sachsen-Anhalt"


def test_brand_near_aachen_is_the_aachen_district(
    gazetteer: Gazetteer, aachen: TenantConfig
) -> None:
    place = best(
        gazetteer,
        "Brand",
        near=aachen.region_center,
        districts=aachen.districts,
        tenant_slug="aachen",
    )
    assert (place.name, place.kind, place.source) == ("Brand", "district", "tenant:aachen")
    assert distance_km(place.point, (50.7489, 6.1650)) < 0.1


def test_brand_elsewhere_is_the_largest_brand(gazetteer: Gazetteer) -> None:
    place = best(gazetteer, "Brand")
    assert place.kind == "place"
    assert place.state == "Bayern"


@pytest.mark.parametrize(
    "district",
    [
        "Burtscheid",
        "Brand",
        "Eilendorf",
        "Haaren",
        "Kornelimünster",
        "Kornelimuenster",
        "Walheim",
        "Laurensberg",
        "Richterich",
        "Forst",
    ],
)
def test_aachen_districts_resolve_for_the_tenant(
    gazetteer: Gazetteer, aachen: TenantConfig, district: str
) -> None:
    place = best(
        gazetteer,
        district,
        near=aachen.region_center,
        districts=aachen.districts,
        tenant_slug="aachen",
    )
    assert place.kind == "district"
    assert distance_km(place.point, AACHEN) < 10


def test_unknown_name_finds_nothing(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("Xyzzyhausen an der Quatsch") == []
    assert gazetteer.lookup("") == []
    assert gazetteer.lookup("99999") == []


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("Aahcen", "Aachen"),
        ("Wurselen", "Würselen"),
        ("Eschweier", "Eschweiler"),
        ("Dusseldorf", "Düsseldorf"),
    ],
)
def test_misspellings_suggest_the_right_name(gazetteer: Gazetteer, typo: str, meant: str) -> None:
    suggestions = gazetteer.suggest(typo, near=AACHEN)
    assert meant in suggestions
    assert len(suggestions) <= 3


def test_suggestions_include_tenant_districts(gazetteer: Gazetteer, aachen: TenantConfig) -> None:
    suggestions = gazetteer.suggest(
        "Kornelimunster", districts=aachen.districts, near=aachen.region_center
    )
    assert suggestions[0] == "Kornelimünster"


def test_nonsense_gets_no_suggestions(gazetteer: Gazetteer) -> None:
    assert gazetteer.suggest("qqqqqqxxxxx") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich wohne in Burtscheid", ["Burtscheid"]),
        ("Umwelt in Aachen am Wochenende", ["Aachen"]),
        ("Ich möchte Kindern helfen", []),
        ("52062 Aachen", ["52062 Aachen"]),
        ("Ich suche Hilfe im Garten", []),
        ("Essen ausgeben in der Suppenküche", []),
        ("Essen ist fertig, ich wohne in Essen", ["Essen"]),
        ("Ich kann in Würselen oder Stolberg helfen", ["Würselen", "Stolberg"]),
        ("gern in frankfurt am main", ["frankfurt am main"]),
        ("Wir fahren nach Halle (Saale), dann weiter", ["Halle (Saale)"]),
        ("Ich bin Rentner und habe viel Zeit", []),
    ],
)
def test_find_mentions(
    gazetteer: Gazetteer, aachen: TenantConfig, text: str, expected: list[str]
) -> None:
    mentions = gazetteer.find_mentions(text, aachen.districts)
    assert [m[2] for m in mentions] == expected
    for start, end, written in mentions:
        assert text[start:end] == written


def test_common_words_need_a_capital_and_a_preposition(gazetteer: Gazetteer) -> None:
    assert gazetteer.find_mentions("Es gab einen Brand") == []
    assert gazetteer.find_mentions("ich wohne in forst") == []
    assert [m[2] for m in gazetteer.find_mentions("Ich wohne in Forst")] == ["Forst"]


def test_tenant_districts_count_without_a_preposition(
    gazetteer: Gazetteer, aachen: TenantConfig
) -> None:
    assert [m[2] for m in gazetteer.find_mentions("Brand oder Eilendorf", aachen.districts)] == [
        "Brand",
        "Eilendorf",
    ]
    assert gazetteer.find_mentions("Brand oder Eilendorf") == []


def test_a_tenant_district_typed_alone_is_the_place_in_any_case(
    gazetteer: Gazetteer, aachen: TenantConfig
) -> None:
    assert [m[2] for m in gazetteer.find_mentions("forst", aachen.districts)] == ["forst"]
    assert [m[2] for m in gazetteer.find_mentions(" brand! ", aachen.districts)] == ["brand"]
    assert gazetteer.find_mentions("der forst ist schön", aachen.districts) == []
    assert gazetteer.find_mentions("forst") == []  # no district of the tenant: a word


def test_find_mentions_is_fast(gazetteer: Gazetteer, aachen: TenantConfig) -> None:
    text = "Ich würde am Samstag gern in Eschweiler oder bei Würselen beim Umzug helfen"
    gazetteer.find_mentions(text, aachen.districts)  # builds the mention index
    runs = 200
    started = time.perf_counter()
    for _ in range(runs):
        gazetteer.find_mentions(text, aachen.districts)
    per_call = (time.perf_counter() - started) / runs
    assert per_call < 0.002  # a few hundred µs here; slack for busy CI


def test_nearest_finds_the_town_around_a_point(gazetteer: Gazetteer) -> None:
    place = gazetteer.nearest(50.7766, 6.0834)
    assert place is not None and place.name == "Aachen"


def test_nearest_at_sea_or_abroad_is_none(gazetteer: Gazetteer) -> None:
    assert gazetteer.nearest(*NORTH_SEA) is None
    assert gazetteer.nearest(41.9, 12.5) is None  # Rome


def test_nearest_gives_up_beyond_about_30_km(gazetteer: Gazetteer) -> None:
    off_helgoland = (54.2, 7.3)  # 38 km from Helgoland, the nearest place
    assert gazetteer.nearest(*off_helgoland) is None
    nearer = gazetteer.nearest(54.3, 7.6)  # 23 km from Helgoland
    assert nearer is not None and nearer.name == "Helgoland"


def test_a_small_gazetteer_can_be_built_from_places() -> None:
    home = Place("Heimatdorf", 50.0, 7.0, "place", "gazetteer", population=800)
    small = Gazetteer([(home, ("Heimdorf",))])
    assert small.lookup("heimdorf") == [home]
    assert small.nearest(50.01, 7.01) == home


@pytest.mark.parametrize(
    "name", ["Aachen Burtscheid", "Aachen-Burtscheid", "aachen burtscheid", "Burtscheid Aachen"]
)
def test_a_district_named_with_its_town_is_the_district(
    gazetteer: Gazetteer, aachen: TenantConfig, name: str
) -> None:
    place = best(
        gazetteer, name, near=aachen.region_center, districts=aachen.districts, tenant_slug="aachen"
    )
    assert (place.name, place.kind) == ("Burtscheid", "district")


def test_a_district_named_with_a_far_town_is_not_guessed(
    gazetteer: Gazetteer, aachen: TenantConfig
) -> None:
    # Köln is 65 km away: "Köln Burtscheid" is no Aachen district.
    assert gazetteer.lookup("Köln Burtscheid", districts=aachen.districts) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich kann samstags Fahrräder reparieren, in Aachen Burtscheid", ["Aachen Burtscheid"]),
        ("in Aachen-Brand", ["Aachen-Brand"]),
        ("Ich wohne in Burtscheid, arbeite in Aachen", ["Burtscheid", "Aachen"]),
        ("Brand oder Eilendorf", ["Brand", "Eilendorf"]),
    ],
)
def test_a_town_and_its_district_are_one_mention(
    gazetteer: Gazetteer, aachen: TenantConfig, text: str, expected: list[str]
) -> None:
    mentions = gazetteer.find_mentions(text, aachen.districts)
    assert [m[2] for m in mentions] == expected
    for start, end, written in mentions:
        assert text[start:end] == written

"""resolve_place for a tenant, and geopy's interface over the gazetteer."""

from __future__ import annotations

import pytest
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from core.errors import UnknownPlace
from core.geo.distance import distance_km
from core.geo.gazetteer import Gazetteer
from core.geo.geocoder import OfflineGeocoder, resolve_place
from core.tenants import TenantConfig


@pytest.fixture
def aachen(tenants: dict[str, TenantConfig]) -> TenantConfig:
    return tenants["aachen"]


def test_tenant_district_comes_first(aachen: TenantConfig) -> None:
    place = resolve_place("Brand", aachen, Gazetteer.default())
    assert (place.kind, place.source) == ("district", "tenant:aachen")


def test_places_in_the_tenant_region_come_before_namesakes(aachen: TenantConfig) -> None:
    place = resolve_place("Stolberg", aachen, Gazetteer.default())
    assert distance_km(place.point, aachen.region_center) < aachen.region_radius_km


def test_unknown_place_raises_with_suggestions(aachen: TenantConfig) -> None:
    with pytest.raises(UnknownPlace) as caught:
        resolve_place("Eschweier", aachen, Gazetteer.default())
    assert caught.value.name == "Eschweier"
    assert "Eschweiler" in caught.value.suggestions
    assert caught.value.key == "error.unknown_place"


def test_resolve_place_without_tenant_uses_the_whole_country() -> None:
    assert resolve_place("52062", None).name == "Aachen"


def test_offline_geocoder_is_a_geopy_geocoder(aachen: TenantConfig) -> None:
    geocoder = OfflineGeocoder(tenant=aachen)
    assert isinstance(geocoder, Geocoder)
    location = geocoder.geocode("Burtscheid")
    assert isinstance(location, Location)
    assert location.raw["kind"] == "district"
    assert distance_km((location.latitude, location.longitude), (50.7606, 6.0939)) < 0.1


def test_offline_geocoder_returns_all_candidates_or_none() -> None:
    geocoder = OfflineGeocoder(Gazetteer.default())
    stolbergs = geocoder.geocode("Stolberg", exactly_one=False)
    assert isinstance(stolbergs, list) and len(stolbergs) >= 2
    assert stolbergs[0].address == "Stolberg, Nordrhein-Westfalen"
    assert geocoder.geocode("Xyzzyhausen") is None
    postcode = geocoder.geocode("52249")
    assert postcode is not None and postcode.address == "52249 Eschweiler"


def test_offline_geocoder_reverse() -> None:
    geocoder = OfflineGeocoder(Gazetteer.default())
    location = geocoder.reverse((50.8182, 6.1347))
    assert location is not None and location.raw["name"] == "Würselen"
    assert geocoder.reverse("54.5, 6.5") is None  # North Sea

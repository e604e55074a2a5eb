"""distance_km agrees with geopy; bounding_box contains the whole radius."""

from __future__ import annotations

import math

import pytest
from geopy.distance import EARTH_RADIUS, great_circle
from hypothesis import given
from hypothesis import strategies as st

from core.geo.distance import EARTH_RADIUS_KM, bounding_box, distance_km

AACHEN = (50.7753, 6.0839)
KOELN = (50.9375, 6.9603)

lats = st.floats(min_value=-80, max_value=80, allow_nan=False)
lons = st.floats(min_value=-179, max_value=179, allow_nan=False)


def test_earth_radius_is_geopys() -> None:
    assert EARTH_RADIUS_KM == EARTH_RADIUS


def test_aachen_to_koeln_is_about_64_km() -> None:
    assert distance_km(AACHEN, KOELN) == pytest.approx(64.0, abs=1.0)
    assert distance_km(AACHEN, AACHEN) == 0.0


@given(lats, lons, lats, lons)
def test_distance_matches_geopy_great_circle(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    expected = great_circle((lat1, lon1), (lat2, lon2)).km
    assert distance_km((lat1, lon1), (lat2, lon2)) == pytest.approx(
        expected, abs=1e-3
    )  # a metre: haversine loses digits near antipodes


@given(
    st.floats(min_value=-70, max_value=70),
    st.floats(min_value=-170, max_value=170),
    st.floats(min_value=0.1, max_value=200),
    st.floats(min_value=0, max_value=2 * math.pi),
)
def test_every_point_on_the_circle_is_inside_the_box(
    lat: float, lon: float, radius: float, bearing: float
) -> None:
    # The point at `radius` km in direction `bearing`, on geopy's sphere.
    point = great_circle(kilometers=radius * 0.999).destination((lat, lon), math.degrees(bearing))
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    assert min_lat <= point.latitude <= max_lat
    assert min_lon <= point.longitude <= max_lon


def test_box_is_tight() -> None:
    min_lat, max_lat, min_lon, max_lon = bounding_box(*AACHEN, 10)
    # 10 km is 0.09° of latitude, and 0.142° of longitude at Aachen's latitude.
    assert max_lat - min_lat == pytest.approx(0.18, abs=0.001)
    assert max_lon - min_lon == pytest.approx(0.284, abs=0.002)


def test_box_around_a_pole_spans_all_longitudes() -> None:
    assert bounding_box(89.9, 0, 50)[2:] == (-180.0, 180.0)


def test_negative_radius_is_refused() -> None:
    with pytest.raises(ValueError):
        bounding_box(*AACHEN, -1)

"""Distances on the earth's surface, and the box that bounds a radius.

``distance_km`` is the haversine on geopy's sphere (``geopy.distance.great_circle``
uses the same radius), so the fast path and geopy agree to well under a metre;
it exists because scoring calls it thousands of times per search and geopy's
``Distance`` objects are about ten times slower.
"""

from __future__ import annotations

import math

__all__ = ["EARTH_RADIUS_KM", "bounding_box", "distance_km"]

# geopy.distance.EARTH_RADIUS, written out: importing geopy costs ~0.3 s of
# start-up that a process answering "how far is it" should not pay.
# tests/core/geo pin the two together.
EARTH_RADIUS_KM = 6371.009


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two ``(lat, lon)`` points."""
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lon, max_lon)`` containing every point within the radius.

    Exact for a sphere: the widest longitude of a circle is reached north (or
    south) of its centre, which ``asin(sin(r) / cos(lat))`` accounts for. A
    query uses the box on indexed columns, then ``distance_km`` on the few rows
    inside it. Boxes that would cross the 180th meridian are not split; no
    tenant of ours lives there.
    """
    if radius_km < 0:
        raise ValueError("radius_km must not be negative")
    angular = radius_km / EARTH_RADIUS_KM
    min_lat = lat - math.degrees(angular)
    max_lat = lat + math.degrees(angular)
    if min_lat <= -90 or max_lat >= 90:
        # A pole lies inside the circle: every longitude is within reach.
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    delta_lon = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(math.radians(lat)))))
    return min_lat, max_lat, max(lon - delta_lon, -180.0), min(lon + delta_lon, 180.0)

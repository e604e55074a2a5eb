"""Names to places for a tenant: ``resolve_place``, and geopy's interface over the gazetteer.

Ranking for a tenant: its own districts, then places within its region, then
the rest of Germany (see ``Gazetteer.lookup``). A tenant that switched on
Nominatim asks it for names that are not its districts or postcodes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from core.errors import UnknownPlace
from core.geo.gazetteer import Gazetteer, Place
from core.geo.nominatim import NominatimPlaces, nominatim_for
from core.tenants import TenantConfig

__all__ = ["OfflineGeocoder", "lookup_for_tenant", "place_to_location", "resolve_place"]


def lookup_for_tenant(
    name: str,
    tenant: TenantConfig | None,
    gazetteer: Gazetteer | None = None,
    nominatim: NominatimPlaces | None = None,
) -> list[Place]:
    """Every place called ``name``, best first for this tenant."""
    gazetteer = gazetteer or Gazetteer.default()
    if tenant is None:
        return gazetteer.lookup(name)
    region = {
        "near": tenant.region_center,
        "districts": tenant.districts,
        "tenant_slug": tenant.slug,
        "near_km": tenant.region_radius_km,
    }
    if tenant.geocoder == "nominatim" and tenant.nominatim_url:
        client = nominatim or nominatim_for(tenant.nominatim_url)
        return client.lookup(name, gazetteer, **region)
    return gazetteer.lookup(name, **region)


REGION_FACTOR = 2.0


def resolve_place(
    name: str,
    tenant: TenantConfig | None,
    gazetteer: Gazetteer | None = None,
    nominatim: NominatimPlaces | None = None,
) -> Place:
    """The best place for ``name``; ``UnknownPlace`` with up to 3 suggestions otherwise."""
    gazetteer = gazetteer or Gazetteer.default()
    places = lookup_for_tenant(name, tenant, gazetteer, nominatim)
    if places:
        return places[0]
    suggestions = gazetteer.suggest(
        name,
        districts=tenant.districts if tenant else None,
        near=tenant.region_center if tenant else None,
        # Suggestions stay in the tenant's region (as far as its own places
        # win without asking, ``dialogue.flows.location.candidates``).
        within_km=tenant.region_radius_km * REGION_FACTOR if tenant else None,
    )
    raise UnknownPlace(name.strip(), suggestions)


def place_to_location(place: Place) -> Location:
    """A geopy ``Location`` whose ``raw`` is the place's fields."""
    if place.kind == "postcode" and place.postcode:
        address = f"{place.postcode} {place.name}"
    elif place.state:
        address = f"{place.name}, {place.state}"
    else:
        address = place.name
    return Location(address, Point(place.lat, place.lon), dataclasses.asdict(place))


class OfflineGeocoder(Geocoder):
    """geopy's ``Geocoder`` over the gazetteer (and a tenant's districts); no network.

    Code written against geopy (``geocode``, ``reverse``) works unchanged, and
    a test can swap in any other geopy geocoder.
    """

    def __init__(self, gazetteer: Gazetteer | None = None, tenant: TenantConfig | None = None):
        super().__init__(user_agent="ehrenamt-bot/offline")
        self._gazetteer = gazetteer
        self.tenant = tenant

    @property
    def gazetteer(self) -> Gazetteer:
        # Resolved on first use, so building a geocoder loads nothing.
        if self._gazetteer is None:
            self._gazetteer = Gazetteer.default()
        return self._gazetteer

    def geocode(
        self, query: str, *, exactly_one: bool = True, limit: int | None = None, **_: Any
    ) -> Location | list[Location] | None:
        if self.tenant is None:
            places = self.gazetteer.lookup(query)
        else:
            # Offline only: this geocoder never asks Nominatim, whatever the tenant says.
            places = self.gazetteer.lookup(
                query,
                near=self.tenant.region_center,
                districts=self.tenant.districts,
                tenant_slug=self.tenant.slug,
                near_km=self.tenant.region_radius_km,
            )
        if not places:
            return None
        if exactly_one:
            return place_to_location(places[0])
        return [place_to_location(p) for p in places[:limit]]

    def reverse(
        self, query: Any, *, exactly_one: bool = True, **_: Any
    ) -> Location | list[Location] | None:
        point = Point(query)
        place = self.gazetteer.nearest(point.latitude, point.longitude)
        if place is None:
            return None
        location = place_to_location(place)
        return location if exactly_one else [location]

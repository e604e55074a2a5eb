"""Nominatim through geopy: a tenant option (``[geocoding] provider = "nominatim"``).

Off by default; the offline gazetteer answers unless a tenant switches this on.
Requests are rate-limited to one per second (Nominatim's usage policy) and
answers are kept in a small in-memory LRU, so a name asked twice costs one
request. When the server fails, the offline gazetteer answers instead: a
person should never be told "unknown place" because a server was down.

The calls block (geopy's synchronous adapter); async callers run
``NominatimPlaces.lookup`` in a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location

from core.errors import ConfigError
from core.geo.distance import bounding_box
from core.geo.gazetteer import NEAR_KM, Gazetteer, Place
from core.geo.names import name_key

__all__ = ["MIN_DELAY_SECONDS", "NominatimPlaces", "nominatim_for"]

log = logging.getLogger(__name__)

USER_AGENT = "ehrenamt-bot/0.1"
MIN_DELAY_SECONDS = 1.0  # Nominatim usage policy: at most one request per second
CACHE_SIZE = 1024
RESULT_LIMIT = 5

_CacheKey = tuple[str, tuple[float, float] | None]


class NominatimPlaces:
    """Place lookups against one Nominatim server, with the gazetteer behind it."""

    def __init__(
        self,
        url: str,
        *,
        min_delay_seconds: float = MIN_DELAY_SECONDS,
        cache_size: int = CACHE_SIZE,
        timeout: float = 5.0,
    ) -> None:
        scheme, domain = _split_url(url)
        self.url = url
        self._geocoder = Nominatim(
            domain=domain, scheme=scheme, user_agent=USER_AGENT, timeout=timeout
        )
        # max_retries=0 and no swallowing: a failure goes straight to the
        # gazetteer instead of keeping a person waiting through retries.
        self._geocode: Callable[..., Any] = RateLimiter(
            self._geocoder.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            swallow_exceptions=False,
        )
        self._cache: OrderedDict[_CacheKey, tuple[Place, ...]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()  # lookups may come from several worker threads
        self.requests = 0  # how many requests reached the server (for tests and metrics)

    def lookup(
        self,
        name: str,
        fallback: Gazetteer,
        near: tuple[float, float] | None = None,
        districts: Mapping[str, tuple[float, float]] | None = None,
        tenant_slug: str | None = None,
        near_km: float = NEAR_KM,
    ) -> list[Place]:
        """Like ``Gazetteer.lookup``, with Nominatim asked for names.

        The tenant's districts and postcodes stay offline: the tenant's own
        list is authoritative, and postcode centroids need no server.
        """
        offline = fallback.lookup(
            name, near=near, districts=districts, tenant_slug=tenant_slug, near_km=near_km
        )
        if offline and offline[0].kind in ("district", "postcode"):
            return offline
        try:
            found = self.search(name, near=near, radius_km=near_km)
        except GeopyError as exc:
            log.warning("Nominatim at %s failed (%s); answering offline", self.url, exc)
            return offline
        return found or offline

    def search(
        self, name: str, near: tuple[float, float] | None = None, radius_km: float = NEAR_KM
    ) -> list[Place]:
        """Nominatim's answer for a name in Germany, biased towards ``near``; cached."""
        key: _CacheKey = (name_key(name), near)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return list(self._cache[key])
        params: dict[str, Any] = {
            "exactly_one": False,
            "limit": RESULT_LIMIT,
            "country_codes": "de",
            "language": "de",
        }
        if near is not None:
            min_lat, max_lat, min_lon, max_lon = bounding_box(near[0], near[1], radius_km)
            params["viewbox"] = [(min_lat, min_lon), (max_lat, max_lon)]
            params["bounded"] = False  # prefer the region, still find places beyond it
        with self._lock:
            # Under the lock, so the rate limit holds across threads.
            self.requests += 1
            locations = self._geocode(name.strip(), **params) or []
            places = tuple(_to_place(location) for location in locations)
            self._cache[key] = places
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return list(places)


@functools.cache
def nominatim_for(url: str) -> NominatimPlaces:
    """One client per server and process, so the rate limit and cache are shared."""
    return NominatimPlaces(url)


def _split_url(url: str) -> tuple[str, str]:
    """``("https", "nominatim.example.org/sub")`` from a tenant's ``nominatim_url``."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"nominatim_url {url!r} is not an http(s) URL")
    return parts.scheme, parts.netloc + parts.path.rstrip("/")


def _to_place(location: Location) -> Place:
    raw = location.raw if isinstance(location.raw, dict) else {}
    name = raw.get("name") or location.address.split(",")[0].strip()
    return Place(
        name=name,
        lat=float(location.latitude),
        lon=float(location.longitude),
        kind="place",
        source="nominatim",
    )

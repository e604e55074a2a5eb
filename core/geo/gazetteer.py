"""The offline gazetteer: German places and postcode centroids from ``data/gazetteer``.

Loaded once per process on first use (``Gazetteer.default()``), never at import.
Names are compared by ``name_key`` (case-, umlaut-, ß- and hyphen-insensitive);
a tenant's own districts are passed in per call and rank before everything else.
"""

from __future__ import annotations

import functools
import gzip
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from core.geo.distance import distance_km
from core.geo.names import name_key

__all__ = ["DATA_DIR", "Gazetteer", "Mention", "Place"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "gazetteer"
PLACES_FILE = DATA_DIR / "places.tsv.gz"
COMMON_WORDS_FILE = DATA_DIR / "common_words.txt"

# A place this close to the caller's point counts as "near" (a tenant's region
# is 10-25 km across; 30 km keeps the neighbouring towns in).
NEAR_KM = 30.0
# Reverse geocoding gives up beyond this: the point is at sea or abroad.
NEAREST_MAX_KM = 30.0
# A capitalised name of a town this large is taken as a place mention even
# without a preposition; smaller places need "in"/"bei"/... in front.
SIGNIFICANT_POPULATION = 10_000
# A tenant district named with its town ("Aachen Burtscheid") is the district
# when the town lies this close to it (Aachen's outer districts are ~10 km
# from its centre); a town farther away is not the district's town.
TOWN_KM = 15.0
MIN_SUGGESTION_SCORE = 70.0
# Words after which a following name is most likely a place ("in Brand",
# "nahe Forst", "im Raum Aachen", "Richtung Köln"). Keys, so "Nähe" is "naehe".
PREPOSITIONS = frozenset(
    {"in", "im", "bei", "beim", "aus", "nahe", "naehe", "um", "nach", "von", "vom"}
    | {"zwischen", "raum", "richtung", "ab", "bis", "ort", "wohnort"}
)
_WORD = re.compile(r"\w+")
# What may stand between two words of one place name: "Aachen-Brand",
# "St. Augustin", "Frankfurt/Main", "Halle (Saale)". A comma ends a name.
_NAME_GAP = re.compile(r"[ \t\-/.()]{1,3}")
_POSTCODE = re.compile(r"^\s*(\d{5})(?!\d)\s*(.*)$")
_GRID_DEG = 0.5  # nearest(): 0.5° cells are wider than NEAREST_MAX_KM in Germany

Mention = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float
    kind: str  # "place" | "postcode" | "district"
    source: str  # "gazetteer" | "tenant:<slug>" | "nominatim"
    postcode: str | None = None
    population: int | None = None
    state: str | None = None

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)


@dataclass(frozen=True, slots=True)
class _Hit:
    place: Place
    primary: bool  # matched the place's own name, not an alternate one


@dataclass(frozen=True, slots=True)
class _MentionInfo:
    significant: bool  # the own name of a town of SIGNIFICANT_POPULATION or more


class Gazetteer:
    """Places by name key, postcodes by code, and a coarse grid for reverse lookups."""

    def __init__(
        self,
        entries: Iterable[tuple[Place, Sequence[str]]],
        common_words: Iterable[str] = (),
    ) -> None:
        """``entries`` are places with their alternate names (postcodes: none)."""
        self._by_key: dict[str, list[_Hit]] = {}
        self._postcodes: dict[str, Place] = {}
        self._places: list[Place] = []
        for place, alternates in entries:
            if place.kind == "postcode" and place.postcode:
                self._postcodes[place.postcode] = place
            else:
                self._add_place(place, alternates)
        self._common = frozenset(name_key(w) for w in common_words)
        self._grid: dict[tuple[int, int], list[Place]] | None = None
        self._mentions: dict[str, _MentionInfo] | None = None
        self._max_words = 1
        self._suggestions: tuple[list[str], list[Place]] | None = None

    def _add_place(self, place: Place, alternates: Sequence[str]) -> None:
        self._places.append(place)
        own = name_key(place.name)
        seen = {own}
        self._by_key.setdefault(own, []).append(_Hit(place, primary=True))
        for alternate in alternates:
            key = name_key(alternate)
            if key and key not in seen:
                seen.add(key)
                # An alternate that is the own name minus a qualifier ("Halle"
                # for "Halle (Saale)") is as good as the own name.
                short = own.startswith(key + " ")
                self._by_key.setdefault(key, []).append(_Hit(place, primary=short))

    # -- loading -------------------------------------------------------------

    @classmethod
    def default(cls) -> Gazetteer:
        """The shipped gazetteer, loaded on first call and shared by the process."""
        return _default_gazetteer()

    @classmethod
    def load(cls, places_file: Path, common_words_file: Path | None = None) -> Gazetteer:
        words = _read_common_words(common_words_file) if common_words_file else []
        return cls(_read_places(places_file), words)

    def __len__(self) -> int:
        return len(self._places) + len(self._postcodes)

    # -- forward lookup ------------------------------------------------------

    def lookup(
        self,
        name: str,
        near: tuple[float, float] | None = None,
        districts: Mapping[str, tuple[float, float]] | None = None,
        tenant_slug: str | None = None,
        near_km: float = NEAR_KM,
    ) -> list[Place]:
        """Places called ``name``, best first.

        Order: the tenant's districts; then places within ``near_km`` of ``near``;
        then own names before alternate names ("Aken" is Aken (Elbe) before it is
        Aachen); then the larger place. A postcode ("52062", "52062 Aachen")
        gives its centroid. A tenant district named with its town ("Aachen
        Burtscheid", "Aachen-Burtscheid", "Burtscheid Aachen") is the district.
        """
        match = _POSTCODE.match(name)
        if match:
            place = self._postcodes.get(match.group(1))
            if place is not None:
                return [place]
            name = match.group(2)  # unknown code: the name after it may still be known
        key = name_key(name)
        if not key:
            return []
        found = _matching_districts(key, districts, tenant_slug)
        hits = self._by_key.get(key, [])
        found.extend(h.place for h in sorted(hits, key=lambda h: _rank(h, near, near_km)))
        if not found and districts and " " in key:
            found = self._district_with_town(key, districts, tenant_slug)
        return found

    def _district_with_town(
        self, key: str, districts: Mapping[str, tuple[float, float]], tenant_slug: str | None
    ) -> list[Place]:
        """The tenant district a name key gives with its town before or after
        it ("aachen burtscheid", "burtscheid aachen"); [] when there is none
        or the town is not within ``TOWN_KM`` of it."""
        words = key.split()
        for cut in range(1, len(words)):
            head, tail = " ".join(words[:cut]), " ".join(words[cut:])
            for town, part in ((head, tail), (tail, head)):
                towns = [h.place.point for h in self._by_key.get(town, ())]
                near = [
                    d
                    for d in _matching_districts(part, districts, tenant_slug)
                    if any(distance_km(d.point, t) <= TOWN_KM for t in towns)
                ]
                if near:
                    return near
        return []

    def postcode(self, code: str) -> Place | None:
        return self._postcodes.get(code.strip())

    # -- suggestions ---------------------------------------------------------

    def suggest(
        self,
        name: str,
        limit: int = 3,
        districts: Mapping[str, tuple[float, float]] | None = None,
        near: tuple[float, float] | None = None,
        within_km: float | None = None,
    ) -> list[str]:
        """Up to ``limit`` known names close to an unknown one ("Aahcen" -> "Aachen").

        Similar spellings are ranked by similarity, nudged towards the tenant's
        districts, places near ``near`` and larger towns, so a typo of a
        neighbouring town beats an equally close hamlet far away. With
        ``within_km`` only places that near ``near`` are suggested (a tenant's
        region: "nein" must not suggest a village at the other end of Germany).
        """
        key = name_key(name)
        if not key or limit <= 0:
            return []
        keys, places = self._suggestion_choices()
        scored: dict[str, float] = {}
        for district, point in (districts or {}).items():
            score = fuzz.ratio(key, name_key(district))
            if score >= MIN_SUGGESTION_SCORE:
                bonus = 6.0 + (4.0 if near and distance_km(near, point) <= NEAR_KM else 0.0)
                scored[district] = max(scored.get(district, 0.0), score + bonus)
        # In a region most similar names lie outside it: look further down the list.
        pool = 25 if within_km is None else 400
        for _, score, index in process.extract(
            key, keys, scorer=fuzz.ratio, limit=pool, score_cutoff=MIN_SUGGESTION_SCORE
        ):
            place = places[index]
            if within_km is not None and near is not None:
                if distance_km(near, place.point) > within_km:
                    continue
            total = score + _suggestion_bonus(place, near)
            scored[place.name] = max(scored.get(place.name, 0.0), total)
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
        return [label for label, _ in ranked[:limit]]

    def _suggestion_choices(self) -> tuple[list[str], list[Place]]:
        # One choice per key, labelled with the largest place of that key.
        if self._suggestions is None:
            keys: list[str] = []
            places: list[Place] = []
            for key, hits in self._by_key.items():
                keys.append(key)
                places.append(max(hits, key=lambda h: (h.primary, h.place.population or 0)).place)
            self._suggestions = (keys, places)
        return self._suggestions

    # -- mentions in free text -----------------------------------------------

    def find_mentions(
        self, text: str, districts: Mapping[str, tuple[float, float]] | None = None
    ) -> list[Mention]:
        """``(start, end, as_written)`` for each place name or postcode in ``text``.

        German capitalises every noun, so a capitalised word proves nothing.
        A name is taken when it follows a preposition ("in", "bei", "aus", ...)
        or a postcode, or when it is a tenant district, or when it is the own
        name of a sizeable town written capitalised. Names that are everyday
        words ("Brand", "Essen", "Forst", see ``common_words.txt``) need both a
        capital and a preposition unless they are a tenant district. A tenant
        district typed alone is one in any case ("forst"). A postcode
        followed by a name is one mention ("52062 Aachen").
        """
        mentions = self._mention_index()
        district_keys = _keys_of(tuple(districts or ()))
        words = [(m.start(), m.end(), name_key(m.group())) for m in _WORD.finditer(text)]
        found: list[Mention] = []
        i = 0
        while i < len(words):
            start, end, key = words[i]
            if len(key) == 5 and key.isdigit() and key in self._postcodes:
                span_end, i = self._extend_after_postcode(
                    text, words, i + 1, mentions, district_keys
                )
                found.append((start, max(end, span_end), text[start : max(end, span_end)]))
                continue
            after = _after_preposition(text, words, i)
            length = self._match_at(text, words, i, mentions, district_keys, after)
            if length:
                span_end = _close_bracket(text, start, words[i + length - 1][1])
                found.append((start, span_end, text[start:span_end]))
                i += length
            else:
                i += 1
        return self._join_town_and_district(text, found, districts)

    def _join_town_and_district(
        self,
        text: str,
        found: list[Mention],
        districts: Mapping[str, tuple[float, float]] | None,
    ) -> list[Mention]:
        """Two mentions side by side that are a town and its district ("in
        Aachen Burtscheid", "Aachen-Brand") are one: the district's."""
        if not districts or len(found) < 2:
            return found
        joined: list[Mention] = []
        for mention in found:
            if joined:
                start, end, written = joined[-1]
                whole = text[start : mention[1]]
                if (
                    not written[:1].isdigit()
                    and _NAME_GAP.fullmatch(text, end, mention[0])
                    and self._district_with_town(name_key(whole), districts, None)
                ):
                    joined[-1] = (start, mention[1], whole)
                    continue
            joined.append(mention)
        return joined

    def _extend_after_postcode(
        self,
        text: str,
        words: list[tuple[int, int, str]],
        i: int,
        mentions: dict[str, _MentionInfo],
        district_keys: set[str],
    ) -> tuple[int, int]:
        """A name right after a postcode belongs to it; returns (span end, next word)."""
        if i < len(words) and text[words[i - 1][1] : words[i][0]].strip() == "":
            length = self._match_at(text, words, i, mentions, district_keys, after=True)
            if length:
                return words[i + length - 1][1], i + length
        return words[i - 1][1], i

    def _match_at(
        self,
        text: str,
        words: list[tuple[int, int, str]],
        i: int,
        mentions: dict[str, _MentionInfo],
        district_keys: set[str],
        after: bool,
    ) -> int:
        """Number of words of the longest acceptable name starting at word ``i`` (0: none)."""
        longest = min(max(self._max_words, 1), len(words) - i)
        for length in range(longest, 0, -1):
            if length > 1 and not _joined(text, words, i, length):
                continue
            key = " ".join(w[2] for w in words[i : i + length])
            if len(key) < 3 or (key not in mentions and key not in district_keys):
                continue
            capital = text[words[i][0]].isupper()
            if key in district_keys:
                # A district typed alone is the place, whatever its case ("forst").
                alone = i == 0 and length == len(words)
                accepted = capital or after or alone
            elif key in self._common:
                accepted = capital and after
            else:
                accepted = after or (capital and mentions[key].significant)
            if accepted:
                return length
        return 0

    def _mention_index(self) -> dict[str, _MentionInfo]:
        if self._mentions is None:
            index: dict[str, _MentionInfo] = {}
            for key, hits in self._by_key.items():
                if key.isdigit():
                    continue
                significant = any(
                    h.primary and (h.place.population or 0) >= SIGNIFICANT_POPULATION for h in hits
                )
                index[key] = _MentionInfo(significant=significant)
                self._max_words = max(self._max_words, key.count(" ") + 1)
            self._mentions = index
        return self._mentions

    def places_near(
        self, center: tuple[float, float], radius_km: float, limit: int = 300
    ) -> list[Place]:
        """Named places (not postcodes) within ``radius_km``, the most populous
        first, leaving out names that are ordinary words ("Brand", "Forst"):
        a lookup list for an NLU that matches names anywhere in a text."""
        near = [
            p
            for p in self._places
            if name_key(p.name) not in self._common and distance_km(center, p.point) <= radius_km
        ]
        near.sort(key=lambda p: (-(p.population or 0), distance_km(center, p.point)))
        return near[:limit]

    # -- reverse lookup ------------------------------------------------------

    def nearest(self, lat: float, lon: float) -> Place | None:
        """The nearest place, or None beyond ``NEAREST_MAX_KM`` (at sea, abroad)."""
        grid = self._grid_index()
        row, col = _cell(lat, lon)
        best: Place | None = None
        best_km = NEAREST_MAX_KM
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for place in grid.get((row + dr, col + dc), ()):
                    km = distance_km((lat, lon), (place.lat, place.lon))
                    if km <= best_km:
                        best, best_km = place, km
        return best

    def _grid_index(self) -> dict[tuple[int, int], list[Place]]:
        if self._grid is None:
            grid: dict[tuple[int, int], list[Place]] = {}
            for place in self._places:
                grid.setdefault(_cell(place.lat, place.lon), []).append(place)
            self._grid = grid
        return self._grid


# -- module helpers (pure) -----------------------------------------------------


@functools.cache
def _default_gazetteer() -> Gazetteer:
    return Gazetteer.load(PLACES_FILE, COMMON_WORDS_FILE)


def _read_places(path: Path) -> list[tuple[Place, Sequence[str]]]:
    entries: list[tuple[Place, Sequence[str]]] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            kind, name, lat, lon, postcode, population, state, alternates = line.rstrip("\n").split(
                "\t"
            )
            place = Place(
                name=name,
                lat=float(lat),
                lon=float(lon),
                kind=kind,
                source="gazetteer",
                postcode=postcode or None,
                population=int(population) if population else None,
                state=state or None,
            )
            entries.append((place, alternates.split("|") if alternates else ()))
    return entries


def _read_common_words(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _matching_districts(
    key: str, districts: Mapping[str, tuple[float, float]] | None, tenant_slug: str | None
) -> list[Place]:
    source = f"tenant:{tenant_slug}" if tenant_slug else "tenant"
    return [
        Place(name=name, lat=lat, lon=lon, kind="district", source=source)
        for name, (lat, lon) in (districts or {}).items()
        if name_key(name) == key
    ]


def _rank(
    hit: _Hit, near: tuple[float, float] | None, near_km: float
) -> tuple[bool, bool, int, float]:
    km = distance_km(near, hit.place.point) if near else 0.0
    is_near = near is not None and km <= near_km
    return (not is_near, not hit.primary, -(hit.place.population or 0), km)


def _suggestion_bonus(place: Place, near: tuple[float, float] | None) -> float:
    # At most ~6 points for a city of a million, 4 for being nearby: enough
    # to order equally similar names, never enough to beat a clearly better one.
    bonus = math.log10((place.population or 0) + 1)
    if near and distance_km(near, place.point) <= NEAR_KM:
        bonus += 4.0
    return bonus


def _joined(text: str, words: list[tuple[int, int, str]], i: int, length: int) -> bool:
    """True when words i..i+length-1 are separated only by name gaps (no comma)."""
    for j in range(i, i + length - 1):
        if not _NAME_GAP.fullmatch(text, words[j][1], words[j + 1][0]):
            return False
    return True


def _close_bracket(text: str, start: int, end: int) -> int:
    """Take in the ")" of "Halle (Saale)", which the word match stops before."""
    if text.count("(", start, end) > text.count(")", start, end) and text.startswith(")", end):
        return end + 1
    return end


def _after_preposition(text: str, words: list[tuple[int, int, str]], i: int) -> bool:
    if i == 0 or words[i - 1][2] not in PREPOSITIONS:
        return False
    return text[words[i - 1][1] : words[i][0]].isspace()


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / _GRID_DEG), math.floor(lon / _GRID_DEG))


@functools.lru_cache(maxsize=64)
def _keys_of(names: tuple[str, ...]) -> frozenset[str]:
    """The name keys of a tenant's districts: the same few names on every parse."""
    return frozenset(name_key(n) for n in names)

"""The built-in NLU: trained from ``data/nlu/<lang>.yml`` at start-up.

``NLU.train()`` reads the training data and the taxonomy and builds, per
language, an intent classifier and a vocabulary matcher; everything else is
rules. ``parse()`` never raises on what a person can type.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.taxonomy import Taxonomy
from dialogue.nlu import training_data
from dialogue.nlu.extractors.availability import extract_availability
from dialogue.nlu.extractors.dates import extract_dates
from dialogue.nlu.extractors.quantities import (
    extract_counts,
    extract_durations,
    extract_postcodes,
    extract_radius,
    extract_urgency,
)
from dialogue.nlu.extractors.times import extract_times
from dialogue.nlu.extractors.vocabulary import VocabularyMatcher
from dialogue.nlu.extractors.weekdays import extract_dayparts, extract_weekdays
from dialogue.nlu.intent_classifier import OUT_OF_SCOPE, IntentClassifier, mask_entities
from dialogue.nlu.places import PlaceFinder, gazetteer_finder, lookup_finder
from dialogue.nlu.result import Entity, ParseResult
from dialogue.nlu.text import clean, tokenize

log = logging.getLogger(__name__)

# Below this the engine should ask back ("Meintest du …?") instead of acting.
LOW_CONFIDENCE = 0.5
MAX_TEXT = 4096
# Entities that are specific beat generic ones when spans overlap: a date
# "5.12." is not also a time, "Brand" found as a category is not a place.
_PRIORITY = (
    "date", "postcode", "radius_km", "count", "duration", "time", "qualification",
    "category", "language", "weekday", "daypart", "urgency", "place",
)  # fmt: skip


# Entities that answer a form's "how far?" or "when?": an intent never seen
# with one of them in training (greet, goodbye, thank, export_data, ...) is
# unlikely when the text carries one ("höchstens 5 km von zuhause" is no farewell).
_ANSWER_ENTITIES = frozenset({"radius_km", "weekday", "daypart", "time"})
# How much such an intent's confidence keeps.
_WITHOUT_ANSWER_ENTITY = 0.1


@dataclass(slots=True)
class _LanguageModel:
    classifier: IntentClassifier
    vocabulary: VocabularyMatcher
    postcode_patterns: list[str]
    place_names: list[str]
    # Per intent, the answer entities its training examples carry.
    answers: dict[str, frozenset[str]]
    # Per intent, the words its training examples use (folded), and their
    # beginnings (``SAYS_PREFIX`` letters): what a text must share to say it.
    intent_words: dict[str, frozenset[str]]


class NLU:
    def __init__(
        self,
        models: dict[str, _LanguageModel],
        place_finder: PlaceFinder | None,
        training_seconds: float,
    ) -> None:
        self._models = models
        self._place_finder = place_finder
        self.training_seconds = training_seconds

    def says(self, text: str, intent: str, lang: str = "de") -> bool:
        """Whether a word of ``text`` is one the intent's examples use, or
        begins as one does ("exportiern"): the classifier also guesses from
        letters ("Bücher sortieren" is close to "exportieren"), this is
        whether the words say it. True for an intent without examples."""
        model = self._models.get(lang) or next(iter(self._models.values()))
        known = model.intent_words.get(intent)
        if not known:
            return True
        return any(
            t.norm in known or (len(t.norm) >= SAYS_PREFIX and t.norm[:SAYS_PREFIX] in known)
            for t in tokenize(text)
        )

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._models)

    @classmethod
    def train(
        cls,
        data_dir: Path | None = None,
        languages: Sequence[str] = ("de", "en"),
        place_finder: PlaceFinder | None = None,
        taxonomy: Taxonomy | None = None,
    ) -> NLU:
        started = time.perf_counter()
        folder = data_dir or training_data.DEFAULT_DATA_DIR
        taxonomy = taxonomy or Taxonomy.load()
        models: dict[str, _LanguageModel] = {}
        for lang in languages:
            data = training_data.load(folder / f"{lang}.yml", lang)
            classifier = IntentClassifier.train(
                (mask_entities(e.text, ((x.start, x.end, x.entity) for x in e.entities)), e.intent)
                for e in data.examples
            )
            vocabulary = VocabularyMatcher.build(
                taxonomy, lang, data.synonyms, _ordinary_words(data)
            )
            models[lang] = _LanguageModel(
                classifier,
                vocabulary,
                data.regexes.get("postcode", []),
                data.lookups.get("place", []),
                _answer_entities(data),
                _intent_words(data),
            )
        finder = place_finder or gazetteer_finder()
        if finder is None:
            names = [n for m in models.values() for n in m.place_names]
            finder = lookup_finder(names)
        seconds = time.perf_counter() - started
        log.info("NLU trained for %s in %.3f s", ",".join(languages), seconds)
        return cls(models, finder, seconds)

    def parse(
        self,
        text: str,
        lang: str = "de",
        now: datetime | None = None,
        tz: str = "Europe/Berlin",
        districts: Mapping[str, tuple[float, float]] | None = None,
    ) -> ParseResult:
        original = text if isinstance(text, str) else str(text)
        model = self._models.get(lang) or next(iter(self._models.values()))
        work = clean(original[:MAX_TEXT])
        if not any(t.norm for t in tokenize(work)):
            return _nothing(original, model.classifier.intents)
        local_now = _local_now(now, tz)
        entities = self._entities(work, model, local_now, districts)
        masked = mask_entities(work, ((e.start, e.end, e.entity) for e in entities))
        ranking = _weigh_answers(model.classifier.rank(masked), entities, model.answers)
        intent, confidence = ranking[0]
        entities = _as_skills(entities, model, intent)
        dates = [e for e in entities if e.entity == "date"]
        availability, spontaneous = extract_availability(work, dates)
        return ParseResult(
            text=original,
            intent=intent,
            confidence=confidence,
            entities=tuple(entities),
            availability=availability,
            spontaneous=spontaneous,
            ranking=tuple(ranking[:10]),
        )

    def _entities(
        self,
        text: str,
        model: _LanguageModel,
        now: datetime,
        districts: Mapping[str, tuple[float, float]] | None,
    ) -> list[Entity]:
        found: list[Entity] = []
        found += extract_dates(text, now)
        found += extract_times(text)
        found += extract_postcodes(text, model.postcode_patterns)
        found += extract_radius(text)
        found += extract_counts(text)
        found += extract_durations(text)
        found += extract_urgency(text)
        found += extract_weekdays(text)
        found += extract_dayparts(text)
        found += model.vocabulary.extract(text)
        found += self._places(text, districts)
        known = model.vocabulary.knows
        return _resolve_overlaps(found, districts, lambda e: not known(text[e.start : e.end]))

    def _places(
        self, text: str, districts: Mapping[str, tuple[float, float]] | None
    ) -> list[Entity]:
        if self._place_finder is None:
            return []
        try:
            mentions = self._place_finder(text, districts)
        except Exception:  # a broken gazetteer must not break the conversation
            log.exception("place finder failed")
            return []
        return [
            Entity("place", name, start, end)
            for start, end, name in mentions
            if not name.strip().isdigit()
        ]


SAYS_PREFIX = 5  # letters a word's form shares with its example ("exportiern")


def _intent_words(data: training_data.TrainingData) -> dict[str, frozenset[str]]:
    words: dict[str, set[str]] = {}
    for example in data.examples:
        annotated = [(e.start, e.end) for e in example.entities]
        known = words.setdefault(example.intent, set())
        for tok in tokenize(example.text):
            if not any(s <= tok.start < t for s, t in annotated):
                known.add(tok.norm)
                if len(tok.norm) >= SAYS_PREFIX:
                    known.add(tok.norm[:SAYS_PREFIX])
    return {intent: frozenset(w) for intent, w in words.items()}


def _answer_entities(data: training_data.TrainingData) -> dict[str, frozenset[str]]:
    carried: dict[str, set[str]] = {}
    for example in data.examples:
        kinds = {e.entity for e in example.entities} & _ANSWER_ENTITIES
        carried.setdefault(example.intent, set()).update(kinds)
    return {intent: frozenset(kinds) for intent, kinds in carried.items()}


def _weigh_answers(
    ranking: list[tuple[str, float]],
    entities: Sequence[Entity],
    answers: Mapping[str, frozenset[str]],
) -> list[tuple[str, float]]:
    """Damp the intents never seen with the time or radius entities the text
    carries; confidences are renormalised and the ranking re-sorted."""
    present = {e.entity for e in entities} & _ANSWER_ENTITIES
    if not present:
        return ranking
    weighed = [
        (name, p if answers.get(name, frozenset()) & present else p * _WITHOUT_ANSWER_ENTITY)
        for name, p in ranking
    ]
    total = sum(p for _, p in weighed) or 1.0
    return sorted(((name, p / total) for name, p in weighed), key=lambda x: -x[1])


def _as_skills(entities: list[Entity], model: _LanguageModel, intent: str) -> list[Entity]:
    if intent in ("find_engagement", "inform", "post_need", "post_offer", "edit_profile") and any(
        e.entity == "qualification" for e in entities
    ):
        # Among other skills, a language is one more skill ("Erzieherin, Türkisch").
        return model.vocabulary.language_entities_as_skills(entities)
    return entities


# Entities a word of a place's name may give ("Frankenberger Viertel":
# "Viertel", a Nachbarschaft; "Kinderhaus": a compound of "Kinder").
_WORDS_IN_PLACES = frozenset({"category", "qualification", "language"})


def _place_named(
    place: Entity,
    entities: Sequence[Entity],
    districts: frozenset[str],
    guessed: Callable[[Entity], bool],
) -> bool:
    """Whether a place found holds a topic's word that it is named by: the
    place wins when it is a tenant district, longer than the word, or the
    word only a typo's guess ("Wadern" is a town, not "Waden")."""
    district = " ".join(place.value.casefold().split()) in districts
    return any(
        e.entity in _WORDS_IN_PLACES
        and place.start <= e.start
        and e.end <= place.end
        and (district or e.end - e.start < place.end - place.start or guessed(e))
        for e in entities
    )


def _resolve_overlaps(
    entities: list[Entity],
    districts: Mapping[str, tuple[float, float]] | None = None,
    guessed: Callable[[Entity], bool] = lambda e: False,
) -> list[Entity]:
    """``guessed``: whether a word's entity is a typo's guess (fuzzy)."""
    rank: dict[str, float] = {name: i for i, name in enumerate(_PRIORITY)}
    keys = frozenset(" ".join(d.casefold().split()) for d in districts or ())
    named = {
        id(e) for e in entities if e.entity == "place" and _place_named(e, entities, keys, guessed)
    }

    def order(e: Entity) -> tuple[float, int]:
        # A place named in full comes before the words of its name, after
        # the times and quantities.
        at = rank["time"] + 0.5 if id(e) in named else rank.get(e.entity, 99)
        return (at, -(e.end - e.start))

    ordered = sorted(entities, key=order)
    # A compound ("Mittwochabend") is a weekday and a daypart over the same
    # span; both stay, and its daypart stays inside a date ("nächsten Mittwochabend").
    compounds = {(e.start, e.end) for e in entities if e.entity == "weekday"} & {
        (e.start, e.end) for e in entities if e.entity == "daypart"
    }
    kept: list[Entity] = []
    for e in ordered:
        clash = any(
            k.start < e.end and e.start < k.end and not _shares(k, e, compounds) for k in kept
        )
        if not clash:
            kept.append(e)
    return sorted(set(kept), key=lambda e: (e.start, e.entity, e.value))


def _shares(kept: Entity, new: Entity, compounds: set[tuple[int, int]]) -> bool:
    """Whether ``new`` may overlap ``kept``: the two halves of one compound,
    or the two days of "dieses Wochenende"."""
    if new.entity == kept.entity == "date" and (new.start, new.end) == (kept.start, kept.end):
        return True
    if (new.start, new.end) not in compounds or new.entity != "daypart":
        return False
    same = (kept.start, kept.end) == (new.start, new.end) and kept.entity == "weekday"
    inside_date = kept.entity == "date" and kept.start <= new.start and new.end <= kept.end
    return same or inside_date


def _ordinary_words(data: training_data.TrainingData) -> set[str]:
    words: set[str] = set()
    for example in data.examples:
        annotated = [(e.start, e.end) for e in example.entities]
        for tok in tokenize(example.text):
            if not any(s <= tok.start < t for s, t in annotated):
                words.add(tok.norm)
    return words


def _local_now(now: datetime | None, tz: str) -> datetime:
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = ZoneInfo("Europe/Berlin")
    if now is None:
        # The NLU sits in dialogue, not core; callers pass the engine's clock.
        return datetime.now(zone)
    return now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)


def _nothing(text: str, intents: list[str]) -> ParseResult:
    others = [i for i in intents if i != OUT_OF_SCOPE]
    share = 0.5 / max(len(others), 1)
    ranking = ((OUT_OF_SCOPE, 0.5), *((i, share) for i in others))
    return ParseResult(text, OUT_OF_SCOPE, 0.5, ranking=ranking[:10])

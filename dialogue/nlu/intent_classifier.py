"""Intent classification: character n-grams and words, multinomial naive Bayes.

Why naive Bayes and not logistic regression: training is one counting pass,
so both languages train in well under a second in pure Python (no numpy,
start-up stays fast), and on a few hundred short examples per language it is
as accurate as a linear model trained by SGD. Its raw posteriors are far too
sure of themselves, so the confidence is a softmax over the *per-feature*
log-likelihood, scaled by a temperature, and damped when most of the text's
features were never seen in training (gibberish, another script, emoji).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from dialogue.nlu.text import fold

OUT_OF_SCOPE = "out_of_scope"
_SMOOTHING = 0.1
# Sharpens the per-feature average into a usable confidence; chosen so that
# correct held-out predictions mostly land above LOW_CONFIDENCE and
# confusions below it.
_TEMPERATURE = 3.0
_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_DIGIT = re.compile(r"\d")
_PLACEHOLDER = "ent_"
# At prediction time a feature counts this many times by its kind (training
# counts stay binary): a short answer as a whole ("ja bitte", "in __place__")
# and a whole word say more than each of the dozen character n-grams a word
# also yields, which are there for typos and word forms. Chosen by 5-fold
# cross-validation on the training data (de 0.750 -> 0.763).
_WEIGHTS = {"s:": 3.0, "w:": 2.0}


def mask_entities(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """The text with each entity replaced by its type ("in __place__").

    The classifier then learns that a bare category or place is an answer
    ("inform") whichever category or place it is, and training examples with
    annotations teach the same as parsed texts with extracted entities.
    """
    out: list[str] = []
    pos = 0
    last: tuple[int, int] | None = None
    # Several entities on one span ("Mittwochabend": weekday and daypart) each
    # get a placeholder, the weekday first as in "Mittwoch abends".
    for start, end, name in sorted(spans, key=lambda s: (s[0], s[1], s[2] != "weekday", s[2])):
        if (start, end) == last:
            if not out[-1].endswith(f"{_PLACEHOLDER}{name} "):
                out.append(f"{_PLACEHOLDER}{name} ")
            continue
        if start < pos:
            continue
        out += [text[pos:start], f" {_PLACEHOLDER}{name} "]
        pos = end
        last = (start, end)
    out.append(text[pos:])
    return "".join(out)


def features(text: str) -> list[str]:
    """Words, word pairs and character 3-5-grams of each word (digits as 0)."""
    norm = _DIGIT.sub("0", fold(text))
    words = _WORD.findall(norm)
    feats = [f"w:{w}" for w in words]
    feats += [f"b:{a}_{b}" for a, b in pairwise(words)]
    for word in words:
        if word.startswith(_PLACEHOLDER):
            continue  # the spelling of a placeholder carries no signal
        padded = f" {word} "
        for n in (3, 4, 5):
            feats += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    if words:
        # How a sentence opens ("wir ...", "zeig ...", "wie ...") marks its kind.
        feats.append("f:" + words[0])
    if len(words) <= 2:
        # Short answers ("ja", "nö", "mehr") are whole-utterance signals.
        feats.append("s:" + " ".join(words))
    return feats


@dataclass(slots=True)
class IntentClassifier:
    """Naive Bayes stored sparsely: a per-intent base row for "feature seen, but
    not with this intent", plus the few intents each feature was seen with.
    Training and prediction then cost the non-zero counts, not features x intents.
    Each feature's row is stored already multiplied by its weight, beside the weight."""

    intents: list[str]
    log_prior: list[float]
    log_unseen: list[float]
    boosts: dict[str, tuple[float, tuple[tuple[int, float], ...]]]

    @classmethod
    def train(cls, examples: Iterable[tuple[str, str]]) -> IntentClassifier:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        per_intent: Counter[str] = Counter()
        for text, intent in examples:
            per_intent[intent] += 1
            # Binary counts: a word repeated in one example says no more.
            counts[intent].update(set(features(text)))
        intents = sorted(per_intent)
        index = {name: i for i, name in enumerate(intents)}
        vocabulary_size = len(set().union(*counts.values())) if counts else 0
        total = sum(per_intent.values())
        log_prior = [math.log(per_intent[i] / total) for i in intents]
        log_den = [
            math.log(sum(counts[i].values()) + _SMOOTHING * (vocabulary_size + 1)) for i in intents
        ]
        log_unseen = [math.log(_SMOOTHING) - ld for ld in log_den]
        by_feature: dict[str, list[tuple[int, float]]] = defaultdict(list)
        log_smoothing = math.log(_SMOOTHING)
        for intent, counter in counts.items():
            i = index[intent]
            for feature, n in counter.items():
                by_feature[feature].append((i, math.log(n + _SMOOTHING) - log_smoothing))
        boosts = {}
        for feature, row in by_feature.items():
            weight = _WEIGHTS.get(feature[:2], 1.0)
            boosts[feature] = (weight, tuple((i, b * weight) for i, b in row))
        return cls(intents, log_prior, log_unseen, boosts)

    def rank(self, text: str) -> list[tuple[str, float]]:
        """All intents with a confidence each, best first; the confidences sum to 1."""
        feats = features(text)
        boosts = self.boosts
        evidence = [0.0] * len(self.intents)
        n = 0.0  # the weighted number of known features
        known = 0
        for feature in feats:
            entry = boosts.get(feature)
            if entry is None:
                continue
            known += 1
            n += entry[0]
            for i, boost in entry[1]:
                evidence[i] += boost
        if not known:
            return self._unknown()
        scores = [
            (e + p + n * u) / n * _TEMPERATURE
            for e, p, u in zip(evidence, self.log_prior, self.log_unseen, strict=True)
        ]
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        z = sum(exp)
        probs = [e / z for e in exp]
        coverage = known / len(feats)
        if coverage < 0.5 and OUT_OF_SCOPE in self.intents:
            # Mostly unknown material: move the mass towards out_of_scope.
            damp = coverage / 0.5
            probs = [p * damp for p in probs]
            probs[self.intents.index(OUT_OF_SCOPE)] += 1 - damp
        return sorted(zip(self.intents, probs, strict=True), key=lambda x: -x[1])

    def _unknown(self) -> list[tuple[str, float]]:
        if OUT_OF_SCOPE not in self.intents:
            return [(i, 1 / len(self.intents)) for i in self.intents]
        rest = [i for i in self.intents if i != OUT_OF_SCOPE]
        share = 0.5 / max(len(rest), 1)
        return [(OUT_OF_SCOPE, 0.5), *((i, share) for i in rest)]

    def predict(self, text: str) -> tuple[str, float]:
        return self.rank(text)[0]


def accuracy(classifier: IntentClassifier, data: Sequence[tuple[str, str]]) -> float:
    hits = sum(classifier.predict(t)[0] == i for t, i in data)
    return hits / len(data) if data else 0.0

"""What a text means: the NLU (``dialogue.nlu``), plus the two things the
engine needs however the NLU is built:

* ``/intent{"slot": "value"}`` names an intent and its entities directly, so
  flow tests do not depend on the classifier (STYLE.md rule 6);
* a few fixed words ("ja", "zurück", "fertig") that must work at every step
  even when the classifier is unsure.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import httpx

from core.tenants import TenantConfig
from dialogue.nlu.rasa_remote import RemoteRasaNLU
from dialogue.nlu.result import Entity, ParseResult

log = logging.getLogger(__name__)

LOW_CONFIDENCE_DEFAULT = 0.5
# A Rasa server that is down fails every turn; saying so once a minute is enough.
FALLBACK_LOG_INTERVAL_S = 60.0
# Matched against the stripped text; one optional group, so no two runs of
# spaces compete (linear).
_INTENT_SYNTAX = re.compile(r"^/([a-z_]+)(?:\s*(\{.*\}))?$", re.S)

# Fixed words, compared after lower-casing and stripping punctuation.
WORDS: dict[str, frozenset[str]] = {
    "yes": frozenset(
        {
            "ja",
            "jep",
            "jo",
            "klar",
            "gerne",
            "gern",
            "ok",
            "okay",
            "yes",
            "yep",
            "sure",
            "passt",
            "stimmt",
            "genau",
            "richtig",
            "einverstanden",
            "ja gerne",
            "ja bitte",
            "ich stimme zu",
            "i agree",
            "agree",
        }
    ),
    "no": frozenset(
        {"nein", "nee", "ne", "no", "nope", "nicht", "lieber nicht", "no thanks", "nein danke"}
    ),
    "done": frozenset(
        {
            "fertig",
            "weiter",
            "das wars",
            "das war's",
            "done",
            "next",
            "that's it",
            "reicht",
            "ok fertig",
        }
    ),
    "back": frozenset({"zurück", "zurueck", "back", "go back"}),
    # "None of these": an answer to a question that offers several things.
    "none": frozenset(
        {
            "keine",
            "kein",
            "keins",
            "keines",
            "nichts",
            "gar nichts",
            "keine davon",
            "nichts davon",
            "none",
            "nothing",
            "none of them",
            "none of these",
        }
    ),
    "cancel": frozenset(
        {"abbrechen", "abbruch", "stopp", "stop", "cancel", "quit", "exit", "vergiss es", "lass es"}
    ),
    "help": frozenset({"hilfe", "help", "?", "was kannst du", "menü", "menu", "hilfe bitte"}),
    "more": frozenset({"mehr", "more", "weitere", "nächste", "next page"}),
}


# Words that mark a text as German or English: frequent, short and used in
# only one of the two (no "in", "am", "so", "will", "hat", "ok", "man").
_MARKERS: dict[str, frozenset[str]] = {
    "de": frozenset(
        """ich du sie wir ihr mich mir dich dir uns und oder aber nicht kein keine keinen
        mit bei für von zum zur auf ist sind bin bist habe hab hast haben kann kannst können
        möchte möchten würde gerne gern mag wohne wohnen helfen mithelfen machen zeit
        hallo moin servus danke bitte ja nein nee wochenende abends morgens vormittags
        nachmittags samstags sonntags montags dienstags mittwochs donnerstags freitags
        wann was wie wo warum der die das dem den des ein eine einen einem einer etwas
        auch noch schon nur sehr mal gibt geht suche möchtest hätte hätten wäre""".split()
    ),
    "en": frozenset(
        """i i'd i'm i'll i've me my you your we our they the a an and or but not
        with for from of to on at is are am was be have has can could would like love
        want help helping volunteer volunteering live living time hello hi hey thanks
        thank please yes no weekend weekends evenings mornings afternoons monday
        tuesday wednesday thursday friday saturday sunday when what how where why this
        that some any also just very something looking near around""".split()
    ),
}
_WORD = re.compile(r"[a-zäöüß']+")


def detect_language(text: str) -> str | None:
    """``"de"`` or ``"en"`` when the text's words say so clearly, else None.

    Short or mixed texts ("ok", "Brand", "ja, Aachen") say nothing: at least
    two marker words of one language, and three times as many as of the other."""
    counts = {"de": 0, "en": 0}
    lowered = text.casefold()
    for word in _WORD.findall(lowered):
        for lang, markers in _MARKERS.items():
            if word in markers:
                counts[lang] += 1
    if any(c in lowered for c in "äöüß"):
        counts["de"] += 1
    for lang, other in (("de", "en"), ("en", "de")):
        if counts[lang] >= 2 and counts[lang] >= 3 * counts[other]:
            return lang
    return None


def word_of(text: str) -> str | None:
    """Which fixed word a short text is, if any."""
    if len(text) > 100:
        return None  # fixed words are short
    key = text.strip().casefold().rstrip(".!,;:").strip()
    for name, words in WORDS.items():
        if key in words:
            return name
    return None


# Politeness around a command word ("zurück bitte", "könnten Sie bitte
# abbrechen", "please go back"): dropped before the word is looked up.
_POLITE = re.compile(
    r"\b(?:bitte|bitteschön|mal|doch|gerne?|jetzt|einfach|nochmal|noch\s+mal|danke"
    r"|(?:könnten|koennten|können|koennen|würden|wuerden)\s+sie|(?:kannst|könntest|würdest)\s+du"
    r"|ich\s+(?:möchte|moechte|will|würde\s+gerne?)|lass\s+uns|wir\s+(?:wollen|möchten)"
    r"|please|pls|could\s+you|can\s+you|would\s+you|i(?:'d|\s+would)\s+like\s+to"
    r"|i\s+want\s+to|let's|now|just|thanks|thank\s+you)\b",
    re.I,
)
_LEFT_OVER = re.compile(r"[\s,.!?;:]+")
MAX_COMMAND_WORDS = 8


def polite_stripped(text: str) -> str:
    """The text without the politeness around what it asks for ("Ort ändern
    bitte" -> "Ort ändern"); the text itself when nothing else is left."""
    if len(text) > 100 or len(text.split()) > MAX_COMMAND_WORDS:
        return text
    rest = _LEFT_OVER.sub(" ", _POLITE.sub(" ", text)).strip()
    return rest or text


def command_word(text: str) -> str | None:
    """Which fixed word a short text asks for, politeness aside ("zurück
    bitte", "könnten Sie bitte abbrechen", "go back please")."""
    word = word_of(text)
    if word is not None:
        return word
    stripped = polite_stripped(text)
    return word_of(stripped) if stripped != text else None


# A yes or no may lead a short answer ("Ja, habe ich", "no thanks"): these
# words lead it, and the rest of it may only be such small words (anything
# else, "ja, mit Tieren", is more than an answer and goes to the NLU).
_LEADS: dict[str, frozenset[str]] = {
    "yes": frozenset("ja jep jo jawohl klar ok okay yes yep yeah sure".split()),
    "no": frozenset("nein nee no nope".split()),
}
_FILLERS = frozenset(
    """habe hab hast ich du wir bitte gerne gern danke klar natürlich sicher doch schon
    mach mache machen das passt stimmt genau richtig gut super prima sehr auf jeden fall
    leider nicht i do have please thanks thank you sure of course certainly don't dont
    haven't havent not sorry will yes no ja nein ok okay""".split()
)
_NEGATIONS = frozenset("nicht kein keine keinen not don't dont haven't havent no nein".split())
_ANSWER_WORDS = re.compile(r"[\w']+")
MAX_ANSWER_WORDS = 5


def yes_or_no(text: str) -> str | None:
    """``"yes"`` or ``"no"`` when a typed text is a yes/no answer: a fixed
    word ("ja", "nope", "ich stimme zu") or a short sentence led by one
    ("Ja, habe ich", "Nein danke", "yes I do"); else None."""
    word = word_of(text)
    if word in ("yes", "no"):
        return word
    if len(text) > 100:
        return None
    words = _ANSWER_WORDS.findall(text.casefold())
    if not words or len(words) > MAX_ANSWER_WORDS:
        return None
    rest = words[1:]
    if any(w not in _FILLERS for w in rest):
        return None
    if words[0] in _LEADS["yes"]:
        # "Ja, habe ich nicht" says both: the NLU may sort it out.
        return None if any(w in _NEGATIONS for w in rest) else "yes"
    if words[0] in _LEADS["no"]:
        return "no"
    return None


class Parser(Protocol):
    def parse(
        self,
        text: str,
        lang: str,
        *,
        now: datetime | None = None,
        tz: str = "Europe/Berlin",
        districts: Mapping[str, tuple[float, float]] | None = None,
    ) -> ParseResult: ...


def parse_intent_syntax(text: str) -> ParseResult | None:
    """``/find_engagement{"category": "umwelt", "weekday": ["sa"]}`` -> a sure parse.

    Lists give several entities; ``availability`` and ``spontaneous`` fill
    the result's fields of the same names."""
    match = _INTENT_SYNTAX.match(text.strip())
    if not match:
        return None
    name, raw = match.group(1), match.group(2)
    values: dict[str, Any] = {}
    if raw:
        try:
            loaded = json.loads(raw)
        except json.JSONDecodeError:
            return None
        if not isinstance(loaded, dict):
            return None
        values = loaded
    entities: list[Entity] = []
    availability: tuple[str, ...] = ()
    spontaneous = False
    for key, value in values.items():
        if key == "availability":
            availability = tuple(str(v) for v in (value if isinstance(value, list) else [value]))
            continue
        if key == "spontaneous":
            spontaneous = bool(value)
            continue
        for item in value if isinstance(value, list) else [value]:
            entities.append(Entity(str(key), str(item), 0, 0))
    return ParseResult(
        text=text,
        intent=name,
        confidence=1.0,
        entities=tuple(entities),
        availability=availability,
        spontaneous=spontaneous,
    )


class Understanding:
    """The engine's view of the NLU: parse, with the intent syntax first.

    A tenant whose file says ``[nlu] engine = "rasa"`` is read by its Rasa
    server for that language; ``EHRENAMT_RASA_URL`` (``remote``) does the same
    for every tenant without its own setting. When the Rasa server is slow or
    down, the built-in NLU answers that turn."""

    def __init__(
        self,
        parser: Parser | None,
        low_confidence: float = LOW_CONFIDENCE_DEFAULT,
        remote: RemoteRasaNLU | None = None,
        *,
        monotonic: Any = time.monotonic,
    ):
        self.parser = parser
        self.low_confidence = low_confidence
        self.remote = remote  # a Rasa server asked first, when configured
        self._remotes: dict[tuple[str, float], RemoteRasaNLU] = {}
        self._monotonic = monotonic
        self._last_logged: float | None = None
        self._unlogged = 0
        self.fallbacks = 0  # turns the built-in NLU answered for a failed Rasa server

    def says(self, text: str, intent: str, lang: str) -> bool:
        """Whether the words of ``text`` say ``intent`` (``NLU.says``); True
        when the parser cannot tell."""
        says = getattr(self.parser, "says", None)
        return True if says is None else bool(says(text, intent, lang))

    def remote_for(self, tenant: TenantConfig | None, lang: str) -> RemoteRasaNLU | None:
        if tenant is not None and tenant.nlu.engine == "rasa":
            url = tenant.nlu.url_for(lang)
            if not url:
                return None
            key = (url, tenant.nlu.timeout)
            remote = self._remotes.get(key)
            if remote is None:
                remote = self._remotes[key] = RemoteRasaNLU(url, timeout=tenant.nlu.timeout)
            return remote
        return self.remote

    async def parse(
        self,
        text: str,
        lang: str,
        *,
        now: datetime,
        tz: str,
        districts: Mapping[str, tuple[float, float]],
        tenant: TenantConfig | None = None,
    ) -> ParseResult:
        named = parse_intent_syntax(text)
        if named is not None:
            return named
        remote = self.remote_for(tenant, lang)
        if remote is not None:
            try:
                return await remote.parse(text, lang)
            except (httpx.HTTPError, ValueError) as exc:
                # The Rasa server is slow, down or answered nonsense: our own
                # NLU steps in for this turn rather than the bot going quiet.
                self._note_fallback(remote.url, exc)
        if self.parser is None:
            return ParseResult(text=text, intent="out_of_scope", confidence=0.0)
        return self.parser.parse(text, lang, now=now, tz=tz, districts=districts)

    def _note_fallback(self, url: str, exc: Exception) -> None:
        self.fallbacks += 1
        now = self._monotonic()
        if self._last_logged is not None and now - self._last_logged < FALLBACK_LOG_INTERVAL_S:
            self._unlogged += 1
            return
        log.warning(
            "Rasa NLU at %s failed (%s); the built-in NLU reads this turn"
            " (%d more such turns since the last message; logged at most once a minute)",
            url,
            type(exc).__name__,
            self._unlogged,
        )
        self._last_logged = now
        self._unlogged = 0


def load_nlu(app: Any) -> Understanding:
    """Train the built-in NLU once per process (kept in ``app.nlu`` and
    ``app.understanding``)."""
    cached = app.understanding
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    parser: Parser | None = app.nlu
    low = LOW_CONFIDENCE_DEFAULT
    if parser is None:
        try:
            import dialogue.nlu as nlu_module

            nlu_class = nlu_module.NLU  # type: ignore[attr-defined]
            parser = _train(nlu_class, app)
            low = float(getattr(nlu_module, "LOW_CONFIDENCE", LOW_CONFIDENCE_DEFAULT))
        except (ImportError, AttributeError):
            # Without the NLU the bot still works by buttons, commands and fixed words.
            log.warning("NLU not available; understanding buttons and commands only")
            parser = None
        app.nlu = parser
    rasa_url = app.settings.rasa_url
    understanding = Understanding(parser, low, RemoteRasaNLU(rasa_url) if rasa_url else None)
    app.understanding = understanding
    return understanding


def _train(nlu_class: Any, app: Any) -> Parser:
    gazetteer = app.gazetteer

    def find_places(
        text: str, districts: Mapping[str, tuple[float, float]] | None
    ) -> list[tuple[int, int, str]]:
        return list(gazetteer.find_mentions(text, districts=districts))

    return nlu_class.train(place_finder=find_places)  # type: ignore[no-any-return]

"""``ehrenamt rasa export``: a complete Rasa 3 project for one language, written
from our data at the moment of export (nothing here is a copy that could go
stale): ``data/nlu/<lang>.yml``, ``data/categories.yml``, ``data/texts/``, the
gazetteer and the tenant's districts.

What Rasa's dialogue drives in the exported assistant: small talk and help
(responses from our texts), a profile form (topic and place) and the actions
that call our matching (``bots.rasa.actions``). Everything else stays ours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bots.rasa.annotations import AnnotationError, check_examples
from core.geo.gazetteer import Gazetteer
from core.taxonomy import Taxonomy
from core.tenants import TenantConfig
from dialogue.nlu import training_data
from dialogue.texts import catalogue

# DESIGN.md, "NLU schema": names are fixed.
ENTITIES: tuple[str, ...] = (
    "category", "place", "postcode", "weekday", "daypart", "date", "time", "duration",
    "radius_km", "qualification", "count", "language", "urgency",
)  # fmt: skip
# Entities only buttons set (never trained): the need a button is about.
BUTTON_ENTITIES: tuple[str, ...] = ("need_id",)
# Intents only buttons send (``/need_detail{"need_id": "42"}``); Rasa reads
# them without its NLU, so they have no training examples.
BUTTON_INTENTS: tuple[str, ...] = ("need_detail", "withdraw")
_LIST_SLOTS = frozenset({"category", "qualification", "weekday", "daypart", "language"})

ACTIONS: tuple[str, ...] = (
    "action_search",
    "action_show_matches",
    "action_need_detail",
    "action_sign_up",
    "action_my_engagements",
    "action_withdraw",
    "action_feedback",
)

# Response name -> our text key (data/texts/<lang>.yml).
RESPONSES: dict[str, str] = {
    "utter_greet": "welcome",
    "utter_goodbye": "smalltalk.goodbye",
    "utter_thank": "smalltalk.thank",
    "utter_help": "help.text",
    "utter_privacy": "privacy.info",
    "utter_cancel": "cancel.done",
    "utter_default": "error.not_understood",
    "utter_ask_category": "interests.ask",
    "utter_ask_place": "location.ask",
}

# Intent -> response, each a one-step rule.
_SIMPLE_RULES: dict[str, str] = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "help": "utter_help",
    "feedback": "action_feedback",  # kept for the editors, as in our bot (issue 14.7)
    "privacy_info": "utter_privacy",
    "out_of_scope": "utter_default",
    "nlu_fallback": "utter_default",
    "search": "action_search",
    "show_matches": "action_show_matches",
    "sign_up": "action_sign_up",
    "my_engagements": "action_my_engagements",
    "need_detail": "action_need_detail",
    "withdraw": "action_withdraw",
}

# How many gazetteer places around the tenant go into the place lookup table:
# enough for the region and its neighbours, few enough that Rasa's lookup
# regex stays small (a few hundred names, not the country's 13,000).
PLACE_LOOKUP_LIMIT = 300
PLACE_LOOKUP_RADIUS_FACTOR = 2.5

DEFAULT_ACTIONS_URL = "http://127.0.0.1:5055/webhook"
DEFAULT_EPOCHS = 40


class ExportError(Exception):
    """The training data cannot become a valid Rasa project."""

    def __init__(self, errors: list[AnnotationError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} broken annotation(s):\n{shown}{more}")


@dataclass(slots=True)
class NluData:
    """The parts of ``data/nlu/<lang>.yml``, example lines kept verbatim."""

    examples: dict[str, list[str]] = field(default_factory=dict)  # intent -> lines
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)


def read_nlu(path: Path) -> NluData:
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    data = NluData()
    for item in raw.get("nlu", []):
        lines = _lines(item.get("examples"))
        if "intent" in item:
            data.examples.setdefault(str(item["intent"]), []).extend(lines)
        elif "synonym" in item:
            data.synonyms.setdefault(str(item["synonym"]), []).extend(lines)
        elif "lookup" in item:
            data.lookups.setdefault(str(item["lookup"]), []).extend(lines)
        elif "regex" in item:
            data.regexes.setdefault(str(item["regex"]), []).extend(lines)
    return data


def _lines(block: object) -> list[str]:
    out = []
    for line in str(block or "").splitlines():
        line = line.strip()
        if line.startswith("- "):
            out.append(line[2:].strip())
    return out


def validate_nlu(data: NluData) -> list[AnnotationError]:
    pairs = ((intent, line) for intent, lines in data.examples.items() for line in lines)
    return check_examples(pairs, ENTITIES)


@dataclass(frozen=True, slots=True)
class ExportOptions:
    lang: str
    tenant: TenantConfig
    epochs: int = DEFAULT_EPOCHS
    actions_url: str = DEFAULT_ACTIONS_URL
    nlu_url: str = ""  # a separate NLU server for Rasa (endpoints.yml ``nlu: url:``)
    nlu_dir: Path = training_data.DEFAULT_DATA_DIR


def export_project(
    out: Path,
    options: ExportOptions,
    taxonomy: Taxonomy | None = None,
    gazetteer: Gazetteer | None = None,
) -> list[Path]:
    """Write the project into ``out``; returns the files written. Raises
    ``ExportError`` on a broken annotation before writing anything."""
    lang = options.lang
    nlu = read_nlu(options.nlu_dir / f"{lang}.yml")
    errors = validate_nlu(nlu)
    if errors:
        raise ExportError(errors)
    taxonomy = taxonomy or Taxonomy.load()
    gazetteer = gazetteer or Gazetteer.default()
    files = {
        "config.yml": _yaml(config(lang, options.epochs)),
        "domain.yml": _yaml(domain(options.tenant, lang, sorted(nlu.examples))),
        "data/nlu.yml": nlu_yaml(nlu, lang, taxonomy, options.tenant, gazetteer),
        "data/rules.yml": _yaml(rules()),
        "endpoints.yml": _yaml(endpoints(options.actions_url, options.nlu_url)),
        "credentials.yml": _yaml({"rest": None}),
    }
    written = []
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=1000)


# -- config.yml ------------------------------------------------------------------


def config(lang: str, epochs: int = DEFAULT_EPOCHS) -> dict[str, Any]:
    """A pipeline that trains in about a minute on two cores.

    German builds long compounds ("Seniorenbegleitung", "Mittwochabend"), so
    character n-grams reach four characters; English words are shorter and
    three suffice. Lookup tables and regexes are matched by ``RegexEntityExtractor``
    (places, postcodes, topics) besides what DIET learns from the examples; the
    synonym mapper turns written forms into our codes (``Kindern`` → ``kinder_jugend``)."""
    max_ngram = 4 if lang == "de" else 3
    return {
        "recipe": "default.v1",
        "language": lang,
        "assistant_id": f"ehrenamt-bot-{lang}",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "RegexFeaturizer", "case_sensitive": False},
            {"name": "LexicalSyntacticFeaturizer"},
            {"name": "CountVectorsFeaturizer"},
            {
                "name": "CountVectorsFeaturizer",
                "analyzer": "char_wb",
                "min_ngram": 2,
                "max_ngram": max_ngram,
            },
            {
                "name": "DIETClassifier",
                "epochs": epochs,
                "constrain_similarities": True,
                # One small transformer layer instead of two of 256: our ~1,300
                # examples gain nothing from more, and training stays near a
                # minute on two shared cores.
                "number_of_transformer_layers": 1,
                "transformer_size": 128,
                "batch_size": [64, 128],
            },
            {
                "name": "RegexEntityExtractor",
                "case_sensitive": False,
                "use_lookup_tables": True,
                "use_regexes": True,
                "use_word_boundaries": True,
            },
            {"name": "EntitySynonymMapper"},
            {"name": "FallbackClassifier", "threshold": 0.3},
        ],
        # Rules and a form only: no TED, so `rasa train` adds seconds, not minutes.
        "policies": [
            {"name": "MemoizationPolicy"},
            {"name": "RulePolicy", "core_fallback_threshold": 0.3},
        ],
    }


# -- domain.yml ------------------------------------------------------------------


def _text(tenant: TenantConfig, lang: str, key: str) -> str:
    override = tenant.texts.get(lang, {}).get(key)
    value: Any = override if override is not None else catalogue(lang).get(key)
    if value is None:
        value = catalogue("de").get(key)
    if value is None:
        raise KeyError(f"text {key!r} is missing in data/texts/{lang}.yml")
    if isinstance(value, Mapping):
        value = value.get(tenant.address_form) or value.get("du") or next(iter(value.values()))
    values = {
        "bot": tenant.branding.bot_name,
        "tenant": tenant.name,
        "link": tenant.privacy.policy_url,
    }
    try:
        return str(value).format(**values)
    except (KeyError, IndexError) as exc:
        raise KeyError(f"text {key!r} needs a value the export does not have: {exc}") from exc


def domain(tenant: TenantConfig, lang: str, trained_intents: Iterable[str]) -> dict[str, Any]:
    intents = [*trained_intents, *(i for i in BUTTON_INTENTS if i not in trained_intents)]
    entities = [*ENTITIES, *BUTTON_ENTITIES]
    slots: dict[str, Any] = {}
    for name in entities:
        slots[name] = {
            "type": "list" if name in _LIST_SLOTS else "text",
            "influence_conversation": False,
            "mappings": [{"type": "from_entity", "entity": name}],
        }
    # What the actions remember between turns (needs shown, in order).
    slots["shown_needs"] = {
        "type": "list",
        "influence_conversation": False,
        "mappings": [{"type": "custom"}],
    }
    return {
        "version": "3.1",
        "intents": intents,
        "entities": entities,
        "slots": slots,
        "forms": {"profile_form": {"required_slots": ["category", "place"]}},
        "responses": {
            name: [{"text": _text(tenant, lang, key)}] for name, key in RESPONSES.items()
        },
        "actions": list(ACTIONS),
        "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
    }


# -- data/rules.yml ----------------------------------------------------------------


def rules() -> dict[str, Any]:
    out: list[dict[str, Any]] = [
        {"rule": f"{intent} -> {action}", "steps": [{"intent": intent}, {"action": action}]}
        for intent, action in _SIMPLE_RULES.items()
    ]
    out += [
        {
            "rule": "find_engagement starts the profile form",
            "steps": [
                {"intent": "find_engagement"},
                {"action": "profile_form"},
                {"active_loop": "profile_form"},
            ],
        },
        {
            "rule": "a complete profile shows matches",
            "condition": [{"active_loop": "profile_form"}],
            "steps": [
                {"action": "profile_form"},
                {"active_loop": None},
                {"slot_was_set": [{"requested_slot": None}]},
                {"action": "action_show_matches"},
            ],
        },
        {
            "rule": "cancel ends the form",
            "condition": [{"active_loop": "profile_form"}],
            "steps": [
                {"intent": "cancel"},
                {"action": "action_deactivate_loop"},
                {"active_loop": None},
                {"slot_was_set": [{"requested_slot": None}]},
                {"action": "utter_cancel"},
            ],
        },
        {"rule": "cancel", "steps": [{"intent": "cancel"}, {"action": "utter_cancel"}]},
    ]
    return {"version": "3.1", "rules": out}


# -- endpoints.yml -------------------------------------------------------------------


def endpoints(actions_url: str, nlu_url: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"action_endpoint": {"url": actions_url}}
    if nlu_url:
        out["nlu"] = {"url": nlu_url}
    return out


# -- data/nlu.yml ----------------------------------------------------------------------


def _synonyms(
    nlu: NluData, lang: str, taxonomy: Taxonomy
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Synonym value -> written forms (each form once, the first owner wins:
    Rasa's synonyms are global, not per entity), and lookup tables for
    categories, qualifications and languages."""
    owner: dict[str, str] = {}
    synonyms: dict[str, list[str]] = {}

    def add(value: str, written: str) -> None:
        key = written.strip().casefold()
        if not key or key == value.casefold() or key in owner:
            return
        owner[key] = value
        synonyms.setdefault(value, []).append(written.strip())

    for value, forms in nlu.synonyms.items():
        for form in forms:
            add(value, form)
    lookups: dict[str, list[str]] = {"category": [], "qualification": [], "language": []}
    groups: list[tuple[str, Iterable[tuple[str, Mapping[str, str], Mapping[str, Any]]]]] = [
        ("category", ((c.code, c.labels, c.synonyms) for c in taxonomy.categories.values())),
        (
            "qualification",
            ((q.code, q.labels, q.synonyms) for q in taxonomy.qualifications.values()),
        ),
        ("language", ((x.iso, x.labels, x.synonyms) for x in taxonomy.languages.values())),
    ]
    for table, items in groups:
        for code, labels, forms in items:
            for written in (labels.get(lang, ""), *forms.get(lang, ())):
                if written:
                    add(code, written)
                    lookups[table].append(written)
    return synonyms, lookups


def place_names(tenant: TenantConfig, gazetteer: Gazetteer, listed: Iterable[str]) -> list[str]:
    names: list[str] = [*listed, *tenant.districts]
    radius = tenant.region_radius_km * PLACE_LOOKUP_RADIUS_FACTOR
    names += [p.name for p in gazetteer.places_near(tenant.region_center, radius)]
    return _unique(names)[: PLACE_LOOKUP_LIMIT + len(tenant.districts)]


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(item.strip())
    return out


def _block(kind: str, name: str, lines: Iterable[str]) -> str:
    body = "".join(f"    - {line}\n" for line in lines)
    return f"- {kind}: {json.dumps(name, ensure_ascii=False)}\n  examples: |\n{body}"


def nlu_yaml(
    nlu: NluData, lang: str, taxonomy: Taxonomy, tenant: TenantConfig, gazetteer: Gazetteer
) -> str:
    synonyms, lookups = _synonyms(nlu, lang, taxonomy)
    lookups["place"] = place_names(tenant, gazetteer, nlu.lookups.get("place", []))
    for name, lines in nlu.lookups.items():
        if name != "place":
            lookups[name] = [*lookups.get(name, []), *lines]
    parts = [
        f"# Exported by `ehrenamt rasa export --lang {lang}` from data/nlu/{lang}.yml,\n"
        f"# data/categories.yml, the gazetteer and the tenant {tenant.slug!r}. Do not edit.\n",
        'version: "3.1"\nnlu:\n',
    ]
    parts += [_block("intent", intent, lines) for intent, lines in nlu.examples.items() if lines]
    parts += [_block("synonym", value, forms) for value, forms in synonyms.items() if forms]
    parts += [_block("lookup", name, _unique(items)) for name, items in lookups.items() if items]
    parts += [_block("regex", name, lines) for name, lines in nlu.regexes.items() if lines]
    return "".join(parts)

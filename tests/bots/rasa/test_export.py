"""``ehrenamt rasa export``: a Rasa project from our data, and the check that
keeps a broken annotation from reaching Rasa."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bots.rasa.annotations import check_example
from bots.rasa.project import ENTITIES, ExportError, ExportOptions, export_project
from core.tenants import TenantConfig
from dialogue.nlu.training_data import DEFAULT_DATA_DIR

ROOT = Path(__file__).resolve().parents[3]


def _export(
    tmp_path: Path, tenants: dict[str, TenantConfig], lang: str = "de", **kw: object
) -> Path:
    out = tmp_path / f"project-{lang}"
    export_project(out, ExportOptions(lang=lang, tenant=tenants["aachen"], **kw))  # type: ignore[arg-type]
    return out


def test_export_reads_our_data_at_export_time(
    tmp_path: Path, tenants: dict[str, TenantConfig]
) -> None:
    out = _export(tmp_path, tenants, epochs=7)
    config = yaml.safe_load((out / "config.yml").read_text())
    assert config["language"] == "de"
    diet = next(c for c in config["pipeline"] if c["name"] == "DIETClassifier")
    assert diet["epochs"] == 7
    domain = yaml.safe_load((out / "domain.yml").read_text())
    assert set(ENTITIES) <= set(domain["entities"]) and set(ENTITIES) <= set(domain["slots"])
    assert (
        "Engagement-Bot Aachen" in domain["responses"]["utter_greet"][0]["text"]
    )  # texts + tenant
    nlu = yaml.safe_load((out / "data" / "nlu.yml").read_text())["nlu"]
    lookups = {x["lookup"]: x["examples"] for x in nlu if "lookup" in x}
    assert "Lichtenbusch" in lookups["place"]  # a district only the tenant file names
    assert "Stolberg (Rhld.)" in lookups["place"] or "Stolberg" in lookups["place"]  # gazetteer
    assert len(lookups["place"].splitlines()) < 400  # a region, not the country
    assert "Kita" in lookups["category"]  # categories.yml
    synonyms = {x["synonym"]: x["examples"] for x in nlu if "synonym" in x}
    assert "Kindern" in synonyms["kinder_jugend"]
    endpoints = yaml.safe_load((out / "endpoints.yml").read_text())
    assert endpoints["action_endpoint"]["url"].endswith("/webhook")


def test_export_follows_a_change_in_the_training_data(
    tmp_path: Path, tenants: dict[str, TenantConfig]
) -> None:
    data = tmp_path / "nlu"
    data.mkdir()
    shutil.copy(DEFAULT_DATA_DIR / "de.yml", data / "de.yml")
    with (data / "de.yml").open("a", encoding="utf-8") as fh:
        fh.write(
            "- intent: inform\n  examples: |\n"
            '    - am [Mittwochabend][{"entity": "weekday", "value": "mi"}, '
            '{"entity": "daypart", "value": "abend"}]\n'
        )
    out = _export(tmp_path, tenants, nlu_dir=data)
    text = (out / "data" / "nlu.yml").read_text()
    assert '[Mittwochabend][{"entity": "weekday", "value": "mi"}, {"entity": "daypart"' in text


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("mit [Kindern](kategorie)", "unknown entity 'kategorie'"),
        ('mit [Kindern]{"entity": "category", "value": "kinder_jugend"', "outside"),
        ('am [Mittwoch]{"entity": "weekday" "value": "mi"}', "not valid JSON"),
        ('am [Mittwochabend][{"entity": "weekday"}, {"value": "abend"}]', '"entity" key'),
        ("in [Burtscheid(place)", "outside"),
    ],
)
def test_a_broken_annotation_is_named(line: str, problem: str) -> None:
    errors = check_example(line, "inform", ENTITIES)
    assert errors and problem in str(errors[0])


def test_valid_annotations_pass() -> None:
    for line in (
        "mit [Kindern](category:kinder_jugend) in [Burtscheid](place)",
        'am [Mittwochabend][{"entity": "weekday", "value": "mi"}, {"entity": "daypart", "value": "abend"}]',
        'ab [sofort]{"entity": "urgency", "value": "urgent"}',
    ):
        assert check_example(line, "inform", ENTITIES) == []


def test_export_rejects_a_broken_annotation_and_writes_nothing(
    tmp_path: Path, tenants: dict[str, TenantConfig]
) -> None:
    data = tmp_path / "nlu"
    data.mkdir()
    shutil.copy(DEFAULT_DATA_DIR / "de.yml", data / "de.yml")
    with (data / "de.yml").open("a", encoding="utf-8") as fh:
        fh.write('- intent: inform\n  examples: |\n    - in [Burtscheid]{"entity": "plase"}\n')
    with pytest.raises(ExportError, match="plase"):
        _export(tmp_path, tenants, nlu_dir=data)
    assert not (tmp_path / "project-de").exists()
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", "rasa", "export", str(tmp_path / "cli"),
         "--lang", "de", "--nlu-dir", str(data)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "plase" in result.stderr and not (tmp_path / "cli").exists()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_feedback_intent_is_exported_and_kept_by_our_action(
    tmp_path: Path, tenants: dict[str, TenantConfig], lang: str
) -> None:
    """Issue 14.7: feedback by message is kept, in a Rasa assistant as in our bot."""
    out = _export(tmp_path, tenants, lang)
    nlu = yaml.safe_load((out / "data" / "nlu.yml").read_text())["nlu"]
    (feedback,) = [x for x in nlu if x.get("intent") == "feedback"]
    assert len(feedback["examples"].splitlines()) >= 10
    domain = yaml.safe_load((out / "domain.yml").read_text())
    assert "feedback" in domain["intents"] and "action_feedback" in domain["actions"]
    rules = yaml.safe_load((out / "data" / "rules.yml").read_text())["rules"]
    (rule,) = [r for r in rules if {"intent": "feedback"} in r["steps"]]
    assert rule["steps"][1] == {"action": "action_feedback"}  # kept, not just thanked for


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_offer_intent_is_exported_for_rasa(
    tmp_path: Path, tenants: dict[str, TenantConfig], lang: str
) -> None:
    """Issue 14: a Rasa NLU trained from the export knows ``post_offer`` too."""
    out = _export(tmp_path, tenants, lang)
    nlu = yaml.safe_load((out / "data" / "nlu.yml").read_text())["nlu"]
    (offer,) = [x for x in nlu if x.get("intent") == "post_offer"]
    assert len(offer["examples"].splitlines()) >= 20
    domain = yaml.safe_load((out / "domain.yml").read_text())
    assert "post_offer" in domain["intents"]

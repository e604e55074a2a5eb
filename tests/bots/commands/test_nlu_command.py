"""`ehrenamt nlu` as an operator runs it: a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EHRENAMT = [sys.executable, "-m", "bots.cli", "nlu"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EHRENAMT, *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_parse_prints_rasa_json_with_availability() -> None:
    done = run("parse", "Ich möchte samstags vormittags in Burtscheid mit Kindern helfen",
               "--tenant", "aachen")  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["intent"]["name"] == "find_engagement"
    assert {"entity": "place", "value": "Burtscheid", "start": 34, "end": 44} in answer["entities"]
    assert answer["availability"] == ["sa:vormittag"]


def test_parse_english() -> None:
    done = run("parse", "weekday evenings please", "--lang", "en")
    assert json.loads(done.stdout)["availability"] == [
        f"{d}:abend" for d in ("mo", "di", "mi", "do", "fr")
    ]


def test_parse_stdin_one_json_line_per_text() -> None:
    texts = ["Hallo", "", "Di+Do 9-15 Uhr", "🙂", "Lösch meine Daten"]
    done = run("parse", "-", stdin="\n".join(texts) + "\n")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [x["text"] for x in lines] == texts
    assert lines[0]["intent"]["name"] == "greet"
    assert lines[4]["intent"]["name"] == "delete_data"


def test_eval_reports_and_fails_below_the_bar() -> None:
    test_file = str(ROOT / "tests" / "nlu" / "test_data_en.yml")
    done = run("eval", test_file, "--now", "2026-11-26T10:00", "--min-intent-accuracy", "0.9")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intent accuracy" in done.stdout and "category" in done.stdout
    done = run("eval", test_file, "--min-intent-accuracy", "1.01")
    assert done.returncode == 1
    assert "FAIL" in done.stderr

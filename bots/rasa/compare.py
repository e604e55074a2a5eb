"""``ehrenamt nlu eval --compare URL``: the built-in NLU and a Rasa server side
by side on the project's evaluation sets (``tests/nlu/*_<lang>.yml``):
intent accuracy, entity F1 and parse latency (p50/p95 in ms; Rasa's over
HTTP on this machine, ours in process — what each costs the bot per turn)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from dialogue.nlu.evaluation import EvalReport, evaluate
from dialogue.nlu.rasa_remote import from_rasa
from dialogue.nlu.result import ParseResult

EVAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "nlu"


def evaluation_sets(lang: str) -> list[Path]:
    return sorted(EVAL_DIR.glob(f"*_{lang}.yml"))


class _Timed:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def p(self, q: float) -> float:
        if not self.seconds:
            return 0.0
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


class BuiltinParser(_Timed):
    def __init__(self, nlu: Any, districts: Mapping[str, tuple[float, float]] | None) -> None:
        super().__init__()
        self._nlu = nlu
        self._districts = districts

    def parse(self, text: str, lang: str = "de", now: datetime | None = None) -> ParseResult:
        started = time.perf_counter()
        result: ParseResult = self._nlu.parse(text, lang=lang, now=now, districts=self._districts)
        self.seconds.append(time.perf_counter() - started)
        return result


class RasaParser(_Timed):
    """A Rasa server over HTTP (one kept-alive connection, as the bot would)."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        super().__init__()
        self._url = url.rstrip("/") + "/model/parse"
        self._client = client

    def parse(self, text: str, lang: str = "de", now: datetime | None = None) -> ParseResult:
        started = time.perf_counter()
        response = self._client.post(self._url, json={"text": text})
        response.raise_for_status()
        result = from_rasa(text, response.json())
        self.seconds.append(time.perf_counter() - started)
        return result


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    builtin: EvalReport
    rasa: EvalReport
    builtin_ms: tuple[float, float]
    rasa_ms: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "utterances": self.builtin.total,
            "builtin": {
                "intent_accuracy": round(self.builtin.intent_accuracy, 4),
                "entity_f1": round(self.builtin.entity_f1, 4),
                "p50_ms": round(self.builtin_ms[0], 2),
                "p95_ms": round(self.builtin_ms[1], 2),
                "entities": self.builtin.as_dict()["entities"],
            },
            "rasa": {
                "intent_accuracy": round(self.rasa.intent_accuracy, 4),
                "entity_f1": round(self.rasa.entity_f1, 4),
                "p50_ms": round(self.rasa_ms[0], 2),
                "p95_ms": round(self.rasa_ms[1], 2),
                "entities": self.rasa.as_dict()["entities"],
            },
        }


def compare_sets(
    url: str,
    files: list[Path],
    lang: str,
    districts: Mapping[str, tuple[float, float]] | None = None,
    now: datetime | None = None,
) -> list[Row]:
    from dialogue.nlu import NLU

    nlu = NLU.train(languages=(lang,))
    rows = []
    with httpx.Client(timeout=30.0) as client:
        for path in files:
            ours = BuiltinParser(nlu, districts)
            theirs = RasaParser(url, client)
            builtin = evaluate(ours, path, lang, now)
            rasa = evaluate(theirs, path, lang, now)
            rows.append(
                Row(path.stem, builtin, rasa, (ours.p(0.5), ours.p(0.95)),
                    (theirs.p(0.5), theirs.p(0.95)))
            )  # fmt: skip
    return rows


def render(rows: list[Row], url: str) -> str:
    head = (
        f"{'set':<16}{'n':>5}  {'intent acc':>17}  {'entity F1':>17}"
        f"  {'p50 ms':>15}  {'p95 ms':>15}"
    )
    sub = f"{'':<16}{'':>5}  {'built-in':>8} {'rasa':>8}  {'built-in':>8} {'rasa':>8}" + (
        f"  {'built-in':>7} {'rasa':>7}  {'built-in':>7} {'rasa':>7}"
    )
    lines = [f"built-in NLU vs Rasa at {url}", head, sub]
    for r in rows:
        lines.append(
            f"{r.name:<16}{r.builtin.total:>5}  "
            f"{r.builtin.intent_accuracy:>8.3f} {r.rasa.intent_accuracy:>8.3f}  "
            f"{r.builtin.entity_f1:>8.3f} {r.rasa.entity_f1:>8.3f}  "
            f"{r.builtin_ms[0]:>7.2f} {r.rasa_ms[0]:>7.2f}  "
            f"{r.builtin_ms[1]:>7.2f} {r.rasa_ms[1]:>7.2f}"
        )
    return "\n".join(lines)


def compare(
    url: str,
    file: Path | None,
    lang: str,
    districts: Mapping[str, tuple[float, float]] | None,
    now: datetime | None,
    *,
    as_json: bool = False,
) -> int:
    files = [file] if file is not None else evaluation_sets(lang)
    if not files:
        print(f"no evaluation sets for {lang!r} in {EVAL_DIR}")
        return 2
    try:
        rows = compare_sets(url, files, lang, districts, now)
    except httpx.HTTPError as exc:
        print(f"the Rasa server at {url} did not answer: {type(exc).__name__}")
        return 2
    if as_json:
        print(json.dumps([r.as_dict() for r in rows], ensure_ascii=False))
    else:
        print(render(rows, url))
    return 0

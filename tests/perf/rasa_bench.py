"""Bench section: parse latency of the built-in NLU and of Rasa over HTTP.

``nlu_parse_p95_ms``: the built-in NLU in process, per utterance of the
German evaluation sets. ``rasa_parse_p95_ms``: the same utterances posted to
``rasa run --enable-api`` serving ``var/rasa/models/nlu-de.tar.gz`` (``make
rasa``; trained here when missing). Without ``.venv-rasa`` the Rasa half is
skipped with a printed reason, except with CI=true, where it must run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "var" / "rasa" / "models"


def _texts() -> list[str]:
    from bots.rasa.compare import evaluation_sets
    from dialogue.nlu import training_data

    texts: list[str] = []
    for path in evaluation_sets("de"):
        texts += [e.text for e in training_data.load(path, "de").examples]
    return texts


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _model() -> Path:
    from bots.commands.rasa import tenant_config
    from bots.rasa.project import ExportOptions, export_project
    from bots.rasa.train import train

    project = ROOT / "var" / "rasa" / "project-de"
    export_project(project, ExportOptions(lang="de", tenant=tenant_config(None)))
    model, _ = train(project, MODELS, "nlu-de")
    return model


def _rasa_p95(texts: list[str], rounds: int) -> dict[str, Any]:
    from bots.rasa.train import rasa_command, rasa_env

    model = _model()
    port = _free_port()
    log = (ROOT / "var" / "rasa" / "bench-rasa.log").open("wb")
    proc = subprocess.Popen(
        [str(rasa_command()), "run", "--enable-api", "-m", str(model), "-i", "127.0.0.1",
         "-p", str(port)],
        env=rasa_env(), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=30.0) as client:
            deadline = time.monotonic() + 300
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("rasa run did not start; see var/rasa/bench-rasa.log")
                try:
                    if client.post(f"{url}/model/parse", json={"text": "hallo"}).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            seconds = []
            for _ in range(rounds):
                for text in texts:
                    started = time.perf_counter()
                    client.post(f"{url}/model/parse", json={"text": text}).raise_for_status()
                    seconds.append((time.perf_counter() - started) * 1000)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    return {"rasa_parse_p50_ms": _p(seconds, 0.5), "rasa_parse_p95_ms": _p(seconds, 0.95)}


async def run_rasa_bench(quick: bool) -> dict[str, Any]:
    from bots.rasa.train import rasa_command
    from dialogue.nlu import NLU

    texts = _texts()
    if quick:
        texts = texts[:60]
    nlu = NLU.train(languages=("de",))
    ours = []
    for text in texts:
        started = time.perf_counter()
        nlu.parse(text, lang="de")
        ours.append((time.perf_counter() - started) * 1000)
    results: dict[str, Any] = {
        "nlu_parse_p50_ms": _p(ours, 0.5),
        "nlu_parse_p95_ms": _p(ours, 0.95),
    }
    if not rasa_command().exists():
        if os.environ.get("CI", "").lower() == "true":
            raise RuntimeError(f"{rasa_command()} is missing: CI runs `make rasa` first")
        print(f"   rasa section skipped: {rasa_command()} is missing (make rasa)", file=sys.stderr)
        return results
    results.update(await asyncio.to_thread(_rasa_p95, texts, 1 if quick else 3))
    return results

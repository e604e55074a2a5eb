"""``ehrenamt nlu parse|eval``: the built-in NLU from the command line.

``parse TEXT`` prints one Rasa-shaped JSON object; ``parse -`` reads one text
per line from standard input and prints one JSON line each, with a single
start-up. ``eval FILE`` scores a held-out Rasa file and can fail a CI run;
``eval --compare URL`` scores a Rasa server beside the built-in NLU on the
project's evaluation sets. ``serve`` answers Rasa's ``POST /model/parse``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    nlu = subparsers.add_parser("nlu", help="parse or evaluate with the built-in NLU")
    sub = nlu.add_subparsers(dest="nlu_command", required=True)

    parse = sub.add_parser("parse", help="parse a text ('-' reads one text per line from stdin)")
    parse.add_argument("text")
    _common(parse)
    parse.set_defaults(func=cmd_parse)

    evaluate = sub.add_parser("eval", help="intent accuracy and entity F1 on a Rasa test file")
    evaluate.add_argument("file", type=Path, nargs="?", default=None)
    _common(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument("--min-intent-accuracy", type=float, default=None)
    evaluate.add_argument("--min-entity-f1", type=float, default=None)
    evaluate.add_argument(
        "--compare", metavar="URL", default=None, help="a Rasa server to score beside ours"
    )
    evaluate.set_defaults(func=cmd_eval)

    serve = sub.add_parser("serve", help="answer Rasa's POST /model/parse with the built-in NLU")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5005)
    serve.add_argument("--lang", choices=("de", "en"), default="de")
    serve.add_argument("--tenant", default=None, help="tenant slug: its districts are places")
    serve.set_defaults(func=cmd_serve)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("de", "en"), default=None)
    parser.add_argument("--tenant", default=None, help="tenant slug: its districts are places")
    parser.add_argument("--now", default=None, help="ISO datetime that relative dates refer to")


def _districts(slug: str | None) -> Mapping[str, tuple[float, float]] | None:
    if not slug:
        return None
    from core.tenants import load_tenants

    tenants = load_tenants(os.environ.get("EHRENAMT_TENANTS_DIR"))
    if slug not in tenants:
        raise SystemExit(f"unknown tenant {slug!r}; known: {', '.join(sorted(tenants))}")
    return tenants[slug].districts


def _now(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def cmd_parse(args: argparse.Namespace) -> int:
    from dialogue.nlu import NLU

    districts = _districts(args.tenant)
    nlu = NLU.train()
    lang = args.lang or "de"
    now = _now(args.now)

    def show(text: str) -> str:
        result = nlu.parse(text, lang=lang, now=now, districts=districts)
        return json.dumps(result.to_rasa(), ensure_ascii=False)

    if args.text != "-":
        print(show(args.text))
        return 0
    for line in sys.stdin:
        print(show(line.rstrip("\r\n")), flush=True)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from dialogue.nlu import NLU
    from dialogue.nlu.evaluation import evaluate

    if args.compare:
        from bots.rasa.compare import compare

        return compare(args.compare, args.file, args.lang or "de", _districts(args.tenant),
                       _now(args.now), as_json=args.json)  # fmt: skip
    if args.file is None:
        raise SystemExit("eval needs a FILE (or --compare URL)")
    districts = _districts(args.tenant)
    lang = args.lang or args.file.stem.rsplit("_", 1)[-1]
    nlu = NLU.train(languages=(lang,))

    class _WithDistricts:
        def parse(self, text: str, lang: str = "de", now: datetime | None = None) -> Any:
            return nlu.parse(text, lang=lang, now=now, districts=districts)

    report = evaluate(_WithDistricts(), args.file, lang, _now(args.now))
    print(json.dumps(report.as_dict(), ensure_ascii=False) if args.json else report.render())
    failed = []
    if args.min_intent_accuracy is not None and report.intent_accuracy < args.min_intent_accuracy:
        failed.append(f"intent accuracy {report.intent_accuracy:.3f} < {args.min_intent_accuracy}")
    if args.min_entity_f1 is not None and report.entity_f1 < args.min_entity_f1:
        failed.append(f"entity F1 {report.entity_f1:.3f} < {args.min_entity_f1}")
    for line in failed:
        print(f"FAIL: {line}", file=sys.stderr)
    return 1 if failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bots.rasa.nlu_server import create_nlu_app
    from dialogue.nlu import NLU

    districts = _districts(args.tenant)
    nlu = NLU.train()
    app = create_nlu_app(nlu, default_lang=args.lang, districts=districts)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0

"""``ehrenamt rasa export|train|actions``: our data and matching for Rasa.

``export DIR --lang de`` writes a Rasa 3 project from our data (docs/rasa.md);
``train`` exports and trains one NLU model per language into
``var/rasa/models/`` in ``.venv-rasa`` (``make rasa``); ``actions`` runs the
action server through which a Rasa assistant uses our matching.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    rasa = subparsers.add_parser("rasa", help="export our data to Rasa, train it, serve actions")
    sub = rasa.add_subparsers(dest="rasa_command", required=True)

    export = sub.add_parser("export", help="write a Rasa 3 project for one language")
    export.add_argument("dir", type=Path)
    _project_options(export)
    export.set_defaults(func=cmd_export)

    train = sub.add_parser("train", help="export and train one NLU model per language")
    train.add_argument("--out", type=Path, default=Path("var/rasa"))
    train.add_argument("--lang", action="append", choices=("de", "en"), default=None)
    train.add_argument("--tenant", default=None)
    train.add_argument("--epochs", type=int, default=None)
    train.set_defaults(func=cmd_train)

    actions = sub.add_parser("actions", help="run the Rasa action server on our matching")
    actions.add_argument("--tenant", default=None, help="tenant slug (default: the first one)")
    actions.add_argument("--host", default="127.0.0.1")
    actions.add_argument("--port", type=int, default=5055)
    actions.set_defaults(func=cmd_actions)


def _project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("de", "en"), required=True)
    parser.add_argument("--tenant", default=None, help="tenant slug (default: the first one)")
    parser.add_argument("--epochs", type=int, default=None, help="DIET epochs (default 40)")
    parser.add_argument("--actions-url", default=None, help="our action server's /webhook")
    parser.add_argument("--nlu-url", default="", help="an NLU server Rasa should ask instead")
    parser.add_argument("--nlu-dir", type=Path, default=None, help="where <lang>.yml lives")


def tenant_config(slug: str | None) -> Any:
    from core.tenants import load_tenants

    tenants = load_tenants(os.environ.get("EHRENAMT_TENANTS_DIR"))
    if not tenants:
        raise SystemExit("no tenant files found (EHRENAMT_TENANTS_DIR)")
    if slug is None:
        return next(iter(tenants.values()))
    if slug not in tenants:
        raise SystemExit(f"unknown tenant {slug!r}; known: {', '.join(sorted(tenants))}")
    return tenants[slug]


def _options(args: argparse.Namespace, lang: str) -> Any:
    from bots.rasa.project import DEFAULT_ACTIONS_URL, DEFAULT_EPOCHS, ExportOptions
    from dialogue.nlu.training_data import DEFAULT_DATA_DIR

    return ExportOptions(
        lang=lang,
        tenant=tenant_config(args.tenant),
        epochs=args.epochs or DEFAULT_EPOCHS,
        actions_url=getattr(args, "actions_url", None) or DEFAULT_ACTIONS_URL,
        nlu_url=getattr(args, "nlu_url", ""),
        nlu_dir=getattr(args, "nlu_dir", None) or DEFAULT_DATA_DIR,
    )


def cmd_export(args: argparse.Namespace) -> int:
    from bots.rasa.project import ExportError, export_project

    try:
        written = export_project(args.dir, _options(args, args.lang))
    except ExportError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bots.rasa.project import ExportError, export_project
    from bots.rasa.train import rasa_command, train

    if not rasa_command().exists():
        print(f"{rasa_command()} is missing: run `make rasa-env` first", file=sys.stderr)
        return 2
    for lang in args.lang or ("de", "en"):
        project = args.out / f"project-{lang}"
        try:
            export_project(project, _options(args, lang))
        except ExportError as exc:
            print(f"export failed: {exc}", file=sys.stderr)
            return 2
        model, trained = train(project, args.out / "models", f"nlu-{lang}")
        print(f"{model}: {'trained' if trained else 'unchanged, kept'}")
    return 0


def cmd_actions(args: argparse.Namespace) -> int:
    from bots.rasa.actions import serve

    return serve(tenant_config(args.tenant).slug, args.host, args.port)

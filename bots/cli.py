"""The ``ehrenamt`` command. Each sub-command group lives in ``bots/commands/``
as a module with ``register(subparsers)``; its handlers are plain functions
(``args -> int`` exit code), async work runs through ``asyncio.run``."""

from __future__ import annotations

import argparse
import importlib
import sys

from core.db import InvalidDatabaseURL

# Order is the order of ``ehrenamt --help``. A module missing here is a
# command group not built yet.
COMMAND_MODULES = (
    "bots.commands.run",
    "bots.commands.chat",
    "bots.commands.db",
    "bots.commands.demo",
    "bots.commands.geo",
    "bots.commands.nlu",
    "bots.commands.reminders",
    "bots.commands.rasa",
    "bots.commands.backup",
    "bots.commands.tenant",
    "bots.commands.editor",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ehrenamt", description="ehrenamt-bot: volunteer matching"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InvalidDatabaseURL as exc:  # an operator's setting: one line, no traceback
        print(f"ehrenamt: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Logging set-up for ``ehrenamt run``: plain lines by default, one JSON object
per line with ``EHRENAMT_LOG_FORMAT=json`` (for Loki, journald, ELK …).

JSON lines carry the time, level, logger, message and a few known context
fields (tenant, flow, slot, kind, channel); never message contents or
contact details (the log calls themselves carry none, and unknown ``extra``
fields are left out rather than passed through)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime

from core.metrics import ErrorCounter

CONTEXT_FIELDS = ("tenant", "flow", "slot", "kind", "channel")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if isinstance(value, str | int | float | bool):
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Root logging for the runner, with the error counter for /metrics."""
    env = os.environ if environ is None else environ
    handler = logging.StreamHandler()
    if env.get("EHRENAMT_LOG_FORMAT", "").strip().lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
    handler.set_name("ehrenamt")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "ehrenamt"]:
        root.removeHandler(old)
    root.addHandler(handler)
    if not any(isinstance(h, ErrorCounter) for h in root.handlers):
        root.addHandler(ErrorCounter())
    root.setLevel(env.get("EHRENAMT_LOG_LEVEL", "INFO").upper())
    # httpx logs request URLs, and a Telegram URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


__all__ = ["JsonFormatter", "configure_logging"]

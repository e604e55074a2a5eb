"""Deployment settings from the environment (DESIGN.md, "Configuration")."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from core.tenants import DEFAULT_TENANTS_DIR

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    tenants_dir: Path
    host: str
    web_port: int
    data_dir: Path  # per-tenant stores such as Matrix keys
    rasa_url: str = ""  # a Rasa server whose /model/parse replaces the built-in NLU
    outbox_dir: Path | None = None  # mails when no SMTP is set (default <data_dir>/outbox)
    public_url: str = ""  # EHRENAMT_PUBLIC_URL: links the chat gives (a certificate's check page)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("EHRENAMT_DATA_DIR", PROJECT_ROOT / "var"))
        settings = cls(
            database_url=env.get("EHRENAMT_DATABASE_URL")
            or f"sqlite+aiosqlite:///{data_dir / 'ehrenamt.db'}",
            tenants_dir=Path(env.get("EHRENAMT_TENANTS_DIR", DEFAULT_TENANTS_DIR)),
            host=env.get("EHRENAMT_HOST", "127.0.0.1"),
            web_port=int(env.get("EHRENAMT_WEB_PORT", "8080")),
            data_dir=data_dir,
            rasa_url=env.get("EHRENAMT_RASA_URL", ""),
            outbox_dir=Path(env["EHRENAMT_OUTBOX_DIR"]) if env.get("EHRENAMT_OUTBOX_DIR") else None,
            public_url=env.get("EHRENAMT_PUBLIC_URL", "").rstrip("/"),
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **given) if given else settings  # type: ignore[arg-type]

    @property
    def site_url(self) -> str:
        """Where people reach the web app: ``public_url``, else this host and port."""
        return self.public_url or f"http://{self.host}:{self.web_port}"

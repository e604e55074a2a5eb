"""Web settings from the environment. Read by ``create_app``, never at import."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path


@dataclass(frozen=True, slots=True)
class WebConfig:
    public_url: str  # how people reach the site, used in e-mailed links
    secret_key: str  # signs session cookies and e-mailed links
    smtp_url: str  # empty: mail goes to the outbox folder
    mail_from: str
    outbox_dir: Path
    frame_ancestors: str  # who may embed the web chat, e.g. "https://www.aachen.de"
    max_body_bytes: int = 64 * 1024
    telegram_usernames: Mapping[str, str] | None = None  # tenant slug -> bot username
    metrics_token: str = ""  # when set, /metrics wants it as a bearer token
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks);
    # empty: the address the connection comes from, whatever a header says.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # A demo without SMTP: log the links of outbox mails (they log people in).
    demo_log_links: bool = False

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @classmethod
    def from_env(
        cls, data_dir: Path, host: str, port: int, environ: Mapping[str, str] | None = None
    ) -> WebConfig:
        env = os.environ if environ is None else environ
        usernames = {
            key.removeprefix("EHRENAMT_TELEGRAM_USERNAME_").lower(): value.lstrip("@")
            for key, value in env.items()
            if key.startswith("EHRENAMT_TELEGRAM_USERNAME_") and value
        }
        return cls(
            public_url=env.get("EHRENAMT_PUBLIC_URL", f"http://{host}:{port}").rstrip("/"),
            secret_key=env.get("EHRENAMT_SECRET_KEY") or _stored_secret(data_dir),
            smtp_url=env.get("EHRENAMT_SMTP_URL", ""),
            mail_from=env.get("EHRENAMT_MAIL_FROM", "ehrenamt-bot@localhost"),
            outbox_dir=Path(env.get("EHRENAMT_OUTBOX_DIR", data_dir / "outbox")),
            frame_ancestors=env.get("EHRENAMT_FRAME_ANCESTORS", "").strip(),
            max_body_bytes=int(env.get("EHRENAMT_MAX_BODY_BYTES", 64 * 1024)),
            telegram_usernames=usernames,
            metrics_token=env.get("EHRENAMT_METRICS_TOKEN", ""),
            trusted_proxies=parse_networks(env.get("EHRENAMT_TRUSTED_PROXIES", "")),
            demo_log_links=env.get("EHRENAMT_DEMO_LOG_LINKS", "") in ("1", "true", "yes"),
        )

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str:
        """The address a request comes from: the peer, unless the peer is a
        trusted proxy; then the last address in X-Forwarded-For that is not
        one of ours (what a client writes at the start is not believed)."""
        address = peer or "unknown"
        if not forwarded_for or not _within(address, self.trusted_proxies):
            return address
        for hop in reversed([h.strip() for h in forwarded_for.split(",")[-20:]]):
            try:
                ip_address(hop)
            except ValueError:
                return address  # a garbled header: trust nothing in it
            if not _within(hop, self.trusted_proxies):
                return hop
        return address


def parse_networks(text: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8"`` as networks; a bad entry is a config error."""
    return tuple(ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip())


def _within(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def _stored_secret(data_dir: Path) -> str:
    """A secret kept in ``<data_dir>/web-secret`` so every process of one
    deployment (and a restart) signs with the same key."""
    path = data_dir / "web-secret"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret, encoding="utf-8")
    path.chmod(0o600)
    return secret

"""Signed, expiring links sent by e-mail (itsdangerous): verify the address,
log in without password, reset the password. The token carries the account
id, a random token id, and, for reset and log-in links, the password
fingerprint, so a link stops working once the password changed. Each link
works once: the routes record the token id as used
(``core.services.used_links``). Times come from the app's clock."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer


class Purpose(enum.StrEnum):
    VERIFY = "verify"
    LOGIN = "login"
    RESET = "reset"
    INVITE = "invite"  # an editor sets their first password


MAX_AGE = {
    Purpose.VERIFY: 3 * 24 * 3600,
    Purpose.LOGIN: 15 * 60,
    Purpose.RESET: 60 * 60,
    Purpose.INVITE: 7 * 24 * 3600,
}


@dataclass(frozen=True, slots=True)
class TokenData:
    account_id: int
    fingerprint: str
    token_id: str
    expires_at: datetime


class BadToken(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class _ClockSigner(TimestampSigner):
    """Signs and checks ages by the app's clock, not ``time.time()``."""

    def __init__(self, *args: Any, now: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now().timestamp())


def _system_now() -> datetime:
    return datetime.now(UTC)


class Tokens:
    def __init__(self, secret_key: str, now: Callable[[], datetime] = _system_now) -> None:
        self._secret = secret_key
        self._now = now

    def _serializer(self, purpose: Purpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            self._secret,
            salt=f"ehrenamt-{purpose.value}",
            signer=_ClockSigner,
            signer_kwargs={"now": self._now},
        )

    def make(self, purpose: Purpose, account_id: int, fingerprint: str = "") -> str:
        token_id = secrets.token_urlsafe(16)
        return str(self._serializer(purpose).dumps([account_id, fingerprint, token_id]))

    def read(self, purpose: Purpose, token: str) -> TokenData:
        try:
            payload, signed_at = self._serializer(purpose).loads(
                token, max_age=MAX_AGE[purpose], return_timestamp=True
            )
            account_id, fingerprint, *rest = payload
            if len(rest) > 1:
                raise ValueError("too many values")
            account_id, fingerprint = int(account_id), str(fingerprint)
        except SignatureExpired as exc:
            raise BadToken(expired=True) from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise BadToken(expired=False) from exc
        if rest:
            token_id = str(rest[0])
        else:
            # A link mailed before links carried an id: its decoded contents
            # name it (not its text, which has more than one spelling).
            seen = f"{purpose.value}:{account_id}:{fingerprint}:{signed_at.timestamp():.0f}"
            token_id = "v1:" + hashlib.sha256(seen.encode()).hexdigest()[:40]
        expires_at = signed_at + timedelta(seconds=MAX_AGE[purpose])
        return TokenData(account_id, fingerprint, token_id, expires_at)

"""Signed, expiring links sent by e-mail (itsdangerous): verify the address,
log in without password, reset the password. The token carries the account
id and, for reset and log-in links, the password fingerprint, so a link stops
working once the password changed."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class Purpose(enum.StrEnum):
    VERIFY = "verify"
    LOGIN = "login"
    RESET = "reset"


MAX_AGE = {Purpose.VERIFY: 3 * 24 * 3600, Purpose.LOGIN: 15 * 60, Purpose.RESET: 60 * 60}


@dataclass(frozen=True, slots=True)
class TokenData:
    account_id: int
    fingerprint: str


class BadToken(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class Tokens:
    def __init__(self, secret_key: str) -> None:
        self._secret = secret_key

    def _serializer(self, purpose: Purpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"ehrenamt-{purpose.value}")

    def make(self, purpose: Purpose, account_id: int, fingerprint: str = "") -> str:
        return str(self._serializer(purpose).dumps([account_id, fingerprint]))

    def read(self, purpose: Purpose, token: str) -> TokenData:
        try:
            account_id, fingerprint = self._serializer(purpose).loads(
                token, max_age=MAX_AGE[purpose]
            )
        except SignatureExpired as exc:
            raise BadToken(expired=True) from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise BadToken(expired=False) from exc
        return TokenData(int(account_id), str(fingerprint))

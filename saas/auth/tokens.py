"""Secrets handed to people and programs are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "kabinet_session"
CSRF_COOKIE = "kabinet_csrf"
CSRF_HEADER = "x-csrf-token"
API_TOKEN_PREFIX = "kbt_"


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)

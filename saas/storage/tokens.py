"""Signed, time-limited file tokens for the folder backend (what presigned URLs are for S3).

    token = base64url(JSON claims) "." base64url(HMAC-SHA256(key, claims))

The HMAC key is derived from SAAS_SECRET_KEY for this one purpose, so a token can never be
confused with a session or any other signed value. A token names one object key and one
method (GET or PUT) and expires; `verify_file_token` refuses expired, tampered or misused ones.

Every token carries a random nonce, so two links to the same object issued in the same second
differ. An audited download link (saas.storage.audit) also carries the person it was issued to
and the access-log entry that issued it: each fetch is then logged against them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Literal

from saas.storage.base import StorageError, validate_key

Method = Literal["GET", "PUT"]
PURPOSE = b"kabinet/storage/file-token/v1"


class InvalidFileToken(StorageError):
    """Malformed, tampered with, or for another method."""


class ExpiredFileToken(InvalidFileToken):
    pass


@dataclass(frozen=True)
class FileClaims:
    key: str
    method: Method
    expires_at: int
    filename: str | None = None
    content_type: str | None = None
    max_size: int | None = None
    nonce: str = ""
    # Audited download links only: who the link was issued to, and the issuing log entry
    # ("<kind>:<id>", see saas.storage.audit).
    person_id: int | None = None
    audit: str | None = None


def _signing_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_file_token(
    secret: str,
    key: str,
    method: Method,
    ttl_seconds: int,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    max_size: int | None = None,
    person_id: int | None = None,
    audit: str | None = None,
    now: float | None = None,
) -> str:
    if not secret:
        raise ValueError("file tokens need a secret key")
    validate_key(key)
    claims: dict[str, str | int] = {
        "k": key,
        "m": method,
        "e": int((now or time.time()) + ttl_seconds),
        "r": secrets.token_urlsafe(12),
    }
    if person_id is not None:
        claims["p"] = int(person_id)
    if audit:
        claims["a"] = audit
    if filename:
        claims["n"] = filename
    if content_type:
        claims["t"] = content_type
    if max_size is not None:
        claims["s"] = max_size
    payload = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    signature = hmac.new(_signing_key(secret), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def verify_file_token(
    secret: str, token: str, method: Method, *, now: float | None = None
) -> FileClaims:
    """The token's claims, or InvalidFileToken / ExpiredFileToken."""
    try:
        payload, signature = token.split(".")
        expected = hmac.new(_signing_key(secret), payload.encode(), hashlib.sha256).digest()
        valid = hmac.compare_digest(expected, _unb64(signature))
    except (ValueError, TypeError):
        raise InvalidFileToken("malformed file link") from None
    if not valid:
        raise InvalidFileToken("the file link's signature is invalid")
    try:
        claims = json.loads(_unb64(payload))
        parsed = FileClaims(
            key=validate_key(claims["k"]),
            method=claims["m"],
            expires_at=int(claims["e"]),
            filename=claims.get("n"),
            content_type=claims.get("t"),
            max_size=claims.get("s"),
            nonce=str(claims.get("r", "")),
            person_id=int(claims["p"]) if claims.get("p") is not None else None,
            audit=str(claims["a"]) if claims.get("a") else None,
        )
    except (ValueError, KeyError, TypeError):
        raise InvalidFileToken("malformed file link") from None
    if parsed.method != method:
        raise InvalidFileToken(f"this file link is for {parsed.method}, not {method}")
    if parsed.expires_at < (now or time.time()):
        raise ExpiredFileToken("the file link has expired")
    return parsed

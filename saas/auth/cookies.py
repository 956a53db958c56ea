"""The session cookie (HttpOnly) and the CSRF cookie (readable by the page, echoed in the
X-CSRF-Token header: double submit). Both Secure and SameSite=Lax; browsers accept Secure
cookies on http://localhost and *.localhost, so development works without TLS."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.responses import Response

from saas.auth.service import IssuedSession
from saas.auth.tokens import CSRF_COOKIE, SESSION_COOKIE


def set_session_cookies(response: Response, issued: IssuedSession) -> None:
    max_age = max(0, int((issued.expires_at - datetime.now(UTC)).total_seconds()))
    common = {"max_age": max_age, "path": "/", "secure": True, "samesite": "lax"}
    response.set_cookie(SESSION_COOKIE, issued.secret, httponly=True, **common)  # type: ignore[arg-type]
    response.set_cookie(CSRF_COOKIE, issued.csrf_token, httponly=False, **common)  # type: ignore[arg-type]


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=True, httponly=False, samesite="lax")

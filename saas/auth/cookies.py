"""The session cookie (HttpOnly) and the CSRF cookie (readable by the page, echoed in the
X-CSRF-Token header: double submit). Both SameSite=Lax, and Secure in production and whenever
the request came over HTTPS. In development over plain HTTP they are not Secure: browsers
would keep Secure cookies on http://*.localhost, but curl and httpx do not send them back over
http://, and the integrator's guide logs in with curl against the demo."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import HTTPConnection
from starlette.responses import Response

from saas.auth.service.sessions import IssuedSession
from saas.auth.tokens import CSRF_COOKIE, SESSION_COOKIE
from saas.settings import Settings


def cookies_secure(connection: HTTPConnection, settings: Settings) -> bool:
    """Secure unless a development (or test) app answers a request that came over plain HTTP
    (the scheme uvicorn gives it: X-Forwarded-Proto only from a trusted proxy)."""
    return settings.production or connection.url.scheme in ("https", "wss")


def set_session_cookies(response: Response, issued: IssuedSession, *, secure: bool) -> None:
    max_age = max(0, int((issued.expires_at - datetime.now(UTC)).total_seconds()))
    common = {"max_age": max_age, "path": "/", "secure": secure, "samesite": "lax"}
    response.set_cookie(SESSION_COOKIE, issued.secret, httponly=True, **common)  # type: ignore[arg-type]
    response.set_cookie(CSRF_COOKIE, issued.csrf_token, httponly=False, **common)  # type: ignore[arg-type]


def clear_session_cookies(response: Response, *, secure: bool) -> None:
    for name, httponly in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", secure=secure, httponly=httponly, samesite="lax")
